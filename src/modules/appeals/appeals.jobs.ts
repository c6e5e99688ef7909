/** The appeals module's background jobs: the dispatch, the "sent" mails and the minute sweep. */
import type { AppContext } from '../../core/context.ts';
import type { JobDefinition } from '../../core/jobs/jobs.ts';
import { dispatchAppeal, notifySent } from './appeals.dispatch.ts';
import { sweepThresholds } from './appeals.signing.ts';

export const dispatchJob = 'appeals.dispatch';
export const notifySentJob = 'appeals.notify-sent';
export const thresholdSweepJob = 'appeals.threshold-sweep';

export function appealJobs(ctx: AppContext): JobDefinition<never>[] {
  return [
    { name: dispatchJob, run: async (data: { appealId: number }) => void (await dispatchAppeal(ctx, data.appealId)), retryLimit: 10 },
    { name: notifySentJob, run: (data: { appealId: number }) => notifySent(ctx, data.appealId), retryLimit: 5 },
    { name: thresholdSweepJob, run: () => sweepThresholds(ctx), retryLimit: 0 },
  ] as JobDefinition<never>[];
}
