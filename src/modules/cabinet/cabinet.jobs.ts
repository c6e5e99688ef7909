/** The cabinet's background jobs: one attempt of a webhook delivery (its retries are new jobs, queued by the attempt before). */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { deliverJob, deliverWebhook, deliveryTimeoutMs } from './cabinet.webhooks.ts';

export function cabinetJobs(ctx: AppContext): AnyJobDefinition[] {
  return [
    {
      name: deliverJob,
      run: ({ deliveryId }) => deliverWebhook(ctx, deliveryId),
      // pg-boss retries only a run that failed to record its outcome (the database was away); the back-off of the
      // receiver's failures is the delivery's own schedule.
      retryLimit: 3,
      expireInSeconds: Math.ceil(deliveryTimeoutMs / 1000) + 50,
      work: { pollingIntervalSeconds: 1 },
    },
  ];
}
