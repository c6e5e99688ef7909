/** The accounts module's jobs: the password-reset mail, written away from the request that asks for it. */
import type { AppContext } from '../../core/context.ts';
import type { AnyJobDefinition } from '../../core/jobs/jobs.ts';
import { mailPasswordReset, passwordResetJob } from './accounts.service.ts';

export function accountJobs(ctx: AppContext): AnyJobDefinition[] {
  return [{ name: passwordResetJob, run: ({ email }) => mailPasswordReset(ctx, email), retryLimit: 3 }];
}
