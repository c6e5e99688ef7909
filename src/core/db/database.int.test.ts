/** The PostgreSQL pool survives sessions that the server ends while they sit idle. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { type OpenDatabase, openDatabase } from './database.ts';

let testDatabase: TestDatabase;
let database: OpenDatabase;
const reported: Error[] = [];

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.target, (error) => reported.push(error));
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL connections', () => {
  it('reports an idle session ended by the server, and the next query gets a new one', async () => {
    const pids = await Promise.all(
      [1, 2, 3].map(async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(database.db)).rows[0]?.pid),
    );
    const sessions = new Set(pids).size;
    expect(sessions).toBeGreaterThan(1);
    // An administrator (or a failover) ends those sessions while they are idle in the pool.
    const admin = await openDatabase(testDatabase.target);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid = any(${sql.raw(`array[${pids.join(',')}]`)})`.execute(admin.db);
    await admin.close();
    // Each session's end reaches its idle client as a message; wait until every one has arrived.
    await expect.poll(() => reported.length).toBeGreaterThanOrEqual(sessions);
    expect(reported[0]?.message).toMatch(/terminat/);
    // Nothing crashed; the pool opens new sessions.
    const again = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(again.rows).toEqual([{ one: 1 }]);
  });

  it('sends statements marked as hot as named prepared statements, and others unnamed', async () => {
    // One session (a transaction holds its connection): what it has prepared is in pg_prepared_statements.
    const names = await database.db.transaction().execute(async (trx) => {
      expect((await sql<{ n: number }>`/* statement:test.hot */ select ${7}::int as n`.execute(trx)).rows).toEqual([{ n: 7 }]);
      expect((await sql<{ n: number }>`/* statement:test.hot */ select ${8}::int as n`.execute(trx)).rows).toEqual([{ n: 8 }]);
      await sql`select ${1}::int as cold`.execute(trx);
      return (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(trx)).rows.map((r) => r.name);
    });
    expect(names).toEqual(['test.hot']);
  });
});
