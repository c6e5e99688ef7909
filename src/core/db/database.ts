/**
 * Opens the database: the embedded PGlite (data in DATA_DIR, or in memory for tests) or a
 * PostgreSQL server when a URL is given. Both speak the PostgreSQL dialect through Kysely.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations/index.ts';
import { PgliteDialect, SessionLock } from './pglite-dialect.ts';
import { ReplicaSet, type ReplicaSource, type ReplicaStatus, replicaReadingDialect } from './read-replicas.ts';
import type { DB } from './schema.ts';
import { registerTableWrites, TableWrites, watchingWrites } from './table-writes.ts';

export { isDatabaseUnavailable } from './database-errors.ts';

export type Database = Kysely<DB>;
export type Executor = Kysely<DB> | Transaction<DB>;

export type DatabaseTarget =
  /** `loadDataDir`: a dump (`dumpDataDir`) to start from instead of a new cluster; tests start from a migrated template. */
  | { kind: 'pglite'; dataDir: string | undefined; loadDataDir?: Blob }
  /** `replicas`: streaming replicas of `url` for the read handle (read-replicas.ts); each gets a pool of `poolSize`. */
  | { kind: 'postgres'; url: string; poolSize?: number; replicas?: { urls: string[]; maxLagSeconds: number } };

export interface OpenDatabase {
  db: Database;
  target: DatabaseTarget;
  /** The embedded instance and its session lock; absent on PostgreSQL. */
  pglite?: { instance: PGlite; lock: SessionLock };
  /**
   * With replicas: the read handle (statements that write nothing go to a fresh replica, the rest to the primary)
   * and the replicas' state. Absent without replicas: every read is on `db`.
   */
  replicaReads?: { db: Database; replicas: ReplicaSet };
  close(): Promise<void>;
}

// int8 (count(*), bigserial) as JS numbers: every count Democrator keeps fits in 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/**
 * A connection that fails while idle in the pool (the server restarted, an administrator or a failover
 * ended the session) is reported here and replaced on next use. Without a listener, node-postgres
 * raises it as an uncaught exception and the process dies. Queries in flight still fail as usual.
 */
export type ConnectionErrorHandler = (error: Error) => void;

const warnConnectionError: ConnectionErrorHandler = (error) => process.emitWarning(`database connection failed while idle: ${error.message}`);

export interface OpenOptions {
  /** A replica entered or left the rotation (read-replicas.ts), and why. */
  onReplicaChange?: (status: ReplicaStatus, reason: string) => void;
}

/** `application_name` of the replicas' connections (the primary's are `democrator`): pg_stat_activity tells them apart. */
export const replicaApplicationName = 'democrator-replica';

function postgresPool(url: string, max: number, applicationName: string, onConnectionError: ConnectionErrorHandler, extra: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: applicationName, ...extra });
  // The pool re-emits an idle client's error after dropping the client; the client's own listener
  // below has reported it already (and also covers clients the pool is ending, which it no longer watches).
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
    useNamedStatements(client);
  });
  return pool;
}

/** Host, port and database of a URL, for the log (never its password). */
function serverName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

export async function openDatabase(
  target: DatabaseTarget,
  onConnectionError: ConnectionErrorHandler = warnConnectionError,
  options: OpenOptions = {},
): Promise<OpenDatabase> {
  if (target.kind === 'postgres') {
    const pool = postgresPool(target.url, target.poolSize ?? 10, 'democrator', onConnectionError);
    const writes = new TableWrites();
    const primaryDialect = new PostgresDialect({ pool });
    const db = new Kysely<DB>({ dialect: watchingWrites(primaryDialect, writes) });
    registerTableWrites(db, writes);
    const replicaUrls = target.replicas?.urls ?? [];
    if (replicaUrls.length === 0) return { db, target, close: () => db.destroy() };
    const sources: ReplicaSource[] = replicaUrls.map((url) => {
      // A replica that does not answer within 2 s is skipped (the statement runs on the primary), not waited for.
      const replicaPool = postgresPool(url, target.poolSize ?? 10, replicaApplicationName, onConnectionError, {
        connectionTimeoutMillis: 2_000,
        // A replica gone silent (no reset) shows on the connections it holds, not only on the next check.
        keepAlive: true,
      });
      return {
        name: serverName(url),
        driver: new PostgresDialect({ pool: replicaPool }).createDriver(),
        close: () => replicaPool.end(),
        position: async () => {
          const { rows } = await replicaPool.query<{ recovering: boolean; replayed: string | null }>(
            `select pg_is_in_recovery() as recovering, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text as replayed`,
          );
          const row = rows[0] as { recovering: boolean; replayed: string | null };
          return { recovering: row.recovering, replayed: row.replayed === null ? null : BigInt(row.replayed.split('.')[0] as string) };
        },
      };
    });
    const replicas = new ReplicaSet(
      sources,
      async () => {
        const { rows } = await pool.query<{ position: string }>(`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as position`);
        return BigInt((rows[0] as { position: string }).position.split('.')[0] as string);
      },
      { maxLagMs: (target.replicas?.maxLagSeconds ?? 5) * 1000, ...(options.onReplicaChange ? { onChange: options.onReplicaChange } : {}) },
    );
    // The read handle's own statements that write (none should) still count as this process's writes.
    const readDb = new Kysely<DB>({ dialect: watchingWrites(replicaReadingDialect(primaryDialect, primaryDialect.createDriver(), replicas), writes) });
    registerTableWrites(readDb, writes);
    replicas.start();
    return {
      db,
      target,
      replicaReads: { db: readDb, replicas },
      close: async () => {
        await readDb.destroy();
        await replicas.stop();
        await db.destroy();
      },
    };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const instance = await PGlite.create({
    ...(target.dataDir ? { dataDir: target.dataDir } : {}),
    ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, ...embeddedSettings.flatMap((setting) => ['-c', setting])],
    parsers: { 20: (value: string) => Number.parseInt(value, 10) },
  });
  const lock = new SessionLock();
  const writes = new TableWrites();
  const db = new Kysely<DB>({ dialect: watchingWrites(new PgliteDialect(instance, lock), writes) });
  registerTableWrites(db, writes);
  return {
    db,
    target,
    pglite: { instance, lock },
    close: async () => {
      await db.destroy();
      // Wait for whatever still holds the session (a job finishing) before closing it.
      await lock.run(() => instance.close());
    },
  };
}

/**
 * PostgreSQL's defaults size a server's shared memory (shared_buffers 128 MB and more, which PGlite's WASM
 * heap keeps resident once touched); the embedded database serves one process and a small data set, and its
 * "disk" pages are in the operating system's cache anyway. With these the idle process holds about 200 MB
 * less (bench/start.bench.ts).
 */
const embeddedSettings = ['shared_buffers=16MB', 'temp_buffers=1MB', 'wal_buffers=256kB', 'work_mem=2MB', 'maintenance_work_mem=16MB'];

/**
 * Hot statements (signing, authentication) carry a `/* statement:NAME *\/` comment; on PostgreSQL
 * they are sent as named prepared statements, parsed and planned once per connection instead of on
 * every call. Only statements with explicit column lists are marked, so a later migration cannot
 * change their result type under a cached plan. PGlite ignores the comment.
 */
const statementName = /\/\* statement:([\w.-]+) \*\//;

function useNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((config: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof config === 'string' && config.includes('/* statement:') ? statementName.exec(config)?.[1] : undefined;
    if (name) return query({ name, text: config, values }, callback);
    return query(config, values, callback);
  }) as typeof client.query;
}

/** Runs pending migrations. Kysely's PostgreSQL adapter holds an advisory lock meanwhile, so
 * several nodes starting at once migrate once. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
