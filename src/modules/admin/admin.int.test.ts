/** The admin outbox and audit log on a real database: a dispatched appeal's letter and its PDF, on the page and over the API, for admins only; who did what. */
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createAppeal, createUser, sessionCookieFor, signInput } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import { audit } from '../../core/audit.ts';
import { fullName } from '../accounts/accounts.rules.ts';
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
  it('names the person behind each entry, newest first, and a dash for what the platform did itself', async () => {
    const official = await createUser(t.ctx, { email: 'zhurnal.proverka@example.ru', surname: 'Журналова', firstName: 'Жанна' });
    await audit(t.ctx.db, { actorId: official.id, action: 'audit.test.by_person', subjectType: 'test', subjectId: 1 });
    await audit(t.ctx.db, { actorId: null, action: 'audit.test.by_platform', subjectType: 'test', subjectId: 2 });

    const { items } = await listAudit(t.ctx, { limit: 2 });
    expect(items.map((entry) => [entry.action, entry.actorEmail, entry.subjectId])).toEqual([
      ['audit.test.by_platform', null, '2'],
      ['audit.test.by_person', 'zhurnal.proverka@example.ru', '1'],
    ]);

    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = await browser(t.app, await sessionCookieFor(t.ctx, admin)).get('/admin/audit?subjectType=test');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<td>—<\/td><td><code>audit\.test\.by_platform<\/code>/);
    expect(page.body).toMatch(
      /<td>Журналова Жанна [^<]*<span class="muted">zhurnal\.proverka@example\.ru<\/span><\/td><td><code>audit\.test\.by_person<\/code>/,
    );
  });

  it('filters by actor (name, e-mail or id), action, subject, days and details text, pages by keyset, and exports the filtered view as CSV', async () => {
    const moderator = await createUser(t.ctx, { email: 'filtr.moderator@example.ru', surname: 'Фильтрова', firstName: 'Фаина', role: 'moderator' });
    const other = await createUser(t.ctx, { email: 'drugoi.admin@example.ru', surname: 'Другов', firstName: 'Дмитрий', role: 'admin' });
    const { problem } = await createAppeal(t.ctx);
    for (let i = 1; i <= 3; i++) {
      await audit(t.ctx.db, {
        actorId: moderator.id,
        action: 'audit.test.hide',
        subjectType: 'problem',
        subjectId: problem.id,
        details: { reason: `спам номер ${i}` },
      });
    }
    await audit(t.ctx.db, {
      actorId: other.id,
      action: 'audit.test.restore',
      subjectType: 'problem',
      subjectId: problem.id,
      details: { reason: 'ошибка 100%' },
    });
    await audit(t.ctx.db, { actorId: other.id, action: 'audit.test.hide', subjectType: 'comment', subjectId: 77, details: { reason: '=HYPERLINK("x")' } });
    // Written a year ago: the date range finds it alone (an INSERT with its own time is what a migration of old logs would do).
    await t.ctx.db
      .insertInto('audit_log')
      .values({
        actor_id: other.id,
        action: 'audit.test.old',
        subject_type: 'test',
        subject_id: '1',
        details: '{}',
        created_at: new Date('2025-03-04T22:30:00Z'),
      })
      .execute();

    // Only this test's actions: creating an account writes entries of its own (account.register …).
    const actions = (search: Parameters<typeof listAudit>[1]) =>
      listAudit(t.ctx, search).then((r) => r.items.filter((e) => e.action.startsWith('audit.test.')).map((e) => `${e.action}:${e.details.reason ?? ''}`));
    expect(await actions({ actor: 'фильтрова' })).toEqual(['audit.test.hide:спам номер 3', 'audit.test.hide:спам номер 2', 'audit.test.hide:спам номер 1']);
    expect(await actions({ actor: 'Фаина Фильтрова' })).toHaveLength(3);
    expect(await actions({ actor: 'filtr.moderator@' })).toHaveLength(3);
    expect(await actions({ actor: String(moderator.id) })).toHaveLength(3);
    expect(await actions({ actor: 'никого-такого-нет' })).toEqual([]);
    expect(await actions({ action: 'audit.test.hide', subjectType: 'comment' })).toEqual(['audit.test.hide:=HYPERLINK("x")']);
    expect(await actions({ subjectType: 'problem', subjectId: String(problem.id), actor: 'Другов' })).toEqual(['audit.test.restore:ошибка 100%']);
    // % in the text is the character, not a wildcard.
    expect(await actions({ text: '100%' })).toEqual(['audit.test.restore:ошибка 100%']);
    expect(await actions({ text: 'СПАМ номер 2' })).toEqual(['audit.test.hide:спам номер 2']);
    // 05.03.2025 in Moscow began at 21:00 UTC on the 4th.
    expect(await listAudit(t.ctx, { from: '05.03.2025', to: '2025-03-05' }).then((r) => r.items.map((e) => e.action))).toEqual(['audit.test.old']);
    expect(await listAudit(t.ctx, { from: '06.03.2025', to: '01.01.2026' }).then((r) => r.items)).toEqual([]);
    await expect(listAudit(t.ctx, { from: '31.02.2025' })).rejects.toMatchObject({ fields: [{ field: 'from', rule: 'auditDate' }] });
    await expect(listAudit(t.ctx, { from: '02.01.2025', to: '01.01.2025' })).rejects.toMatchObject({ fields: [{ field: 'to', rule: 'auditDateOrder' }] });

    // Keyset pages: no entry twice, none left out.
    const first = await listAudit(t.ctx, { action: 'audit.test.hide', limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await listAudit(t.ctx, { action: 'audit.test.hide', limit: 2, before: first.nextBefore ?? undefined });
    expect(second.nextBefore).toBeNull();
    expect([...first.items, ...second.items].map((e) => e.details.reason)).toEqual(['=HYPERLINK("x")', 'спам номер 3', 'спам номер 2', 'спам номер 1']);

    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const filtered = await page.get(`/admin/audit?actor=${encodeURIComponent('Фильтрова')}&action=audit.test.hide`);
    expect(filtered.status).toBe(200);
    expect(filtered.body).toContain(`<a href="/problems/${problem.id}">problem ${problem.id}</a>`);
    expect(filtered.body).toContain('Причина: спам номер 3');
    expect(filtered.body).toMatch(/<option value="audit\.test\.hide" selected>audit\.test\.hide<\/option>/);
    expect(filtered.body).not.toContain('ошибка 100%');
    const paged = await page.get(`/admin/audit?action=audit.test.hide&before=${first.nextBefore}`);
    expect(paged.body).toContain('спам номер 2');
    expect(paged.body).not.toContain('спам номер 3');
    expect(paged.body).toContain('К последним записям');

    const refused = await page.get('/admin/audit?from=31.02.2025');
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('<a href="#field-from">Укажите дату в виде ДД.ММ.ГГГГ, например 05.03.2026.</a>');

    const csv = await page.get(`/admin/audit.csv?actor=${encodeURIComponent('Другов')}&subjectType=comment`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename=audit.csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('id,created_at,actor_id,actor_name,actor_email,action,subject_type,subject_id,ip,details');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(
      `,${other.id},"${fullName(other)}","drugoi.admin@example.ru","audit.test.hide","comment","77",,"{""reason"":""=HYPERLINK(\\""x\\"")""}"`,
    );
    expect((await page.get('/admin/audit.csv?to=bad')).status).toBe(422);

    const token = await apiTokenFor(t.ctx, admin);
    const api = await t.app.inject({
      method: 'GET',
      url: `/api/v1/admin/audit?actor=${moderator.id}&subjectType=problem&perPage=2`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.statusCode).toBe(200);
    const body = api.json() as { items: { action: string; actorEmail: string; subjectUrl: string; details: { reason: string } }[]; nextBefore: number };
    expect(body.items.map((e) => [e.actorEmail, e.details.reason, e.subjectUrl])).toEqual([
      ['filtr.moderator@example.ru', 'спам номер 3', `http://democrator.test/problems/${problem.id}`],
      ['filtr.moderator@example.ru', 'спам номер 2', `http://democrator.test/problems/${problem.id}`],
    ]);
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/admin/audit?actor=${moderator.id}&subjectType=problem&before=${body.nextBefore}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(next.json()).toMatchObject({ items: [{ details: { reason: 'спам номер 1' } }], nextBefore: null });
    const badDate = await t.app.inject({ method: 'GET', url: '/api/v1/admin/audit?from=2025-13-01', headers: { authorization: `Bearer ${token}` } });
    expect(badDate.statusCode).toBe(422);
    expect(badDate.json().error.fields).toEqual([{ field: 'from', rule: 'auditDate', message: 'Укажите дату в виде ДД.ММ.ГГГГ, например 05.03.2026.' }]);
    const citizenToken = await apiTokenFor(t.ctx, await createUser(t.ctx));
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: { authorization: `Bearer ${citizenToken}` } })).statusCode).toBe(403);
    expect((await page.get('/admin/audit.csv')).status).toBe(200);
    expect((await browser(t.app, await sessionCookieFor(t.ctx, moderator)).get('/admin/audit.csv')).status).toBe(403);
  });
});
