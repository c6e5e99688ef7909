/** Users administration on a real database: search, roles with a reason, blocking and unblocking, who may do which, and what a blocked person meets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createUser, factoryPassword, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { blockUser, getUser, unblockUser } from '../accounts/accounts.service.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

const auditOf = (action: string, userId: number) =>
  t.ctx.db
    .selectFrom('audit_log')
    .select(['actor_id', 'details'])
    .where('action', '=', action)
    .where('subject_type', '=', 'user')
    .where('subject_id', '=', String(userId))
    .orderBy('id')
    .execute();

const api = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('finding people', () => {
  it('finds accounts by words of the name or part of the e-mail, for admins only', async () => {
    const found = await createUser(t.ctx, { email: 'poisk.naidyonova@example.ru', surname: 'Найдёнова', firstName: 'Нина' });
    await createUser(t.ctx, { email: 'ne.ta@example.ru', surname: 'Другая', firstName: 'Нина' });
    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    for (const q of ['найдёнова нина', 'poisk.naid', 'Нина Найдёнова']) {
      const list = await page.get(`/admin/users?q=${encodeURIComponent(q)}`);
      expect(list.status).toBe(200);
      expect(list.body).toContain('Найден 1 пользователь.');
      expect(list.body).toContain(`<a href="/admin/users/${found.id}">Найдёнова Нина Петровна</a>`);
    }
    expect((await page.get(`/admin/users?q=${encodeURIComponent('нина')}`)).body).toContain('Найдено 2 пользователя.');
    // % is the character, not a wildcard.
    expect((await page.get(`/admin/users?q=${encodeURIComponent('%')}`)).body).toContain('Найдено 0 пользователей.');
    expect((await page.get(`/admin/users/${found.id}`)).body).toContain('poisk.naidyonova@example.ru');

    const token = await apiTokenFor(t.ctx, admin);
    const listed = await api(token, 'GET', `/api/v1/admin/users?q=${encodeURIComponent('poisk.naid')}`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({ total: 1, items: [{ id: found.id, email: 'poisk.naidyonova@example.ru', role: 'citizen', emailVerified: true }] });
    expect((await api(token, 'GET', `/api/v1/admin/users/${found.id}`)).json()).toMatchObject({ id: found.id, blocked: null });

    // A moderator blocks from the block page, which names the person by the public name only: the list and the e-mails are the admins'.
    for (const other of [await createUser(t.ctx), await createUser(t.ctx, { role: 'moderator' })]) {
      expect((await browser(t.app, await sessionCookieFor(t.ctx, other)).get('/admin/users')).status).toBe(403);
      expect((await browser(t.app, await sessionCookieFor(t.ctx, other)).get(`/admin/users/${found.id}`)).status).toBe(403);
      expect((await api(await apiTokenFor(t.ctx, other), 'GET', '/api/v1/admin/users')).statusCode).toBe(403);
    }
  });
});

describe('roles', () => {
  it('lets an admin make a citizen a moderator with a reason, logged with before and after; he keeps his own admin role', async () => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    const citizen = await createUser(t.ctx);
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const form = await page.get(`/admin/users/${citizen.id}`);
    expect(form.body).toContain(`action="/admin/users/${citizen.id}/role"`);

    const noReason = await page.post(`/admin/users/${citizen.id}/role`, { role: 'moderator', reason: '  ' }, csrfFrom(form.body));
    expect(noReason.status).toBe(422);
    expect(noReason.body).toContain('<a href="#field-reason">Заполните это поле.</a>');
    expect((await getUser(t.ctx, citizen.id)).role).toBe('citizen');
    const badRole = await page.post(`/admin/users/${citizen.id}/role`, { role: 'superuser', reason: 'так надо' }, csrfFrom(form.body));
    expect(badRole.status).toBe(422);

    const saved = await page.post(`/admin/users/${citizen.id}/role`, { role: 'moderator', reason: 'помогает с жалобами' }, csrfFrom(form.body));
    expect(saved).toMatchObject({ status: 303, location: `/admin/users/${citizen.id}` });
    expect((await getUser(t.ctx, citizen.id)).role).toBe('moderator');
    expect(await auditOf('user.role', citizen.id)).toEqual([
      { actor_id: admin.id, details: { reason: 'помогает с жалобами', from: 'citizen', to: 'moderator' } },
    ]);

    // His own page offers no role form, and the action refuses.
    const own = await page.get(`/admin/users/${admin.id}`);
    expect(own.body).toContain('Нельзя снять роль администратора с самого себя');
    expect(own.body).not.toContain(`action="/admin/users/${admin.id}/role"`);
    const refused = await page.post(`/admin/users/${admin.id}/role`, { role: 'citizen', reason: 'ухожу' }, csrfFrom(own.body));
    expect(refused.status).toBe(409);
    expect((await getUser(t.ctx, admin.id)).role).toBe('admin');

    const token = await apiTokenFor(t.ctx, admin);
    const viaApi = await api(token, 'PUT', `/api/v1/admin/users/${citizen.id}/role`, { role: 'citizen', reason: 'больше не модерирует' });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.json()).toMatchObject({ role: 'citizen' });
    expect((await api(token, 'PUT', `/api/v1/admin/users/${admin.id}/role`, { role: 'moderator', reason: 'x' })).json().error.code).toBe('own_admin_role');

    // A moderator gives no roles.
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    expect(
      (await api(await apiTokenFor(t.ctx, moderator), 'PUT', `/api/v1/admin/users/${citizen.id}/role`, { role: 'moderator', reason: 'x' })).statusCode,
    ).toBe(403);
    const moderatorPage = browser(t.app, await sessionCookieFor(t.ctx, moderator));
    const seen = await moderatorPage.get(`/admin/users/${citizen.id}/block`);
    expect((await moderatorPage.post(`/admin/users/${citizen.id}/role`, { role: 'admin', reason: 'x' }, csrfFrom(seen.body))).status).toBe(403);
    expect((await getUser(t.ctx, citizen.id)).role).toBe('citizen');
  });
});

describe('blocking', () => {
  it("refuses a blocked person's session and token at the next request, with the reason, and his sign-in; unblocking lets him back", async () => {
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    const person = await createUser(t.ctx, { email: 'narushitel@example.ru' });
    const personPage = browser(t.app, await sessionCookieFor(t.ctx, person));
    const personToken = await apiTokenFor(t.ctx, person);
    expect((await personPage.get('/account')).status).toBe(200);

    const page = browser(t.app, await sessionCookieFor(t.ctx, moderator));
    const confirm = await page.get(`/admin/users/${person.id}/block`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('<h1>Заблокировать учётную запись: Мария К.</h1>');
    expect(confirm.body).not.toContain('narushitel@example.ru');
    const noReason = await page.post(`/admin/users/${person.id}/block`, { reason: '' }, csrfFrom(confirm.body));
    expect(noReason.status).toBe(422);
    expect(noReason.body).toContain('<a href="#field-reason">Заполните это поле.</a>');
    const tooLong = await page.post(`/admin/users/${person.id}/block`, { reason: 'а'.repeat(1001) }, csrfFrom(confirm.body));
    expect(tooLong.status).toBe(422);
    expect((await getUser(t.ctx, person.id)).blocked_at).toBeNull();

    const blocked = await page.post(`/admin/users/${person.id}/block`, { reason: 'рассылка рекламы в комментариях' }, csrfFrom(confirm.body));
    expect(blocked).toMatchObject({ status: 303, location: `/admin/users/${person.id}/unblock` });
    const after = await getUser(t.ctx, person.id);
    expect(after).toMatchObject({ blocked_reason: 'рассылка рекламы в комментариях', blocked_by: moderator.id });
    expect((await page.get(`/admin/users/${person.id}/unblock`)).body).toContain('Причина: рассылка рекламы в комментариях');
    const admin = await createUser(t.ctx, { role: 'admin' });
    const adminView = await browser(t.app, await sessionCookieFor(t.ctx, admin)).get(`/admin/users/${person.id}`);
    expect(adminView.body).toContain('<strong class="tag tag-user-blocked">учётная запись заблокирована</strong>');
    expect(adminView.body).toContain('Причина: рассылка рекламы в комментариях');
    expect(await auditOf('user.block', person.id)).toEqual([{ actor_id: moderator.id, details: { reason: 'рассылка рекламы в комментариях' } }]);

    // His browser: the next page says why, and signs him out.
    const shown = await personPage.get('/account');
    expect(shown.status).toBe(403);
    expect(shown.body).toContain('Учётная запись заблокирована. Причина: рассылка рекламы в комментариях');
    expect((await personPage.get('/account')).status).toBe(401);
    // His token: a stable code, the reason in the details.
    const refused = await api(personToken, 'GET', '/api/v1/me');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'account_blocked', details: { reason: 'рассылка рекламы в комментариях' } });
    // Signing in: refused with the reason, but only to the right password.
    const login = browser(t.app);
    const withPassword = await login.submit('/login', '/login', { email: 'narushitel@example.ru', password: factoryPassword });
    expect(withPassword.status).toBe(403);
    expect(withPassword.body).toContain('Учётная запись заблокирована. Причина: рассылка рекламы в комментариях');
    const wrongPassword = await browser(t.app).submit('/login', '/login', { email: 'narushitel@example.ru', password: 'not-the-password-1' });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).not.toContain('заблокирована');

    expect((await page.get(`/admin/users/${person.id}/block`)).status).toBe(303);
    expect((await api(await apiTokenFor(t.ctx, admin), 'GET', `/api/v1/admin/users/${person.id}`)).json()).toMatchObject({
      blocked: { reason: 'рассылка рекламы в комментариях', byId: moderator.id },
    });
    const unblockPage = await page.get(`/admin/users/${person.id}/unblock`);
    const unblocked = await page.post(`/admin/users/${person.id}/unblock`, { reason: 'обещал больше не рассылать' }, csrfFrom(unblockPage.body));
    expect(unblocked.status).toBe(303);
    expect(await auditOf('user.unblock', person.id)).toEqual([
      { actor_id: moderator.id, details: { reason: 'обещал больше не рассылать', blockedReason: 'рассылка рекламы в комментариях', blockedBy: moderator.id } },
    ]);
    expect((await api(personToken, 'GET', '/api/v1/me')).statusCode).toBe(200);
    expect((await browser(t.app).submit('/login', '/login', { email: 'narushitel@example.ru', password: factoryPassword })).status).toBe(303);
  });

  it('lets a moderator block citizens only, never himself; an admin anyone but himself; over the API as on the page', async () => {
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    const otherModerator = await createUser(t.ctx, { role: 'moderator' });
    const admin = await createUser(t.ctx, { role: 'admin' });
    const citizen = await createUser(t.ctx);
    const reason = 'проверка правил';
    await expect(blockUser(t.ctx.db, { actorId: moderator.id, userId: moderator.id, reason })).rejects.toMatchObject({ code: 'cannot_act_on_self' });
    await expect(blockUser(t.ctx.db, { actorId: moderator.id, userId: otherModerator.id, reason })).rejects.toMatchObject({ code: 'cannot_block_staff' });
    await expect(blockUser(t.ctx.db, { actorId: moderator.id, userId: admin.id, reason })).rejects.toMatchObject({ code: 'cannot_block_staff' });
    await expect(blockUser(t.ctx.db, { actorId: citizen.id, userId: otherModerator.id, reason })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(blockUser(t.ctx.db, { actorId: admin.id, userId: admin.id, reason })).rejects.toMatchObject({ code: 'cannot_act_on_self' });
    await expect(blockUser(t.ctx.db, { actorId: admin.id, userId: 2_000_000_000, reason })).rejects.toMatchObject({ code: 'not_found' });

    const moderatorToken = await apiTokenFor(t.ctx, moderator);
    expect((await api(moderatorToken, 'POST', `/api/v1/admin/users/${admin.id}/block`, { reason })).json().error.code).toBe('cannot_block_staff');
    expect((await browser(t.app, await sessionCookieFor(t.ctx, moderator)).get(`/admin/users/${otherModerator.id}/block`)).status).toBe(403);
    const viaApi = await api(moderatorToken, 'POST', `/api/v1/admin/users/${citizen.id}/block`, { reason });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.json()).toEqual({ id: citizen.id, blocked: { at: expect.any(String), reason, byId: moderator.id } });
    expect((await api(moderatorToken, 'POST', `/api/v1/admin/users/${citizen.id}/block`, { reason })).json().error.code).toBe('already_blocked');
    expect((await api(moderatorToken, 'POST', `/api/v1/admin/users/${citizen.id}/unblock`, { reason: 'ошибка' })).statusCode).toBe(200);
    expect((await api(moderatorToken, 'POST', `/api/v1/admin/users/${citizen.id}/unblock`, { reason: 'ошибка' })).json().error.code).toBe('not_blocked');

    // An admin blocks a moderator.
    expect((await api(await apiTokenFor(t.ctx, admin), 'POST', `/api/v1/admin/users/${otherModerator.id}/block`, { reason })).statusCode).toBe(200);
    await unblockUser(t.ctx.db, { actorId: admin.id, userId: otherModerator.id, reason: 'вернули' });
    // A citizen's token is refused at the gate.
    expect((await api(await apiTokenFor(t.ctx, citizen), 'POST', `/api/v1/admin/users/${otherModerator.id}/block`, { reason })).statusCode).toBe(403);
  });

  it("blocks in the caller's transaction: when the caller's work fails, the block and its audit entry are undone with it", async () => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    const citizen = await createUser(t.ctx);
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await blockUser(trx, { actorId: admin.id, userId: citizen.id, reason: 'спам' });
        throw new Error('hiding the content failed');
      }),
    ).rejects.toThrow('hiding the content failed');
    expect((await getUser(t.ctx, citizen.id)).blocked_at).toBeNull();
    expect(await auditOf('user.block', citizen.id)).toEqual([]);
  });
});
