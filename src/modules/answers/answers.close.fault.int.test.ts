/**
 * Fault: the database connection of a closing (or the overdue) sweep is killed in the middle of its transaction — after the
 * appeal was set closed, while its organization's stats row is being written (held by a lock of the test's
 * own, then the waiting session terminated, as a failover would). Nothing of the close survives: the appeal is
 * still in review (or still awaiting its answer), no event, no mail queued, the stats untouched. The next sweep
 * closes it exactly once, and the kept stats equal a full recount.
 */

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, holdTable, reachablePostgres, type TestDatabase } from '../../../test/support/database.ts';
import { actorOf, openAppeal, sign } from '../../../test/support/factories.ts';
import { markOverdueAppeals } from '../appeals/appeals.overdue.ts';
import { replyAddress } from '../appeals/appeals.reply-address.ts';
import { getAppealRow, recordSelfSent } from '../appeals/appeals.service.ts';
import { recountOrganizationStats } from './answers.ratings.ts';
import { closeEndedReviews, rateAnswer } from './answers.review.ts';
import { decideLetter, processInbound, receiveInbound } from './answers.service.ts';
import { closeUnansweredAppeals } from './answers.unanswered.ts';

const server = await reachablePostgres();
const skipped = server ? '' : ` — SKIPPED: no PostgreSQL answers at ${new URL(faultPostgresUrl).host}`;
if (!server) console.warn(`closing-sweep fault test${skipped}`);

const domain = 'reply.democrator.test';
let database: TestDatabase & { url: string; name: string };
let t: TestApp;

beforeAll(async () => {
  if (!server) return;
  database = await createPostgresDatabase(server);
  // No job worker: the test runs the sweeps itself.
  t = await createTestApp(
    { LOG_LEVEL: 'silent', ROLE: 'web', INBOUND_MAIL_DOMAIN: domain },
    { testDatabase: { ...database, target: { kind: 'postgres', url: database.url, poolSize: 10 } } },
  );
});
afterAll(async () => {
  await t?.stop();
});

/** Holds the stats table until released; kills the app's session that waits on it. */
const holdStats = () => holdTable(database, 'organization_stats');

async function answered() {
  const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
  const { signer } = await sign(t.ctx, fixture.appeal.id);
  await recordSelfSent(t.ctx, actorOf(fixture.author), fixture.appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
  const raw = Buffer.from(
    `From: body@example.test\r\nTo: ${replyAddress(fixture.appeal.id, t.ctx.config.secret, domain)}\r\nSubject: Ответ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОтвет.\r\n`,
  );
  await processInbound(t.ctx, await receiveInbound(t.ctx, { channel: 'webhook', raw }));
  const letter = await t.ctx.db.selectFrom('appeal_letters').select('id').where('appeal_id', '=', fixture.appeal.id).executeTakeFirstOrThrow();
  await decideLetter(t.ctx, actorOf(fixture.author), fixture.appeal.id, letter.id, 'answer');
  await rateAnswer(t.ctx, actorOf(signer), fixture.appeal.id, { score: 2, solved: 'no', comment: null });
  return fixture;
}

const eventsOf = (appealId: number, kind: string) =>
  t.ctx.db.selectFrom('problem_events').select('id').where('appeal_id', '=', appealId).where('kind', '=', kind).execute();
const jobsOf = (name: string, appealId: number) =>
  sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${name} and data->>'appealId' = ${String(appealId)}`
    .execute(t.ctx.db)
    .then((result) => result.rows[0]?.n ?? 0);

describe.skipIf(!server)('a closing sweep whose connection is killed mid-transaction', () => {
  it('leaves the review open with nothing of the close written, and the next sweep closes it once', async () => {
    const { appeal } = await answered();
    const statsBefore = await t.ctx.db
      .selectFrom('organization_stats')
      .selectAll()
      .where('organization_id', '=', appeal.organization_id)
      .executeTakeFirstOrThrow();
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);

    const held = await holdStats();
    const sweep = closeEndedReviews(t.ctx).then(
      () => 'finished',
      () => 'failed',
    );
    expect(await held.killWaiting()).toBe(1);
    expect(await sweep).toBe('failed');
    await held.release();

    expect(await getAppealRow(t.ctx, appeal.id)).toMatchObject({ status: 'review', outcome: null, closed_at: null });
    expect(await eventsOf(appeal.id, 'appeal.closed')).toHaveLength(0);
    expect(await jobsOf('answers.notify-closed', appeal.id)).toBe(0);
    expect(await t.ctx.db.selectFrom('organization_stats').selectAll().where('organization_id', '=', appeal.organization_id).executeTakeFirstOrThrow()).toEqual(
      statsBefore,
    );

    // The pool replaced the killed connection: the next minute's sweep closes it, once.
    expect(await closeEndedReviews(t.ctx)).toBe(1);
    expect(await closeEndedReviews(t.ctx)).toBe(0);
    expect(await getAppealRow(t.ctx, appeal.id)).toMatchObject({ status: 'closed', outcome: 'unresolved' });
    expect(await eventsOf(appeal.id, 'appeal.closed')).toHaveLength(1);
    expect(await jobsOf('answers.notify-closed', appeal.id)).toBe(1);
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);
  });

  it('leaves an overdue appeal unmarked when the overdue sweep is killed, and the next sweep marks it once, counted once', async () => {
    const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
    await sign(t.ctx, fixture.appeal.id);
    await recordSelfSent(t.ctx, actorOf(fixture.author), fixture.appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
    await sql`update appeals set answer_due_at = now() - interval '1 day' where id = ${fixture.appeal.id}`.execute(t.ctx.db);

    const held = await holdStats();
    const sweep = markOverdueAppeals(t.ctx).then(
      () => 'finished',
      () => 'failed',
    );
    expect(await held.killWaiting()).toBe(1);
    expect(await sweep).toBe('failed');
    await held.release();
    expect((await getAppealRow(t.ctx, fixture.appeal.id)).answer_overdue_at).toBeNull();
    expect(await eventsOf(fixture.appeal.id, 'appeal.overdue')).toHaveLength(0);

    expect(await markOverdueAppeals(t.ctx)).toBe(1);
    expect(await markOverdueAppeals(t.ctx)).toBe(0);
    expect(await eventsOf(fixture.appeal.id, 'appeal.overdue')).toHaveLength(1);
    expect(await jobsOf('appeals.notify-overdue', fixture.appeal.id)).toBe(1);
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);
  });

  it('leaves an unanswered appeal awaiting its answer, and the next sweep closes it «без ответа» once', async () => {
    const fixture = await openAppeal(t.ctx, { threshold: 50, acknowledgeWarnings: true });
    await sign(t.ctx, fixture.appeal.id);
    await recordSelfSent(t.ctx, actorOf(fixture.author), fixture.appeal.id, { sentOn: new Date(Date.now() - 86_400_000), registrationNumber: '' });
    await sql`update appeals set answer_due_at = now() - interval '30 days' where id = ${fixture.appeal.id}`.execute(t.ctx.db);

    const held = await holdStats();
    const sweep = closeUnansweredAppeals(t.ctx).then(
      () => 'finished',
      () => 'failed',
    );
    expect(await held.killWaiting()).toBe(1);
    expect(await sweep).toBe('failed');
    await held.release();
    expect(await getAppealRow(t.ctx, fixture.appeal.id)).toMatchObject({ status: 'sent', outcome: null });
    expect(await eventsOf(fixture.appeal.id, 'appeal.closed_unanswered')).toHaveLength(0);

    expect(await closeUnansweredAppeals(t.ctx)).toBe(1);
    expect(await closeUnansweredAppeals(t.ctx)).toBe(0);
    expect(await getAppealRow(t.ctx, fixture.appeal.id)).toMatchObject({ status: 'closed', outcome: 'unanswered' });
    expect(await eventsOf(fixture.appeal.id, 'appeal.closed_unanswered')).toHaveLength(1);
    expect(await jobsOf('answers.notify-closed-unanswered', fixture.appeal.id)).toBe(1);
    expect(await recountOrganizationStats(t.ctx)).toEqual([]);
  });
});
