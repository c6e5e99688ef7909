/**
 * The canonical e-mail backfill of 0026 on a database that already has accounts: every account keeps working,
 * accounts that already share a mailbox are all kept (the address in canonical form, else the oldest, gets it),
 * and the result agrees with the rule the app applies from then on (accounts.rules.ts canonicalEmail).
 */
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.ts';
import { canonicalEmail } from '../../../modules/accounts/accounts.rules.ts';
import { type OpenDatabase, openDatabase } from '../database.ts';
import { migrations } from './index.ts';

let testDatabase: TestDatabase;
let database: OpenDatabase;

beforeAll(async () => {
  testDatabase = await createTestDatabase({ empty: true });
  database = await openDatabase(testDatabase.target);
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0026'));

describe('migration 0026: canonical e-mail', () => {
  it('backfills a unique canonical form and keeps every account of a mailbox shared before it', async () => {
    const { error } = await new Migrator({ db: database.db, provider: { getMigrations: async () => before } }).migrateToLatest();
    expect(error).toBeUndefined();
    const emails = [
      'i.van.ov+old@gmail.com',
      'ivanov@googlemail.com',
      'ivanov@gmail.com',
      'petr+news@yandex.ru',
      'petr+1@mail.ru',
      'anna.k+x@outlook.com',
      'anna.k@tver.gov.ru',
      '+only@gmail.com',
    ];
    for (const email of emails) {
      await sql`insert into users (email, password_hash, surname, first_name) values (${email}, 'x', 'Иванов', 'Иван')`.execute(database.db);
    }
    const { error: latest } = await new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
    expect(latest).toBeUndefined();
    const rows = await sql<{ email: string; email_canonical: string }>`select email, email_canonical from users order by id`.execute(database.db);
    expect(rows.rows).toEqual([
      // Three accounts of one Gmail mailbox: the one whose address is the canonical form gets it, the others keep theirs.
      { email: 'i.van.ov+old@gmail.com', email_canonical: 'i.van.ov+old@gmail.com' },
      { email: 'ivanov@googlemail.com', email_canonical: 'ivanov@googlemail.com' },
      { email: 'ivanov@gmail.com', email_canonical: 'ivanov@gmail.com' },
      { email: 'petr+news@yandex.ru', email_canonical: 'petr@yandex.ru' },
      { email: 'petr+1@mail.ru', email_canonical: 'petr+1@mail.ru' },
      { email: 'anna.k+x@outlook.com', email_canonical: 'anna.k@outlook.com' },
      { email: 'anna.k@tver.gov.ru', email_canonical: 'anna.k@tver.gov.ru' },
      { email: '+only@gmail.com', email_canonical: '+only@gmail.com' },
    ]);
    // Where no duplicate stood in the way, the SQL of the backfill is the app's rule.
    for (const row of rows.rows.slice(3)) expect(row.email_canonical).toBe(canonicalEmail(row.email));
    // From now on one mailbox has one account, and a row written by hand gets its own address.
    await expect(
      sql`insert into users (email, email_canonical, password_hash, surname, first_name) values ('iva.nov@gmail.com', 'ivanov@gmail.com', 'x', 'Иванов', 'Иван')`.execute(
        database.db,
      ),
    ).rejects.toThrow(/users_email_canonical_idx/);
    await sql`insert into users (email, password_hash, surname, first_name) values ('by-hand@example.test', 'x', 'Иванов', 'Иван')`.execute(database.db);
    const byHand = await sql<{ email_canonical: string }>`select email_canonical from users where email = 'by-hand@example.test'`.execute(database.db);
    expect(byHand.rows[0]?.email_canonical).toBe('by-hand@example.test');
  });
});
