/**
 * Background jobs on pg-boss, in the same database as everything else, so a job can be enqueued
 * in the transaction that makes it necessary (nothing is lost between commit and enqueue).
 * On PGlite pg-boss goes through the session lock shared with Kysely (see db/pglite-dialect.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import { fromKysely, fromPglite, PgBoss, type SendOptions, type WorkOptions } from 'pg-boss';
import type { Executor, OpenDatabase } from '../db/database.ts';

/**
 * Every job's payload, by the job's name. Core declares none: each module adds its own by
 * declaration merging, next to its job definitions,
 *
 *   declare module '../../core/jobs/jobs.ts' { interface JobPayloads { 'appeals.dispatch': { appealId: number } } }
 *
 * so that sending a job nobody declared, or a payload of another shape, does not compile.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the modules through declaration merging
export interface JobPayloads {}

export type JobName = keyof JobPayloads;

export interface JobDefinition<N extends JobName = JobName> {
  name: N;
  run(data: JobPayloads[N]): Promise<void>;
  /** pg-boss queue settings: retries with backoff by default. */
  retryLimit?: number;
  /**
   * How long a run may take before pg-boss counts it as dead and retries it (its default: 15 minutes).
   * A job whose half-done run blocks people (a dispatch closes signing) sets what a run really takes.
   */
  expireInSeconds?: number;
  /** 'stately': at most one job queued and one running (a tick that may come again while it runs). */
  policy?: 'standard' | 'stately';
  work?: WorkOptions;
}

/** A job definition of any declared job, its payload matching its name. */
export type AnyJobDefinition = { [N in JobName]: JobDefinition<N> }[JobName];

export interface JobsOptions {
  /** false on ROLE=web: this node enqueues but never runs jobs. */
  work: boolean;
}

export class Jobs {
  readonly #queues = new Set<string>();
  readonly #tickers: NodeJS.Timeout[] = [];

  private constructor(
    readonly boss: PgBoss,
    private readonly options: JobsOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async start(open: OpenDatabase, log: FastifyBaseLogger, options: JobsOptions): Promise<Jobs> {
    const common = {
      schema: 'pgboss',
      supervise: options.work,
      schedule: options.work,
      migrate: true,
    };
    let boss: PgBoss;
    if (open.pglite) {
      const { instance, lock } = open.pglite;
      const locked = {
        query: (text: string, values?: unknown[]) => lock.run(() => instance.query(text, values)),
        exec: (text: string) => lock.run(() => instance.exec(text)),
      };
      boss = new PgBoss({ ...common, db: fromPglite(locked as never), backend: 'pglite' } as never);
    } else if (open.target.kind === 'postgres') {
      boss = new PgBoss({ ...common, connectionString: open.target.url, max: 4, application_name: 'democrator-jobs' });
    } else {
      throw new Error('unreachable database target');
    }
    // A connection the server or the network dropped reaches here once per pooled connection; node-postgres
    // attaches the whole client to it, which would print its state (and connection parameters) into the log.
    boss.on('error', (error: unknown) => log.error({ err: withoutClient(error) }, 'job queue error'));
    await boss.start();
    return new Jobs(boss, options, log);
  }

  async register(definitions: readonly AnyJobDefinition[]): Promise<void> {
    for (const definition of definitions) {
      await this.#ensureQueue(definition.name, definition.retryLimit ?? 5, definition.expireInSeconds, definition.policy);
      if (!this.options.work) continue;
      await this.boss.work(definition.name, { ...(definition.work ?? {}) }, async (jobs) => {
        for (const job of jobs) {
          try {
            await (definition as JobDefinition).run(job.data as never);
          } catch (error) {
            this.log.warn({ err: error, job: definition.name, id: job.id }, 'job failed; pg-boss retries it');
            throw error;
          }
        }
      });
    }
  }

  async #ensureQueue(name: string, retryLimit: number, expireInSeconds?: number, policy?: 'standard' | 'stately'): Promise<void> {
    if (this.#queues.has(name)) return;
    const settings = { retryLimit, retryBackoff: true, retryDelay: 5, ...(expireInSeconds ? { expireInSeconds } : {}) };
    // A tick (stately, enqueued every second by `every`) leaves nothing worth keeping: its done jobs go after five
    // minutes instead of pg-boss's week, or one node would keep some 600,000 of them in the job table.
    const tick = policy === 'stately' ? { deleteAfterSeconds: 300 } : {};
    await this.boss.createQueue(name, { ...settings, ...tick, ...(policy ? { policy } : {}) });
    // createQueue leaves an existing queue as it was; a changed setting must reach it too.
    if (expireInSeconds || policy === 'stately') await this.boss.updateQueue(name, { ...settings, ...tick });
    this.#queues.add(name);
  }

  /** Runs a registered job on a cron schedule (once per tick across all nodes). */
  async schedule(name: JobName, cron: string): Promise<void> {
    if (!this.options.work) return;
    await this.boss.schedule(name, cron, {}, { tz: 'Europe/Moscow' });
  }

  /**
   * Enqueues a registered job every `intervalMs` on this node (cron's finest step is a minute). Give
   * the job the 'stately' policy: ticks of several nodes, or of one while a run lasts, then make one job.
   */
  every(name: JobName, intervalMs: number): void {
    if (!this.options.work) return;
    const timer = setInterval(() => {
      this.send(name, {} as never).catch((error: unknown) => this.log.warn({ err: error, job: name }, 'could not enqueue a periodic job'));
    }, intervalMs);
    timer.unref();
    this.#tickers.push(timer);
  }

  /** Enqueues a job; inside a transaction when `executor` is one, so it exists only if that commits. */
  async send<N extends JobName>(name: N, data: JobPayloads[N], executor?: Executor, options: SendOptions = {}): Promise<string | null> {
    await this.#ensureQueue(name, 5);
    const db = executor?.isTransaction ? fromKysely(executor as never) : undefined;
    return this.boss.send(name, data, { ...options, ...(db ? { db } : {}) });
  }

  /** Waits until no job of the queue is waiting or running (tests and graceful shutdown). */
  async drain(name: JobName, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // The jobs themselves: getQueueStats answers from a cache the supervisor refreshes now and then.
      const jobs = await this.boss.findJobs(name, { limit: 100_000 });
      const pending = jobs.filter((job) => job.state === 'created' || job.state === 'retry' || job.state === 'active').length;
      if (pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`queue ${name} did not drain within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    for (const timer of this.#tickers.splice(0)) clearInterval(timer);
    // Graceful: running handlers finish (up to 30 s) before the database closes.
    await this.boss.stop({ graceful: true, timeout: 30_000, close: true });
  }
}

function withoutClient(error: unknown): unknown {
  if (!(error instanceof Error) || !('client' in error)) return error;
  const { client: _client, ...rest } = error as Error & { client: unknown };
  return Object.assign(new Error(error.message), rest, { stack: error.stack, name: error.name });
}
