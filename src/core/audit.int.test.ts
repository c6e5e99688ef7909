/** The audit log is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused by a trigger, not by our code. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { createUser, factoryPassword } from '../../test/support/factories.ts';
import { deleteAccount } from '../modules/accounts/accounts.service.ts';
import { audit } from './audit.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

/** The database's own error: PostgreSQL's SQLSTATE and message, as the driver (pg or PGlite) reports them. */
async function refusal(statement: ReturnType<typeof sql>): Promise<{ code: string; message: string }> {
  try {
    await statement.execute(t.ctx.db);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { code: code ?? '', message };
  }
  throw new Error('the statement was not refused');
}

describe('the audit log at the database', () => {
  it(`refuses UPDATE, DELETE and TRUNCATE, by raw SQL, and keeps every entry as written`, async () => {
    await audit(t.ctx.db, { actorId: null, action: 'audit.test.kept', subjectType: 'test', subjectId: 1, details: { reason: 'первая запись' } });
    const before = await t.ctx.db.selectFrom('audit_log').selectAll().orderBy('id').execute();

    for (const statement of [
      sql`update audit_log set action = 'audit.test.rewritten'`,
      sql`update audit_log set details = '{}'::jsonb where action = 'audit.test.kept'`,
      sql`delete from audit_log`,
      sql`delete from audit_log where action = 'audit.test.kept'`,
      sql`truncate audit_log`,
    ]) {
      const { code, message } = await refusal(statement);
      expect(code).toBe('P0001');
      expect(message).toMatch(/^audit_log is append-only: (UPDATE|DELETE|TRUNCATE) is refused$/);
    }
    // A transaction that tries it fails whole.
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await audit(trx, { actorId: null, action: 'audit.test.in_failed_transaction', subjectType: 'test' });
        await sql`delete from audit_log where action = 'audit.test.kept'`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);

    expect(await t.ctx.db.selectFrom('audit_log').selectAll().orderBy('id').execute()).toEqual(before);
    await audit(t.ctx.db, { actorId: null, action: 'audit.test.still_appends', subjectType: 'test' });
    expect(await t.ctx.db.selectFrom('audit_log').select('id').execute()).toHaveLength(before.length + 1);
  });

  it('keeps the actor of an entry when the account is deleted: the deletion no longer rewrites the log', async () => {
    const actor = await createUser(t.ctx, { email: 'udalyaemyi.avtor@example.ru' });
    await audit(t.ctx.db, { actorId: actor.id, action: 'audit.test.by_deleted', subjectType: 'test', subjectId: 7 });
    await deleteAccount(t.ctx, actor.id, factoryPassword);
    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', actor.id).executeTakeFirst()).toBeUndefined();
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'subject_id'])
      .where('action', '=', 'audit.test.by_deleted')
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ actor_id: actor.id, subject_id: '7' });
  });
});
