/** The appeals module's background jobs: the dispatch, the notices, the minute sweep, the overdue sweep and the signature counts. */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { forgetSupersededSignatures, notifyAmended, notifyAmendment } from './appeals.amendments.ts';
import { notifyExtended, notifyReceived } from './appeals.cabinet.ts';
import { foldSignatureCounts, recountSignatures } from './appeals.counts.ts';
import { dispatchAppeal, letterAccepted, letterFailed, notifySent, settleAcceptedLetters } from './appeals.dispatch.ts';
import { inviteEarlierSigners } from './appeals.escalation.ts';
import { notifyForwarded } from './appeals.forwarding.ts';
import { notifySolved, notifyWithdrawn } from './appeals.notices.ts';
import { markOverdueAppeals, notifyOverdue } from './appeals.overdue.ts';
import { checkThreshold, resumeStartedDispatches, sweepThresholds } from './appeals.signing.ts';

/** At start-up: what a node that died mid-signing or mid-dispatch left undone (see resumeStartedDispatches), and letters accepted unrecorded. */
export async function recoverAppealsAtStartUp(ctx: AppContext): Promise<void> {
  await resumeStartedDispatches(ctx);
  await settleAcceptedLetters(ctx);
}

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** The platform's dispatch of an appeal that reached its threshold (sent with a singletonKey per appeal). */
    'appeals.dispatch': { appealId: number };
    /** The mails telling the author, the signers and the followers that the appeal went out. */
    'appeals.notify-sent': { appealId: number };
    /** The addressee's officials learn that an appeal arrived in its cabinet (sent with the dispatch). */
    'appeals.notify-received': { appealId: number };
    /** The author, the signers and the followers learn that the addressee extended the answer term. */
    'appeals.notify-extended': { appealId: number };
    /** The author, the signers and the followers learn that the addressee forwarded the appeal to the competent body. */
    'appeals.notify-forwarded': { appealId: number };
    /** Tells the signers of a withdrawn appeal. */
    'appeals.notify-withdrawn': { appealId: number };
    /** Tells the signers of a version an accepted amendment replaced that their signature waits to be given for the new one. */
    'appeals.notify-amended': { appealId: number; revisionId: number };
    /** Tells the appeal's author of a new amendment, or its proposer of the decision. */
    'appeals.notify-amendment': { amendmentId: number; event: 'proposed' | 'decided' };
    /** Invites the earlier signers of an escalated appeal, which just opened, to sign its new text. */
    'appeals.invite-earlier-signers': { appealId: number };
    /** Tells the signers and followers of a problem its author marked solved. */
    'appeals.notify-solved': { problemId: number };
    /** Marks the appeals whose answer term passed with no answer (cron, every 10 minutes). */
    'appeals.overdue-sweep': Record<string, never>;
    /** Tells the author, signers and followers of an appeal its addressee did not answer in time. */
    'appeals.notify-overdue': { appealId: number };
    /** The minute's safety net for threshold checks, stalled dispatches and accepted letters not recorded on their appeal, and the
     * superseded signatures of appeals that no longer collect (cron). */
    'appeals.threshold-sweep': Record<string, never>;
    /** Folds the signatures made and removed since its last run into the counts (about every second, see appeals.counts.ts). */
    'appeals.fold-counts': Record<string, never>;
    /** Counts every signature again and fixes the counts where they differ (nightly). */
    'appeals.recount': Record<string, never>;
    /** Checks the threshold of an appeal whose kept count reached it (sent by the fold, in its transaction). */
    'appeals.check-threshold': { appealId: number };
  }
}

export const thresholdSweepJob = 'appeals.threshold-sweep';
export const overdueSweepJob = 'appeals.overdue-sweep';
export const foldCountsJob = 'appeals.fold-counts';
export const foldCountsIntervalMs = 1_000;
export const recountJob = 'appeals.recount';
/** 03:30 Moscow time, when the fewest people sign. */
export const recountCron = '30 3 * * *';

/**
 * A dispatch run that takes longer than this is taken for dead and run again. While it runs signing
 * is closed, so a crashed run must not hold it for pg-boss' default 15 minutes. The longest step is
 * the render: a 20,000-signatory letter stalled requests for 11–18 s when it still rendered on the
 * main thread (bench/README.md), so that is what a render takes on a 2-core box. Two minutes leaves a
 * wide margin, and a second run of one still alive is harmless: the dispatch acts once.
 */
export const dispatchExpirySeconds = 120;

export function appealJobs(ctx: AppContext): AnyJobDefinition[] {
  return [
    {
      name: 'appeals.dispatch',
      run: async ({ appealId }) => void (await dispatchAppeal(ctx, appealId)),
      retryLimit: 10,
      expireInSeconds: dispatchExpirySeconds,
    },
    { name: 'appeals.notify-sent', run: ({ appealId }) => notifySent(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-received', run: ({ appealId }) => notifyReceived(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-extended', run: ({ appealId }) => notifyExtended(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-forwarded', run: ({ appealId }) => notifyForwarded(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-withdrawn', run: ({ appealId }) => notifyWithdrawn(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-amended', run: ({ appealId, revisionId }) => notifyAmended(ctx, appealId, revisionId), retryLimit: 5 },
    { name: 'appeals.notify-amendment', run: ({ amendmentId, event }) => notifyAmendment(ctx, amendmentId, event), retryLimit: 5 },
    { name: 'appeals.notify-solved', run: ({ problemId }) => notifySolved(ctx, problemId), retryLimit: 5 },
    { name: 'appeals.invite-earlier-signers', run: ({ appealId }) => inviteEarlierSigners(ctx, appealId), retryLimit: 5 },
    { name: 'appeals.notify-overdue', run: ({ appealId }) => notifyOverdue(ctx, appealId), retryLimit: 5 },
    { name: overdueSweepJob, run: async () => void (await markOverdueAppeals(ctx)), retryLimit: 0 },
    {
      name: thresholdSweepJob,
      run: async () => {
        await sweepThresholds(ctx);
        await settleAcceptedLetters(ctx);
        await forgetSupersededSignatures(ctx);
      },
      retryLimit: 0,
    },
    // The next tick is the retry; a tick that fails (a serialization conflict with the recount) changes nothing.
    {
      name: foldCountsJob,
      run: async () => void (await foldSignatureCounts(ctx)),
      retryLimit: 0,
      policy: 'stately',
      work: { pollingIntervalSeconds: 0.5 },
    },
    { name: recountJob, run: async () => void (await recountSignatures(ctx)), retryLimit: 3 },
    { name: 'appeals.check-threshold', run: async ({ appealId }) => void (await checkThreshold(ctx, appealId)), retryLimit: 10 },
  ];
}

/** The appeal learns from the mailer when its letter was accepted (it is sent from then) or given up. */
export function watchAppealLetters(ctx: AppContext): void {
  ctx.mailer.onAccepted((executor, message) => letterAccepted(ctx, executor, message));
  ctx.mailer.onFailed((executor, message) => letterFailed(ctx, executor, message));
}
