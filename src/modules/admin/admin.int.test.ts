/** The admin outbox and audit log on a real database: a dispatched appeal's letter and its PDF, on the page and over the API, for admins only; who did what. */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createAppeal, createUser, sessionCookieFor, signInput } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import { audit } from '../../core/audit.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { openForSignatures } from '../appeals/appeals.service.ts';
import { sign } from '../appeals/appeals.signing.ts';
import { listAudit } from './admin.service.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

describe('the outbox', () => {
  it('shows and offers the PDF of a dispatched letter to admins, on the page and over the API, and to nobody else', async () => {
    const { appeal, author } = await createAppeal(t.ctx);
    await openForSignatures(t.ctx, actorOf(author), appeal.id, { acknowledgeWarnings: true });
    // The threshold is fixed when signing opens; one signature is enough here.
    await t.ctx.db.updateTable('appeals').set({ threshold: 1 }).where('id', '=', appeal.id).execute();
    const signer = await createUser(t.ctx, { surname: 'Вложенцева', firstName: 'Вера' });
    await sign(t.ctx, actorOf(signer), appeal.id, signInput(signer));
    await dispatchAppeal(t.ctx, appeal.id);
    const { dispatch_message_id: messageId } = await t.ctx.db
      .selectFrom('appeals')
      .select('dispatch_message_id')
      .where('id', '=', appeal.id)
      .executeTakeFirstOrThrow();
    const letter = await t.ctx.db
      .selectFrom('mail_messages')
      .select('id')
      .where('message_id', '=', messageId as string)
      .executeTakeFirstOrThrow();
    const filename = `obrashchenie-${appeal.id}.pdf`;

    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const list = await page.get('/admin/outbox');
    expect(list.status).toBe(200);
    const link = new RegExp(`href="(/admin/outbox/${letter.id}/attachments/(\\d+))"[^>]*>${filename}</a> <span class="muted nowrap">\\(\\d+ КБ\\)</span>`);
    expect(list.body).toMatch(link);
    const message = await page.get(`/admin/outbox/${letter.id}`);
    expect(message.body).toContain('<dt>Вложения</dt>');
    const href = link.exec(message.body)?.[1] as string;
    const download = await page.get(href);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe(`attachment; filename=${filename}`);
    expect(download.headers['cache-control']).toBe('no-store');
    const pdf = await t.app.inject({ method: 'GET', url: href, headers: { cookie: await sessionCookieFor(t.ctx, admin) } });
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
    expect(text).toContain('Вложенцева');

    const token = await apiTokenFor(t.ctx, admin);
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/admin/outbox`, headers: { authorization: `Bearer ${token}` } });
    expect(api.statusCode).toBe(200);
    const item = (api.json().items as { id: number; attachments: { filename: string; contentType: string; bytes: number; url: string }[] }[]).find(
      (m) => m.id === letter.id,
    );
    expect(item?.attachments).toEqual([
      {
        id: expect.any(Number),
        filename,
        contentType: 'application/pdf',
        bytes: pdf.rawPayload.length,
        url: expect.stringMatching(/^\/api\/v1\/admin\/outbox\/\d+\/attachments\/\d+$/),
      },
    ]);
    const viaApi = await t.app.inject({ method: 'GET', url: item?.attachments[0]?.url as string, headers: { authorization: `Bearer ${token}` } });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.rawPayload.equals(pdf.rawPayload)).toBe(true);

    // The letter lists every signatory's name and address: nobody but an admin gets it, and only through its own message.
    const attachmentId = Number(href.split('/').pop());
    const other = await t.ctx.db.selectFrom('mail_messages').select('id').where('id', '<>', letter.id).executeTakeFirstOrThrow();
    expect((await page.get(`/admin/outbox/${other.id}/attachments/${attachmentId}`)).status).toBe(404);
    const citizen = browser(t.app, await sessionCookieFor(t.ctx, signer));
    expect((await citizen.get(href)).status).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: href })).statusCode).toBe(401);
    const citizenToken = await apiTokenFor(t.ctx, signer);
    expect(
      (await t.app.inject({ method: 'GET', url: item?.attachments[0]?.url as string, headers: { authorization: `Bearer ${citizenToken}` } })).statusCode,
    ).toBe(403);
  });
});

describe('the audit log', () => {
  it('names the person behind each entry by e-mail, newest first, and a dash for what the platform did itself', async () => {
    const official = await createUser(t.ctx, { email: 'zhurnal.proverka@example.ru' });
    await audit(t.ctx.db, { actorId: official.id, action: 'audit.test.by_person', subjectType: 'test', subjectId: 1 });
    await audit(t.ctx.db, { actorId: null, action: 'audit.test.by_platform', subjectType: 'test', subjectId: 2 });

    const { items, total } = await listAudit(t.ctx, { limit: 2, offset: 0 });
    expect(total).toBeGreaterThanOrEqual(2);
    expect(items.map((entry) => [entry.action, entry.actor_email, entry.subject_id])).toEqual([
      ['audit.test.by_platform', null, '2'],
      ['audit.test.by_person', 'zhurnal.proverka@example.ru', '1'],
    ]);

    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = await browser(t.app, await sessionCookieFor(t.ctx, admin)).get('/admin/audit');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<td>—<\/td><td><code>audit\.test\.by_platform<\/code>/);
    expect(page.body).toMatch(/<td>zhurnal\.proverka@example\.ru<\/td><td><code>audit\.test\.by_person<\/code>/);
  });
});
