/** The overdue sweep: an appeal whose answer term passed is marked once, on the timeline, and its people are told once. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, createAppeal, createUser, signInput } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import { follow } from '../problems/problems.service.ts';
import { markOverdueAppeals } from './appeals.overdue.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** An appeal the author recorded as sent, with two signers and a follower of its problem. */
async function sentAppeal() {
  const fixture = await createAppeal(t.ctx);
  const { appeal, author, problem } = fixture;
  await appeals.openForSignatures(t.ctx, actorOf(author), appeal.id, { acknowledgeWarnings: true });
  const signers = [await createUser(t.ctx, { surname: 'Ждущая', firstName: 'Вера' }), await createUser(t.ctx, { surname: 'Терпеливый', firstName: 'Лев' })];
  for (const signer of signers) await signing.sign(t.ctx, actorOf(signer), appeal.id, signInput(signer));
  const follower = await createUser(t.ctx, { surname: 'Следящая', firstName: 'Нина' });
  await follow(t.ctx, actorOf(follower), problem.id, true);
  await appeals.recordSelfSent(t.ctx, actorOf(author), appeal.id, { sentOn: new Date(Date.now() - 3600_000), registrationNumber: '' });
  return { ...fixture, signers, follower };
}

describe('an appeal whose answer is overdue', () => {
  it('is marked once by two sweeps at the same time, on the timeline, and each of its people is told once', async () => {
    const late = await sentAppeal();
    const onTime = await sentAppeal();
    // The body had until the end of yesterday.
    const dueAt = new Date(Date.now() - 24 * 3600_000);
    await sql`update appeals set answer_due_at = ${dueAt} where id = ${late.appeal.id}`.execute(t.ctx.db);

    const counts = await Promise.all([markOverdueAppeals(t.ctx), markOverdueAppeals(t.ctx)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await markOverdueAppeals(t.ctx)).toBe(0);

    const row = await appeals.getAppealRow(t.ctx, late.appeal.id);
    expect(row.answer_overdue_at).toBeInstanceOf(Date);
    expect(row.status).toBe('sent'); // a fact about the appeal, not a state of its own
    expect((await appeals.getAppealRow(t.ctx, onTime.appeal.id)).answer_overdue_at).toBeNull();

    const events = await t.ctx.db
      .selectFrom('problem_events')
      .select(['kind', 'data'])
      .where('appeal_id', '=', late.appeal.id)
      .where('kind', '=', 'appeal.overdue')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ answerDueAt: dueAt.toISOString(), timeZone: 'Europe/Moscow' });

    await t.jobs.drain('appeals.notify-overdue');
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'reason'])
      .where('kind', '=', 'appeal.overdue')
      .where('appeal_id', '=', late.appeal.id)
      .orderBy('user_id')
      .execute();
    expect(told).toEqual(
      [
        { user_id: late.author.id, reason: 'author' },
        ...late.signers.map((s) => ({ user_id: s.id, reason: 'signer' })),
        { user_id: late.follower.id, reason: 'follower' },
      ].sort((a, b) => a.user_id - b.user_id),
    );
    expect(
      await t.ctx.db.selectFrom('notifications').select('id').where('kind', '=', 'appeal.overdue').where('appeal_id', '=', onTime.appeal.id).execute(),
    ).toEqual([]);

    // The problem's timeline and the appeal page say it, in the addressee's days.
    const day = new Intl.DateTimeFormat('ru-RU', { dateStyle: 'long', timeZone: 'Europe/Moscow' }).format(dueAt);
    const problemPage = textOf((await browser(t.app).get(`/problems/${late.problem.id}`)).body);
    expect(problemPage).toContain(`Срок ответа истёк ${day}, адресат (${late.organization.name}) не ответил`);
    expect(textOf((await browser(t.app).get(`/appeals/${late.appeal.id}`)).body)).toMatch(/Срок ответа \d{1,2} [а-я]+ \d{4} г\. просрочено на 1 день/);
  });

  it('is not marked while the term runs, nor once the appeal is no longer awaiting an answer', async () => {
    const closedAppeal = await sentAppeal();
    // An appeal that left the awaiting states (say, closed) with a past due date stays unmarked.
    await sql`update appeals set status = 'closed', answer_due_at = ${new Date(Date.now() - 3600_000)} where id = ${closedAppeal.appeal.id}`.execute(t.ctx.db);
    expect(await markOverdueAppeals(t.ctx)).toBe(0);
    expect((await appeals.getAppealRow(t.ctx, closedAppeal.appeal.id)).answer_overdue_at).toBeNull();
  });
});
