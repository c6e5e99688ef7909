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
import type { DB } from './schema.ts';
import { registerTableWrites, TableWrites, watchingWrites } from './table-writes.ts';

export type Database = Kysely<DB>;
export type Executor = Kysely<DB> | Transaction<DB>;

export type DatabaseTarget =
  /** `loadDataDir`: a dump (`dumpDataDir`) to start from instead of a new cluster; tests start from a migrated template. */
  { kind: 'pglite'; dataDir: string | undefined; loadDataDir?: Blob } | { kind: 'postgres'; url: string; poolSize?: number };

export interface OpenDatabase {
  db: Database;
  target: DatabaseTarget;
  /** The embedded instance and its session lock; absent on PostgreSQL. */
  pglite?: { instance: PGlite; lock: SessionLock };
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

export async function openDatabase(target: DatabaseTarget, onConnectionError: ConnectionErrorHandler = warnConnectionError): Promise<OpenDatabase> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      application_name: 'democrator',
    });
    // The pool re-emits an idle client's error after dropping the client; the client's own listener
    // below has reported it already (and also covers clients the pool is ending, which it no longer watches).
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', onConnectionError);
      useNamedStatements(client);
    });
    const writes = new TableWrites();
    const db = new Kysely<DB>({ dialect: watchingWrites(new PostgresDialect({ pool }), writes) });
    registerTableWrites(db, writes);
    return { db, target, close: () => db.destroy() };
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
 * Whether `error` says the database could not be reached or dropped the connection (the server
 * restarting, a failover, an administrator ending sessions, a network cut), rather than refusing
 * the statement. Such a request did not fail for its own reasons: the app answers 503 with
 * Retry-After, and the pool has already discarded the broken client, so the next request connects
 * afresh. SQLSTATE classes: 08 (connection exception), 57P01–57P03 (the server shutting down or
 * starting), 53300 (too many connections).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
      if (unreachableSocketCodes.has(code)) return true;
    }
    if (typeof message === 'string' && unavailableMessages.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const unreachableSocketCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres' own words when the socket went away or a connection could not be had in time.
const unavailableMessages =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

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
