/** The answers module's background jobs: filing inbound mail, telling an appeal's people of its answer, and closing ended reviews. */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { closeEndedReviews, notifyClosed } from './answers.review.ts';
import { notifyAnswered, processInbound } from './answers.service.ts';

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
  }
}

export const closeReviewsJob = 'answers.close-reviews';

export function answerJobs(ctx: AppContext): AnyJobDefinition[] {
  return [
    // Polled every half second (pg-boss's default is two): a reply appears on its appeal about as soon as it arrives.
    { name: 'answers.process-inbound', run: ({ inboundId }) => processInbound(ctx, inboundId), retryLimit: 10, work: { pollingIntervalSeconds: 0.5 } },
    { name: 'answers.notify-answered', run: ({ appealId }) => notifyAnswered(ctx, appealId), retryLimit: 5 },
    // The next minute's run is the retry; a run that fails closes nothing (one transaction per batch).
    { name: closeReviewsJob, run: async () => void (await closeEndedReviews(ctx)), retryLimit: 0 },
    { name: 'answers.notify-closed', run: ({ appealId }) => notifyClosed(ctx, appealId), retryLimit: 5 },
  ];
}
