/** The notifications module's jobs: the daily digest, on a schedule (pg-boss runs one per tick across all nodes). */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition, Jobs } from '../../core/jobs/jobs.ts';
import { sendDigests } from './notifications.service.ts';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** One digest mail per person per day with everything waiting for it (cron). */
    'notifications.digest': Record<string, never>;
  }
}

export const digestJob = 'notifications.digest';
/** 09:00 Moscow time: the news of the day before, read in the morning. */
export const digestCron = '0 9 * * *';

export function notificationJobs(ctx: AppContext): AnyJobDefinition[] {
  return [{ name: digestJob, run: async () => void (await sendDigests(ctx)), retryLimit: 3 }];
}

export async function scheduleNotificationJobs(ctx: AppContext, jobs: Jobs): Promise<void> {
  await jobs.register(notificationJobs(ctx));
  await jobs.schedule(digestJob, digestCron);
}
