/** The driver counts each table's writes as they commit, and what is kept for readers is made again after one. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { migrateToLatest, type OpenDatabase, openDatabase } from './database.ts';
import { keptRead } from './kept-reads.ts';
import { type TableWrites, tablesWritten, tableWritesOf } from './table-writes.ts';

let testDatabase: TestDatabase;
let database: OpenDatabase;
let writes: TableWrites;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.target);
  await migrateToLatest(database.db);
  writes = tableWritesOf(database.db) as TableWrites;
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

describe('the tables a statement writes', () => {
  it('are read from the builders’ SQL and raw SQL, CTEs included, and none from a select', () => {
    expect(tablesWritten('select "id", "updated_at" from "problems" where "id" = $1 for update')).toEqual([]);
    expect(tablesWritten('insert into "problems" ("title") values ($1) on conflict do update set "title" = $2')).toEqual(['problems', 'set']);
    expect(tablesWritten('update "problems" as "p" set "status" = $1')).toEqual(['problems']);
    expect(tablesWritten('delete from public.problem_controls where id = $1')).toEqual(['problem_controls']);
    expect(tablesWritten('with removed as (delete from signature_removals returning appeal_id) update problems p set x = 1 from removed')).toEqual([
      'signature_removals',
      'problems',
    ]);
    expect(tablesWritten('truncate table "appeals", only "problems" cascade')).toEqual(['appeals', 'problems']);
  });
});

describe('counting writes', () => {
  it('counts a write outside a transaction at once, one inside at its commit, and none rolled back', async () => {
    const before = writes.count(['territories']);
    await sql`update territories set name = name where id = -1`.execute(database.db);
    expect(writes.count(['territories'])).toBe(before + 1);

    await database.db.transaction().execute(async (trx) => {
      await trx.updateTable('territories').set({ name: 'x' }).where('id', '=', -1).execute();
      expect(writes.count(['territories'])).toBe(before + 1);
    });
    expect(writes.count(['territories'])).toBe(before + 2);

    await database.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('territories').set({ name: 'x' }).where('id', '=', -1).execute();
        throw new Error('rolled back');
      })
      .catch(() => {});
    expect(writes.count(['territories'])).toBe(before + 2);

    await database.db.selectFrom('territories').select('id').limit(1).execute();
    expect(writes.count(['territories'])).toBe(before + 2);
  });

  it('keeps a read until a write to one of its tables commits, and not past a write to another', async () => {
    let made = 0;
    const read = () => keptRead(database.db, 'test:territories', ['territories'], async () => ++made);
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);
    await sql`update categories set slug = slug where id = -1`.execute(database.db);
    expect(await read()).toBe(1);
    await sql`update territories set name = name where id = -1`.execute(database.db);
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
  });

  it('shares one making among readers who arrive while it is made, and keeps no failure', async () => {
    let made = 0;
    let fail = true;
    const read = () =>
      keptRead(database.db, 'test:failing', ['territories'], async () => {
        made += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (fail) throw new Error('unreadable');
        return made;
      });
    const together = await Promise.allSettled([read(), read(), read()]);
    expect(together.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(made).toBe(1);
    fail = false;
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
  });
});
