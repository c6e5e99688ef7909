/**
 * The letter to the addressee through a real SMTP server that is down, then refuses, then accepts:
 * it is never abandoned silently, it is delivered exactly once, and the appeal counts as sent (its
 * 59-FZ deadlines running) only from the moment a mail server accepted it.
 */
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, freePort, type TestApp } from '../../../test/support/app.ts';
import { actorOf as actor, createMunicipality, createUser, sessionCookieFor } from '../../../test/support/factories.ts';
import { startTestSmtp, type TestSmtp } from '../../../test/support/smtp.ts';
import { waitFor as waitUntil } from '../../../test/support/wait.ts';
import { createOrganization } from '../organizations/organizations.service.ts';
import { createProblem } from '../problems/problems.service.ts';
import { deadlines } from './appeals.deadlines.ts';
import { settleAcceptedLetters } from './appeals.dispatch.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let smtp: TestSmtp | null = null;
let smtpPort: number;
let refusing = false;
let municipalityId: number;
let categoryId: number;

async function startSmtp(): Promise<void> {
  smtp = await startTestSmtp({ port: smtpPort, refuse: () => refusing });
}

beforeAll(async () => {
  // The mail server's port is known, but nothing listens on it yet: the outage of the finding.
  smtpPort = await freePort();
  t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_RETRY_SECONDS: '1' });
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  categoryId = (await t.ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow()).id;
});

afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

/** Mail retries run on their own clock here: a longer patience than the shared default. */
const waitFor = <T>(probe: () => Promise<T | undefined>) => waitUntil(probe, 40_000, { intervalMs: 200 });

/** An appeal with a threshold of 2, signed by 2: the dispatch job starts on its own. */
async function appealAtThreshold(email: string) {
  const author = await createUser(t.ctx, { surname: 'Авторова', firstName: 'Алла' });
  const problem = await createProblem(t.ctx, actor(author), {
    title: 'Разбитая дорога на Октябрьской',
    description: 'Ямы на всей улице, автобус ездит по встречной.',
    categoryId,
    territoryId: municipalityId,
    address: 'пгт Оленино, ул. Октябрьская',
    latitude: null,
    longitude: null,
  });
  const organization = await createOrganization(t.ctx, null, {
    name: `Администрация Оленинского округа ${Math.random().toString(36).slice(2, 8)}`,
    slug: '',
    kind: 'municipal_administration',
    territoryId: municipalityId,
    parentId: null,
    appealEmail: email,
    postalAddress: '172400, пгт Оленино, ул. Октябрьская, д. 7',
    website: '',
    appealThreshold: 2,
    description: '',
    jurisdictions: [{ territoryId: municipalityId, categoryIds: [] }],
  });
  const appeal = await appeals.createAppeal(t.ctx, actor(author), problem.id, {
    organizationId: organization.id,
    title: 'О ремонте улицы Октябрьской',
    text: 'Просим отремонтировать дорогу по улице Октябрьской в пгт Оленино.\n\nЯмы глубиной до 20 см.',
  });
  await appeals.openForSignatures(t.ctx, actor(author), appeal.id, { acknowledgeWarnings: false });
  for (const letter of ['а', 'б']) {
    const signer = await createUser(t.ctx, { surname: `Подписантов${letter}`, firstName: 'Пётр' });
    await signing.sign(t.ctx, actor(signer), appeal.id, {
      fullName: `${signer.surname} ${signer.first_name}`,
      postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
      consentTransfer: true,
      consentPublicName: false,
    });
  }
  return { appeal, author, problem };
}

const letterTo = (email: string) => t.ctx.db.selectFrom('mail_messages').selectAll().where('to_address', '=', email).executeTakeFirst();

describe('the letter to the addressee during a mail outage', () => {
  it('is retried while the server is down, shown as delayed, and sent exactly once when it comes back', async () => {
    const email = 'outage@olenino.example.test';
    const { appeal, problem } = await appealAtThreshold(email);
    const failing = await waitFor(async () => {
      const row = await letterTo(email);
      return row && row.attempts >= 2 ? row : undefined;
    });
    expect(failing).toMatchObject({ status: 'queued', error_kind: 'unreachable' });

    const delayed = await appeals.getAppealRow(t.ctx, appeal.id);
    expect(delayed).toMatchObject({ status: 'collecting', sent_at: null, answer_due_at: null, dispatch_message_id: failing.message_id });
    const page = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(page.body).toContain('Отправка задерживается: почтовый сервер недоступен.');
    expect(page.body).not.toContain('name="fullName"');
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` });
    expect(api.json()).toMatchObject({
      status: 'collecting',
      sentAt: null,
      letter: { state: 'delayed', reason: 'unreachable', message: expect.stringContaining('Отправка задерживается: почтовый сервер недоступен.') },
    });
    const events = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}/events` });
    expect(JSON.stringify(events.json())).not.toContain('appeal.sent');

    const serverUp = new Date();
    await startSmtp();
    const sent = await waitFor(async () => {
      const row = await appeals.getAppealRow(t.ctx, appeal.id);
      return row.status === 'sent' ? row : undefined;
    });
    const row = await letterTo(email);
    expect(row).toMatchObject({ status: 'sent', error: null, error_kind: null });
    // Sent from the moment the server accepted it, and the deadlines run from then.
    expect((sent.sent_at as Date).getTime()).toBeGreaterThanOrEqual(serverUp.getTime());
    expect(sent.sent_at?.getTime()).toBe(row?.sent_at?.getTime());
    expect(sent.answer_due_at?.toISOString()).toBe(deadlines(sent.sent_at as Date, null, 'Europe/Moscow').answer.dueAt.toISOString());
    expect((sent.answer_due_at as Date).getTime() - (sent.sent_at as Date).getTime()).toBeGreaterThanOrEqual(33 * 24 * 3600_000);

    // Every later chance to send it again — a stray job, the sweep — finds it sent.
    await t.ctx.mailer.deliver(row?.id as number);
    await t.ctx.mailer.sweep();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const letters = (smtp?.received ?? []).filter((m) => m.to.includes(email));
    expect(letters).toHaveLength(1);
    const parsed = await simpleParser(letters[0]?.raw ?? '');
    expect(parsed.messageId).toBe(sent.dispatch_message_id);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);

    const after = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(after.body).not.toContain('Отправка задерживается');
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` })).json()).toMatchObject({ status: 'sent', letter: null });
    const timeline = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(timeline.map((e) => e.kind)).toEqual(['appeal.drafted', 'appeal.opened', 'appeal.threshold_reached', 'appeal.sent']);
  });

  it('is refused for a while (451), shown as delayed on its page and in the API meanwhile, then accepted and delivered exactly once', async () => {
    if (!smtp) await startSmtp();
    refusing = true;
    const email = 'busy@olenino.example.test';
    const { appeal } = await appealAtThreshold(email);
    const deferred = await waitFor(async () => {
      const row = await letterTo(email);
      return row && row.attempts >= 2 && row.error_kind ? row : undefined;
    });
    expect(deferred).toMatchObject({ status: 'queued', error_kind: 'deferred' });

    expect(await appeals.getAppealRow(t.ctx, appeal.id)).toMatchObject({ status: 'collecting', sent_at: null, answer_due_at: null });
    const page = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(page.body).toContain('Отправка задерживается: почтовый сервер временно не принимает письма.');
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` });
    expect(api.json()).toMatchObject({
      status: 'collecting',
      sentAt: null,
      answerDueAt: null,
      letter: {
        state: 'delayed',
        reason: 'deferred',
        message: expect.stringContaining('Отправка задерживается: почтовый сервер временно не принимает письма.'),
      },
    });
    expect(Date.parse(api.json().letter.nextAttemptAt)).toBeGreaterThan(Date.now() - 5000);
    const english = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}`, headers: { cookie: 'locale=en' } });
    expect(english.json().letter.message).toContain('Sending is delayed: the mail server is not accepting mail for now.');

    const accepting = new Date();
    refusing = false;
    const sent = await waitFor(async () => {
      const row = await appeals.getAppealRow(t.ctx, appeal.id);
      return row.status === 'sent' ? row : undefined;
    });
    expect((sent.sent_at as Date).getTime()).toBeGreaterThanOrEqual(accepting.getTime());
    // Whatever else could send it again finds it sent.
    const row = await letterTo(email);
    await t.ctx.mailer.deliver(row?.id as number);
    await t.ctx.mailer.sweep();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const letters = (smtp?.received ?? []).filter((m) => m.to.includes(email));
    expect(letters).toHaveLength(1);
    expect((await simpleParser(letters[0]?.raw ?? '')).messageId).toBe(sent.dispatch_message_id);
    const final = await letterTo(email);
    expect(final).toMatchObject({ status: 'sent', error: null, error_kind: null });
    const refusals = (smtp?.refused ?? []).filter((to) => to === email).length;
    expect(final?.attempts).toBe(refusals + 1);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` })).json()).toMatchObject({ status: 'sent', letter: null });
    console.log(`refusing SMTP server: 1 letter queued, ${refusals} attempts refused (451), ${final?.attempts} attempts in all, ${letters.length} delivered`);
  });

  it('becomes sent even when reacting to the acceptance failed (the letter recorded sent, the appeal settled by the sweep), without sending it again', async () => {
    if (!smtp) await startSmtp();
    const email = 'listener@olenino.example.test';
    // The appeal's reaction fails once, as a database hiccup in the transaction that records the acceptance would.
    let failures = 0;
    t.ctx.mailer.onAccepted(async (_executor, message) => {
      if (message.to_address === email && failures === 0) {
        failures += 1;
        throw new Error('the reaction to the acceptance failed');
      }
    });
    const { appeal } = await appealAtThreshold(email);
    await waitFor(async () => ((await letterTo(email))?.status === 'sent' ? true : undefined));
    expect(failures).toBe(1);
    // The server has the letter; the appeal does not know yet, and its signing stays closed.
    expect(await appeals.getAppealRow(t.ctx, appeal.id)).toMatchObject({ status: 'collecting', sent_at: null });
    await signing.sweepThresholds(t.ctx);
    expect(await settleAcceptedLetters(t.ctx)).toBe(1);
    const sent = await appeals.getAppealRow(t.ctx, appeal.id);
    expect(sent).toMatchObject({ status: 'sent', sent_by: 'platform' });
    expect(sent.sent_at?.getTime()).toBe((await letterTo(email))?.sent_at?.getTime());
    // Settled once: a second sweep changes nothing, and the letter went once.
    expect(await settleAcceptedLetters(t.ctx)).toBe(0);
    const timeline = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).execute();
    expect(timeline.filter((e) => e.kind === 'appeal.sent')).toHaveLength(1);
    expect((smtp?.received ?? []).filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it('is given up only after MAIL_GIVE_UP_HOURS, with the admins alerted (page, log, outbox) and the appeal not shown as sent', async () => {
    if (!smtp) await startSmtp();
    refusing = true;
    const logged = vi.spyOn(t.ctx.log, 'error');
    const email = 'refusing@olenino.example.test';
    const { appeal } = await appealAtThreshold(email);
    const deferred = await waitFor(async () => {
      const row = await letterTo(email);
      return row && row.attempts >= 1 && row.error_kind ? row : undefined;
    });
    expect(deferred).toMatchObject({ status: 'queued', error_kind: 'deferred' });
    // Three days of refusals, compressed: the message was written 73 hours ago.
    await sql`update mail_messages set created_at = now() - interval '73 hours' where id = ${deferred.id}`.execute(t.ctx.db);
    const failed = await waitFor(async () => {
      const row = await letterTo(email);
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.failed_at).toBeInstanceOf(Date);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ mail: failed.id }), expect.stringContaining('mail given up'));

    expect(await appeals.getAppealRow(t.ctx, appeal.id)).toMatchObject({ status: 'collecting', sent_at: null });
    const page = await t.app.inject({ method: 'GET', url: `/appeals/${appeal.id}` });
    expect(page.body).toContain('Письмо адресату отправить не удалось: почтовый сервер временно не принимает письма.');
    const timeline = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(timeline.map((e) => e.kind)).toContain('appeal.dispatch_failed');

    const admin = await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'admin' }));
    for (const url of ['/admin', '/admin/outbox']) {
      const adminPage = await t.app.inject({ method: 'GET', url, headers: { cookie: admin } });
      expect(adminPage.body).toContain('1 письмо не удалось отправить');
    }
    expect((smtp?.received ?? []).filter((m) => m.to.includes(email))).toHaveLength(0);
    refusing = false;
  });

  it('re-queues a queued message that has no job (the sweep)', async () => {
    if (!smtp) await startSmtp();
    const email = 'orphan@example.test';
    // A message whose job was lost with a crashed node: queued, overdue, nothing in the job queue.
    await t.ctx.db
      .insertInto('mail_messages')
      .values({
        to_address: email,
        subject: 'Сирота',
        text_body: 'Письмо без задания.',
        status: 'queued',
        message_id: '<orphan@democrator.test>',
        created_at: new Date(Date.now() - 600_000),
      })
      .execute();
    expect(await t.ctx.mailer.sweep()).toBeGreaterThanOrEqual(1);
    await waitFor(async () => ((await letterTo(email))?.status === 'sent' ? true : undefined));
    expect((smtp?.received ?? []).filter((m) => m.to.includes(email))).toHaveLength(1);
  });
});
