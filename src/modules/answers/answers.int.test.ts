/**
 * Answers coming back by e-mail: the dispatched letter's reply address, a reply sent over SMTP (nodemailer)
 * to the inbound listener and filed on its appeal pending the author's word, a forged address kept as
 * unmatched, an auto-reply recorded as an acknowledgement, the webhook's secret and size limit, and the
 * author's decision (once; one answer per appeal).
 */
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createUser, openAppeal, sessionCookieFor, sign } from '../../../test/support/factories.ts';
import { browser, csrfFrom, formFields } from '../../../test/support/http.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { deadlines } from '../appeals/appeals.deadlines.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { replyAddress } from '../appeals/appeals.reply-address.ts';
import { parseFormDate } from '../appeals/appeals.rules.ts';
import { getAppealRow, recordRegistration } from '../appeals/appeals.service.ts';
import { decideLetter, lettersOf } from './answers.service.ts';

const domain = 'reply.democrator.test';
const secret = 'inbound-webhook-secret-0123';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ INBOUND_MAIL_DOMAIN: domain, INBOUND_SMTP_PORT: '0', INBOUND_MAIL_SECRET: secret, INBOUND_MAIL_MAX_MB: '1' });
});
afterAll(() => t?.stop());

/** An appeal the platform sent (threshold 1, one signer), with the organization's address. */
async function sentAppeal() {
  const fixture = await openAppeal(t.ctx, { threshold: 1, acknowledgeWarnings: true });
  const { signer } = await sign(t.ctx, fixture.appeal.id);
  expect(await dispatchAppeal(t.ctx, fixture.appeal.id)).toBe('sent');
  return { ...fixture, signer };
}

const smtp = () => createTransport({ host: '127.0.0.1', port: t.inboundSmtp!.port, secure: false, ignoreTLS: true });

const lettersIn = (appealId: number) => t.ctx.db.selectFrom('appeal_letters').selectAll().where('appeal_id', '=', appealId).orderBy('id').execute();

describe('an answer by e-mail', () => {
  it('gives the letter the appeal’s own reply address, files the reply over SMTP for the author alone, and publishes it when the author says it is the answer', async () => {
    const { appeal, author, organization, signer } = await sentAppeal();
    const address = replyAddress(appeal.id, t.ctx.config.secret, domain);
    const letter = await t.ctx.db
      .selectFrom('mail_messages')
      .select('headers')
      .where('to_address', '=', organization.appeal_email as string)
      .executeTakeFirstOrThrow();
    expect(letter.headers).toMatchObject({ 'Reply-To': address });

    const info = await smtp().sendMail({
      from: organization.appeal_email as string,
      to: address,
      subject: `Re: Коллективное обращение № ${appeal.id}`,
      text: 'Уважаемая Алла!\n\nРемонт улицы Октябрьской включён в план на май.\n\nГлава администрации',
      attachments: [{ filename: 'otvet.pdf', content: Buffer.from('%PDF-1.4 ответ'), contentType: 'application/pdf' }],
    });
    expect(info.accepted).toEqual([address]);

    const [filed] = await waitFor(async () => {
      const rows = await lettersIn(appeal.id);
      return rows.length ? rows : undefined;
    });
    expect(filed).toMatchObject({ kind: 'letter', decision: null, source: 'email', sender: organization.appeal_email });
    expect(filed?.text).toContain('включён в план на май');

    // Pending: nobody but the author (and moderators) sees it, on the page or in the API.
    const anonymousPage = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(anonymousPage.body).not.toContain('включён в план на май');
    expect(await lettersOf(t.ctx, actorOf(signer), appeal.id)).toEqual([]);
    const authorBrowser = browser(t.app, await sessionCookieFor(t.ctx, author));
    const authorPage = await authorBrowser.get(`/appeals/${appeal.id}`);
    expect(authorPage.body).toContain('включён в план на май');
    expect(authorPage.body).toContain('otvet.pdf');
    const events = await t.ctx.db.selectFrom('problem_events').select('kind').where('appeal_id', '=', appeal.id).orderBy('id').execute();
    expect(events.map((event) => event.kind)).toContain('appeal.letter_received');
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'kind'])
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.letter_received')
      .execute();
    expect(told).toEqual([{ user_id: author.id, kind: 'appeal.letter_received' }]);

    // A signer cannot decide; the author decides with the page's form.
    await expect(decideLetter(t.ctx, actorOf(signer), appeal.id, filed!.id, 'answer')).rejects.toMatchObject({ code: 'not_author' });
    const decided = await authorBrowser.post(`/appeals/${appeal.id}/letters/${filed!.id}/decision`, { decision: 'answer' }, csrfFrom(authorPage.body));
    expect(decided.status).toBe(303);
    const answered = await getAppealRow(t.ctx, appeal.id);
    expect(answered.status).toBe('review');
    expect(answered.answered_at).toBeInstanceOf(Date);

    const publicPage = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(publicPage.body).toContain('Ответ адресата');
    expect(publicPage.body).toContain('включён в план на май');
    const attachment = await browser(t.app).get(`/appeals/${appeal.id}/letters/${filed!.id}/attachments/0`);
    expect(attachment.status).toBe(200);
    expect(attachment.headers['content-type']).toBe('application/octet-stream');
    expect(attachment.headers['content-disposition']).toContain('otvet.pdf');

    // Once per letter, one answer per appeal.
    await expect(decideLetter(t.ctx, actorOf(author), appeal.id, filed!.id, 'not_answer')).rejects.toMatchObject({ code: 'letter_already_decided' });
    await t.jobs.drain('answers.notify-answered');
    const audience = await t.ctx.db
      .selectFrom('notifications')
      .select('user_id')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.answered')
      .orderBy('user_id')
      .execute();
    expect(audience.map((row) => row.user_id).sort()).toEqual([author.id, signer.id].sort());
  });

  it('keeps a reply to a forged or unknown address as unmatched, attached to no appeal, shown to the admins only', async () => {
    const { appeal } = await sentAppeal();
    const forged = `appeal-${appeal.id}-0000000000000000@${domain}`;
    const unknown = replyAddress(2_000_000, t.ctx.config.secret, domain);
    await smtp().sendMail({ from: 'stranger@example.test', to: forged, subject: 'Подделка', text: 'Это не ответ органа.' });
    await smtp().sendMail({ from: 'stranger@example.test', to: unknown, subject: 'Неизвестное', text: 'Нет такого обращения.' });
    const unmatched = await waitFor(async () => {
      const rows = await t.ctx.db
        .selectFrom('inbound_messages')
        .select(['status', 'reason', 'subject'])
        .where('subject', 'in', ['Подделка', 'Неизвестное'])
        .orderBy('id')
        .execute();
      return rows.length === 2 && rows.every((row) => row.status !== 'received') ? rows : undefined;
    });
    expect(unmatched).toEqual([
      { status: 'unmatched', reason: 'bad_signature', subject: 'Подделка' },
      { status: 'unmatched', reason: 'unknown_appeal', subject: 'Неизвестное' },
    ]);
    expect(await lettersIn(appeal.id)).toEqual([]);

    const admin = await createUser(t.ctx, { role: 'admin' });
    const adminPage = await browser(t.app, await sessionCookieFor(t.ctx, admin)).get('/admin/inbound-mail');
    expect(adminPage.status).toBe(200);
    expect(adminPage.body).toContain('Подделка');
    expect(adminPage.body).toContain('подпись адреса неверна');
    const citizen = await createUser(t.ctx);
    expect((await browser(t.app, await sessionCookieFor(t.ctx, citizen)).get('/admin/inbound-mail')).status).toBe(403);
    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/inbound-mail',
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, admin)}` },
    });
    expect(api.statusCode).toBe(200);
    expect(api.json().items.map((item: { subject: string }) => item.subject)).toEqual(expect.arrayContaining(['Подделка', 'Неизвестное']));
  });

  it('records an automatic registration notice as an acknowledgement with the number it gives, on the timeline, not as an answer', async () => {
    const { appeal, author } = await sentAppeal();
    await smtp().sendMail({
      from: 'robot@example.test',
      to: replyAddress(appeal.id, t.ctx.config.secret, domain),
      subject: 'Уведомление о регистрации',
      text: 'Ваше обращение зарегистрировано за № 12-34/567 от 02.12.2026.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    const [acknowledgement] = await waitFor(async () => {
      const rows = await lettersIn(appeal.id);
      return rows.length ? rows : undefined;
    });
    expect(acknowledgement).toMatchObject({ kind: 'acknowledgement', decision: null, registration_number: '12-34/567' });
    const event = await t.ctx.db
      .selectFrom('problem_events')
      .select('data')
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'appeal.acknowledged')
      .executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ registrationNumber: '12-34/567' });
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('sent');
    await expect(decideLetter(t.ctx, actorOf(author), appeal.id, acknowledgement!.id, 'answer')).rejects.toMatchObject({ code: 'not_found' });
    const page = await browser(t.app).get(`/problems/${appeal.problem_id}`);
    expect(page.body).toContain('сообщил о регистрации обращения, номер 12-34/567');

    // The author records the number the notice gives with one button: the answer term now runs from that day.
    const authorBrowser = browser(t.app, await sessionCookieFor(t.ctx, author));
    const appealPage = await authorBrowser.get(`/appeals/${appeal.id}`);
    expect(appealPage.body).toContain('Записать регистрацию: № 12-34/567');
    const fields = formFields(appealPage.body, `/appeals/${appeal.id}/registration`);
    expect(fields.registrationNumber).toEqual(['12-34/567']);
    const early = await authorBrowser.post(
      `/appeals/${appeal.id}/registration`,
      { registrationNumber: '12-34/567', registeredOn: '2020-01-10' },
      csrfFrom(appealPage.body),
    );
    expect(early.status).toBe(422);
    expect(early.body).toContain('Дата раньше, чем обращение отправлено');
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('sent');
    const recorded = await authorBrowser.post(
      `/appeals/${appeal.id}/registration`,
      { registrationNumber: fields.registrationNumber![0]!, registeredOn: fields.registeredOn![0]! },
      csrfFrom(appealPage.body),
    );
    expect(recorded.status).toBe(303);
    const registered = await getAppealRow(t.ctx, appeal.id);
    expect(registered).toMatchObject({ status: 'registered', registration_number: '12-34/567' });
    expect(registered.answer_due_at?.toISOString()).toBe(
      deadlines(registered.sent_at as Date, parseFormDate(fields.registeredOn![0]!), 'Europe/Moscow').answer.dueAt.toISOString(),
    );
    await expect(recordRegistration(t.ctx, actorOf(author), appeal.id, { registrationNumber: '1', registeredOn: new Date() })).rejects.toMatchObject({
      code: 'wrong_state',
    });
  });
});

describe('the inbound webhook', () => {
  const raw = (to: string, subject: string) =>
    Buffer.from(`From: body@example.test\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.test>\r\n\r\nТекст письма.\r\n`);

  it('refuses a missing or wrong secret and a message over the limit, stores a good one before parsing it, and files a duplicate once', async () => {
    const { appeal } = await sentAppeal();
    const to = replyAddress(appeal.id, t.ctx.config.secret, domain);
    const post = (headers: Record<string, string>, payload: Buffer) =>
      t.app.inject({ method: 'POST', url: '/api/v1/inbound-mail', headers: { 'content-type': 'message/rfc822', ...headers }, payload });
    const missing = await post({}, raw(to, 'no-secret'));
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('inbound_secret_invalid');
    expect((await post({ 'x-inbound-secret': `${secret}x` }, raw(to, 'wrong-secret'))).statusCode).toBe(401);
    const tooLarge = await post({ 'x-inbound-secret': secret }, Buffer.concat([raw(to, 'large'), Buffer.alloc(1024 * 1024 + 10, 'a')]));
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('payload_too_large');
    expect(await t.ctx.db.selectFrom('inbound_messages').select('id').where('subject', 'in', ['no-secret', 'wrong-secret', 'large']).execute()).toEqual([]);

    const first = await post({ 'x-inbound-secret': secret }, raw(to, 'webhook-letter'));
    expect(first.statusCode).toBe(202);
    const again = await post({ 'x-inbound-secret': secret }, raw(to, 'webhook-letter'));
    expect(again.statusCode).toBe(202);
    const stored = await t.ctx.db.selectFrom('inbound_messages').select(['id', 'raw']).where('id', '=', first.json().id).executeTakeFirstOrThrow();
    expect(Buffer.from(stored.raw).toString()).toContain('Subject: webhook-letter');
    const statuses = await waitFor(async () => {
      const rows = await t.ctx.db.selectFrom('inbound_messages').select('status').where('id', 'in', [first.json().id, again.json().id]).orderBy('id').execute();
      return rows.every((row) => row.status !== 'received') ? rows.map((row) => row.status) : undefined;
    });
    expect(statuses).toEqual(['matched', 'duplicate']);
    expect(await lettersIn(appeal.id)).toHaveLength(1);

    // A NUL anywhere (PostgreSQL text cannot hold one) is dropped, not a filing that fails on every retry.
    const withNul = Buffer.from(`From: body@example.test\r\nTo: ${to}\r\nSubject: nul\u0000letter\r\n\r\nТекст\u0000 письма.\r\n`);
    const nul = await post({ 'x-inbound-secret': secret }, withNul);
    expect(nul.statusCode).toBe(202);
    const filed = await waitFor(async () => {
      const rows = await lettersIn(appeal.id);
      return rows.length === 2 ? rows[1] : undefined;
    });
    expect(filed).toMatchObject({ subject: 'nulletter', text: 'Текст письма.' });
  });
});
