/** The answers module's background jobs: filing inbound mail, telling an appeal's people of its answer, and closing ended reviews. */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { recountOrganizationStats } from './answers.ratings.ts';
import { closeEndedReviews, notifyClosed } from './answers.review.ts';
import { notifyAnswered, processInbound } from './answers.service.ts';
import { closeUnansweredAppeals, notifyClosedUnanswered } from './answers.unanswered.ts';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** Parses, matches and files one stored inbound message (queued in the transaction that stored it). */
    'answers.process-inbound': { inboundId: number };
    /** Tells the author, signers and followers that the body answered. */
    'answers.notify-answered': { appealId: number };
    /** Closes the appeals whose review window ended (cron, every minute). */
    'answers.close-reviews': Record<string, never>;
    /** Tells the author, signers and followers the result of the review, in one e-mail. */
    'answers.notify-closed': { appealId: number };
    /** Closes «без ответа» the appeals unanswered a grace period past their due date (cron, every 10 minutes). */
    'answers.close-unanswered': Record<string, never>;
    /** Tells the author, signers and followers of an appeal closed «без ответа». */
    'answers.notify-closed-unanswered': { appealId: number };
    /** Recounts the organizations' rating stats from the appeals and ratings, logging any difference (nightly). */
    'answers.recount-ratings': Record<string, never>;
  }
}

export const closeReviewsJob = 'answers.close-reviews';
export const closeUnansweredJob = 'answers.close-unanswered';
export const recountRatingsJob = 'answers.recount-ratings';
/** 03:45 Moscow time, after the signatures' recount. */
export const recountRatingsCron = '45 3 * * *';

export function answerJobs(ctx: AppContext): AnyJobDefinition[] {
  return [
    // Polled every half second (pg-boss's default is two): a reply appears on its appeal about as soon as it arrives.
    { name: 'answers.process-inbound', run: ({ inboundId }) => processInbound(ctx, inboundId), retryLimit: 10, work: { pollingIntervalSeconds: 0.5 } },
    { name: 'answers.notify-answered', run: ({ appealId }) => notifyAnswered(ctx, appealId), retryLimit: 5 },
    // The next minute's run is the retry; a run that fails closes nothing (one transaction per batch).
    { name: closeReviewsJob, run: async () => void (await closeEndedReviews(ctx)), retryLimit: 0 },
    { name: 'answers.notify-closed', run: ({ appealId }) => notifyClosed(ctx, appealId), retryLimit: 5 },
    { name: closeUnansweredJob, run: async () => void (await closeUnansweredAppeals(ctx)), retryLimit: 0 },
    { name: 'answers.notify-closed-unanswered', run: ({ appealId }) => notifyClosedUnanswered(ctx, appealId), retryLimit: 5 },
    { name: recountRatingsJob, run: async () => void (await recountOrganizationStats(ctx)), retryLimit: 3 },
  ];
}
