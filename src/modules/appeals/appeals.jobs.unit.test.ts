/** The appeals jobs: their names and retries, and (checked by tsc) that `jobs.send` is typed by job name. */
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../core/context.ts';
import type { Jobs } from '../../core/jobs/jobs.ts';
import { appealJobs } from './appeals.jobs.ts';

/** Never called: tsc (part of `npm test`) fails if a line marked @ts-expect-error compiles. */
export function sendIsTypedByJobName(jobs: Jobs): void {
  void jobs.send('appeals.dispatch', { appealId: 1 });
  void jobs.send('appeals.notify-sent', { appealId: 1 });
  void jobs.send('appeals.notify-overdue', { appealId: 1 });
  // @ts-expect-error the sweep takes no appeal
  void jobs.send('appeals.overdue-sweep', { appealId: 1 });
  // @ts-expect-error a job nobody declared
  void jobs.send('appeals.dispatched', { appealId: 1 });
  // @ts-expect-error a payload of another shape
  void jobs.send('appeals.dispatch', { id: 1 });
  // @ts-expect-error a payload without its field
  void jobs.send('appeals.notify-sent', {});
}

describe('appeal jobs', () => {
  it('are the dispatch (retried longest), the sent, extended, forwarded, withdrawn, amendment, solved and overdue mails, the invitation to re-sign an escalated appeal, the sweeps and the fold of the counts (never retried: they run on a schedule), the nightly recount and the threshold check of an appeal the fold brought to its threshold', () => {
    const definitions = appealJobs({} as AppContext);
    expect(definitions.map((d) => [d.name, d.retryLimit])).toEqual([
      ['appeals.dispatch', 10],
      ['appeals.notify-sent', 5],
      ['appeals.notify-received', 5],
      ['appeals.notify-extended', 5],
      ['appeals.notify-forwarded', 5],
      ['appeals.notify-withdrawn', 5],
      ['appeals.notify-amended', 5],
      ['appeals.notify-amendment', 5],
      ['appeals.notify-solved', 5],
      ['appeals.invite-earlier-signers', 5],
      ['appeals.notify-overdue', 5],
      ['appeals.overdue-sweep', 0],
      ['appeals.threshold-sweep', 0],
      ['appeals.fold-counts', 0],
      ['appeals.recount', 3],
      ['appeals.check-threshold', 10],
    ]);
  });
});
