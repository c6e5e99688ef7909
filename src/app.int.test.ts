/** The assembled application: jobs and transactions sharing one database, and a graceful stop. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, pgliteTemplate, type TestDatabase } from '../test/support/database.ts';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { audit } from './core/audit.ts';
import type { DatabaseTarget } from './core/db/database.ts';

// The jobs these tests register, declared as a module declares its own (sending an undeclared job does not compile).
declare module './core/jobs/jobs.ts' {
  interface JobPayloads {
    'test.noop': { i: number };
    'test.tx-job': { kept: boolean };
    'test.slow-write': Record<string, never>;
  }
}

const config = loadConfig({ LOG_LEVEL: 'silent', SECRET: 'test-secret-0123456789abcdef' });
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A database that outlives the app: a PGlite folder, or a PostgreSQL database with TEST_DATABASE_URL.
 * `first` opens the folder from the run's migrated template; `again` opens what is in the folder.
 */
async function durableTarget(): Promise<{ first: DatabaseTarget; again: DatabaseTarget }> {
  if (process.env.TEST_DATABASE_URL) {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    return { first: database.target, again: database.target };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'democrator-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { first: { kind: 'pglite', dataDir: dir, ...pgliteTemplate() }, again: { kind: 'pglite', dataDir: dir } };
}

const countAudit = (running: Awaited<ReturnType<typeof createApp>>, action: string) =>
  running.ctx.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', action)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));

describe('one database for requests and jobs', () => {
  it('keeps transactions whole while jobs are enqueued at the same time', async () => {
    const running = await createApp(config, { target: (await durableTarget()).first });
    cleanups.push(() => running.close());
    await running.jobs.register([{ name: 'test.noop', run: async () => {} }]);
    const work = Array.from({ length: 40 }, async (_, i) => {
      if (i % 4 === 3) return running.jobs.send('test.noop', { i });
      return running.ctx.db
        .transaction()
        .execute(async (trx) => {
          await audit(trx, { actorId: null, action: 'test.tx', subjectType: 'test', subjectId: i });
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (i % 2 === 0) throw new Error('roll back');
        })
        .catch(() => undefined);
    });
    await Promise.all(work);
    // 30 transactions: the 20 with an even i roll back, the 10 with i ≡ 1 (mod 4) commit.
    // 10 jobs (i ≡ 3 mod 4), none lost inside someone else's rolled-back transaction.
    expect(await countAudit(running, 'test.tx')).toBe(10);
    const jobs = await running.jobs.boss.findJobs('test.noop');
    expect(jobs).toHaveLength(10);
  });

  it('enqueues a job only if the transaction that asked for it commits', async () => {
    const running = await createApp(config, { target: (await durableTarget()).first });
    cleanups.push(() => running.close());
    await running.jobs.register([{ name: 'test.tx-job', run: async () => {} }]);
    await running.ctx.db.transaction().execute((trx) => running.jobs.send('test.tx-job', { kept: true }, trx));
    await running.ctx.db
      .transaction()
      .execute(async (trx) => {
        await running.jobs.send('test.tx-job', { kept: false }, trx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const jobs = await running.jobs.boss.findJobs('test.tx-job');
    expect(jobs.map((j) => j.data)).toEqual([{ kept: true }]);
  });
});

describe('graceful stop', () => {
  it('lets a running job finish its write before the database closes', async () => {
    const target = await durableTarget();
    const running = await createApp(config, { target: target.first });
    let started!: () => void;
    const jobStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    await running.jobs.register([
      {
        name: 'test.slow-write',
        work: { pollingIntervalSeconds: 0.5 },
        run: async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await audit(running.ctx.db, { actorId: null, action: 'test.slow-write', subjectType: 'test' });
        },
      },
    ]);
    await running.jobs.send('test.slow-write', {});
    await jobStarted;
    await running.close();

    const reopened = await createApp(config, { target: target.again });
    cleanups.push(() => reopened.close());
    expect(await countAudit(reopened, 'test.slow-write')).toBe(1);
  });
});
