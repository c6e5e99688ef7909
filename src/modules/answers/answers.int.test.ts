/**
 * Answers coming back by e-mail: the dispatched letter's reply address, a reply sent over SMTP (nodemailer)
 * to the inbound listener and filed on its appeal pending the author's word, a forged address kept as
 * unmatched, an auto-reply recorded as an acknowledgement, the webhook's secret and size limit, and the
 * author's decision (once; one answer per appeal); and an answer on paper, uploaded by the author with its
 * scans (the photo's EXIF gone, a file of another type and a stranger refused with nothing written) or
 * published by an administrator on the body's behalf.
 */
import { createTransport } from 'nodemailer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createUser, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { type MultipartPart, multipart } from '../../../test/support/fuzz.ts';
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

/* An answer that came on paper: uploaded by the author through the plain form, or published by an admin over the API. */
const photoWithGps = () =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 240, g: 240, b: 230 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'SecretCam', Model: 'X1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '56/1 51/1 2952/100' } })
    .toBuffer();
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');

/** Posts the upload form as a browser would: the page's CSRF token, then a multipart body. */
async function submitForm(cookie: string, appealId: number, parts: MultipartPart[]) {
  const visitor = browser(t.app, cookie);
  const page = await visitor.get(`/appeals/${appealId}/answer/upload`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('enctype="multipart/form-data"');
  const body = multipart([{ name: '_csrf', value: csrfFrom(page.body) }, ...parts]);
  const cookies = [...visitor.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return t.app.inject({
    method: 'POST',
    url: `/appeals/${appealId}/answer/upload`,
    headers: { cookie: cookies, 'content-type': body.contentType },
    payload: body.payload,
  });
}

describe('an answer on paper', () => {
  it('is uploaded by the author with its scans: published, marked, in review, the photo stripped of its EXIF', async () => {
    const { appeal, author } = await sentAppeal();
    const cookie = await sessionCookieFor(t.ctx, author);
    const original = await photoWithGps();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const appealPage = await browser(t.app, cookie).get(`/appeals/${appeal.id}`);
    expect(appealPage.body).toContain(`href="/appeals/${appeal.id}/answer/upload"`);

    const response = await submitForm(cookie, appeal.id, [
      { name: 'text', value: 'Ремонт двора включён в план работ на июнь.' },
      { name: 'outgoingNumber', value: '01-12/345' },
      { name: 'outgoingDate', value: '05.03.2026' },
      { name: 'files', value: original, filename: 'IMG_0001.jpg', contentType: 'image/jpeg' },
      { name: 'files', value: pdf, filename: 'otvet.pdf', contentType: 'application/pdf' },
    ]);
    expect([response.statusCode, response.headers.location]).toEqual([303, `/appeals/${appeal.id}#letters`]);
    const row = await getAppealRow(t.ctx, appeal.id);
    expect(row.status).toBe('review');
    expect(row.review_closes_at).not.toBeNull();

    const publicPage = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(publicPage.body).toContain('Ремонт двора включён в план работ на июнь.');
    expect(publicPage.body).toContain('загружен автором');
    expect(publicPage.body).toContain('Исходящий № 01-12/345');
    const [letter] = await lettersIn(appeal.id);
    const scanUrl = `/appeals/${appeal.id}/letters/${letter?.id}/attachments`;
    expect(publicPage.body).toContain(`<img class="letter-scan" src="${scanUrl}/0"`);

    const photo = await t.app.inject({ method: 'GET', url: `${scanUrl}/0` });
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(photo.headers['content-disposition']).toMatch(/^inline/);
    expect(photo.headers['x-content-type-options']).toBe('nosniff');
    const metadata = await sharp(photo.rawPayload).metadata();
    expect([metadata.format, metadata.exif]).toEqual(['jpeg', undefined]);
    expect(photo.rawPayload.includes(Buffer.from('SecretCam'))).toBe(false);
    const scan = await t.app.inject({ method: 'GET', url: `${scanUrl}/1` });
    expect([scan.headers['content-type'], scan.rawPayload.equals(pdf)]).toEqual(['application/pdf', true]);
  });

  it('refuses a file of another type and a stranger, writing nothing', async () => {
    const { appeal, author } = await sentAppeal();
    const refused = await submitForm(await sessionCookieFor(t.ctx, author), appeal.id, [
      { name: 'text', value: 'Ответ со сканом в формате GIF' },
      { name: 'files', value: pdf, filename: 'otvet.pdf', contentType: 'application/pdf' },
      { name: 'files', value: gif, filename: 'scan.jpg', contentType: 'image/jpeg' },
    ]);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Файл 2: подходят только PDF, JPEG или PNG.');
    expect(refused.body).toContain('Ответ со сканом в формате GIF');

    const api = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/answer`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, author)}`, 'content-type': 'application/json' },
      payload: { text: '' },
    });
    expect(api.statusCode).toBe(422);

    const stranger = await verifiedCitizen(t.ctx);
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, stranger));
    expect((await visitor.get(`/appeals/${appeal.id}/answer/upload`)).status).toBe(403);
    const strangerApi = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/answer`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, stranger)}`, 'content-type': 'application/json' },
      payload: { text: 'Чужой ответ' },
    });
    expect([strangerApi.statusCode, strangerApi.json().error.code]).toEqual([403, 'not_author']);

    expect(await lettersIn(appeal.id)).toEqual([]);
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('sent');
  });

  it('is published by an administrator on the body’s behalf over the API, once', async () => {
    const { appeal, author } = await sentAppeal();
    const admin = await createUser(t.ctx, { role: 'admin', verified: true });
    const token = await apiTokenFor(t.ctx, admin);
    const publish = async (bearer: string, url: string, parts: MultipartPart[]) => {
      const body = multipart(parts);
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': body.contentType },
        payload: body.payload,
      });
      return { status: response.statusCode, json: response.json() };
    };
    const wrongType = await publish(token, `/api/v1/admin/appeals/${appeal.id}/answer`, [
      { name: 'text', value: 'Ответ' },
      { name: 'files', value: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), filename: 'a.png', contentType: 'image/png' },
    ]);
    expect([wrongType.status, wrongType.json.error.code]).toEqual([422, 'upload_wrong_type']);

    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 1, g: 2, b: 3 } } })
      .png()
      .toBuffer();
    const published = await publish(token, `/api/v1/admin/appeals/${appeal.id}/answer`, [
      { name: 'text', value: 'Ответ организации, переданный на бумаге.' },
      { name: 'files', value: png, filename: 'scan.png', contentType: 'image/png' },
    ]);
    expect(published.status).toBe(201);
    expect(published.json).toMatchObject({ source: 'admin', decision: 'answer', attachments: [{ position: 0, contentType: 'image/png' }] });
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('review');
    expect((await browser(t.app).get(`/appeals/${appeal.id}`)).body).toContain('опубликован администратором от имени организации');

    const again = await publish(await apiTokenFor(t.ctx, author), `/api/v1/appeals/${appeal.id}/answer`, [{ name: 'text', value: 'Второй ответ' }]);
    expect([again.status, again.json.error.code]).toEqual([409, 'appeal_already_answered']);
    expect(await lettersIn(appeal.id)).toHaveLength(1);
  });
});
