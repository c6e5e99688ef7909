/**
 * A fresh database per test file: in-memory PGlite by default, loaded from the run's migrated template; with TEST_DATABASE_URL, a new
 * PostgreSQL database created on that server and dropped afterwards. The fault tests need a real
 * server whatever the default is (reachablePostgres, createPostgresDatabase).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseTarget } from '../../src/core/db/database.ts';
import { waitFor } from './wait.ts';

export interface TestDatabase {
  target: DatabaseTarget;
  label: string;
  drop(): Promise<void>;
}

/** `empty`: a database no migration has run on (the schema drift check migrates it itself), not the template. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return { target: { kind: 'pglite', dataDir: undefined, ...(options.empty ? {} : pgliteTemplate()) }, label: 'PGlite', drop: async () => {} };
  return createPostgresDatabase(url);
}

/**
 * The migrated template the global set-up dumped (test/support/pglite-template.ts), when there is one: a
 * PGlite target spread with it starts from the migrated schema (also in a folder, once: a folder that
 * already holds a cluster refuses it).
 */
export function pgliteTemplate(): { loadDataDir?: Blob } {
  const file = inject('pgliteTemplate');
  return file ? { loadDataDir: new Blob([readFileSync(file)]) } : {};
}

/** A new, empty database on the PostgreSQL server at `serverUrl`; `drop` removes it, connections and all. */
export async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase & { url: string; name: string }> {
  const name = `democrator_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const testUrl = new URL(serverUrl);
  testUrl.pathname = `/${name}`;
  const url = testUrl.toString();
  return {
    target: { kind: 'postgres', url, poolSize: 20 },
    label: 'PostgreSQL',
    url,
    name,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** The server the fault tests run on (the CI machine's local one by default). */
export const faultPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server's URL when it answers within a few seconds, else null (a test then skips and says why). */
export async function reachablePostgres(url = faultPostgresUrl): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fault's lock: holds `table` in access exclusive mode on a connection of the test's own until released, and
 * terminates the app's sessions that wait on it (as a failover would end them mid-transaction).
 */
export async function holdTable(database: { url: string; name: string }, table: string) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${pg.escapeIdentifier(table)} in access exclusive mode`);
  const waiting = async () => {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query(
      "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and wait_event_type = 'Lock' and application_name = 'democrator'",
      [database.name],
    );
    return rows.map((row: { pid: number }) => row.pid);
  };
  return {
    async killWaiting(): Promise<number> {
      const pids = await waitFor(async () => {
        const found = await waiting();
        return found.length > 0 ? found : undefined;
      }, 10_000);
      for (const pid of pids) await client.query('select pg_terminate_backend($1)', [pid]);
      return pids.length;
    },
    release: async () => {
      await client.query('rollback').catch(() => {});
      await client.end();
    },
  };
}
