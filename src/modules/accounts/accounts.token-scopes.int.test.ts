/**
 * Personal API tokens carry scopes (read, sign, write), and every route of the app asks for one: a new
 * route gets its scope from its method unless it declares another, so it cannot be left unscoped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createUser, factoryPassword, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { routeTable } from '../../core/http/server.tsx';
import { type TokenScope, tokenScopes } from '../../core/policy.ts';

let t: TestApp;
let user: User;
/** One token per scope, each with that scope alone. */
const tokenWith = {} as Record<TokenScope, string>;

beforeAll(async () => {
  t = await createTestApp();
  user = await createUser(t.ctx, { email: 'scoped@example.test' });
  for (const scope of tokenScopes) tokenWith[scope] = await apiTokenFor(t.ctx, user, `only ${scope}`, [scope]);
});
afterAll(() => t?.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The routes that sign or withdraw a signature: the only ones whose scope is not their method's. */
const signRoutes = [
  'POST /api/v1/appeals/:id/signatures',
  'DELETE /api/v1/appeals/:id/signatures/me',
  'POST /appeals/:id/signatures',
  'POST /appeals/:id/signatures/withdraw',
];

describe('the scope of every route', () => {
  it('is read for every GET, sign for signing, write for every other change', () => {
    const routes = routeTable(t.app).filter((route) => route.policy !== null);
    const api = routes.filter((route) => route.url.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThan(40);
    for (const route of routes) {
      const key = `${route.method} ${route.url}`;
      const expected = signRoutes.includes(key) ? 'sign' : ['GET', 'HEAD', 'OPTIONS'].includes(route.method) ? 'read' : 'write';
      expect(route.scope, key).toBe(expected);
    }
    // The list above is complete: every route gated by signing's own policy is in it.
    for (const route of routes.filter((r) => r.policy === 'appeal.sign'))
      expect(signRoutes, `${route.method} ${route.url}`).toContain(`${route.method} ${route.url}`);
    const scoped = routes.filter((route) => route.scope === 'sign').map((route) => `${route.method} ${route.url}`);
    expect(scoped.sort()).toEqual([...signRoutes].sort());
  });

  it('is enforced on every route: 403 token_scope_missing without it, past the gate with it', async () => {
    const refusals: string[] = [];
    const misses: string[] = [];
    for (const route of routeTable(t.app)) {
      if (route.policy === null) continue;
      // Ids no record has, so that what passes the gate changes nothing.
      const url = route.url.replace(/:id\b/g, '999999').replace(/:[A-Za-z]+/g, 'none');
      const key = `${route.method} ${route.url}`;
      const other = tokenScopes.find((scope) => scope !== route.scope) as TokenScope;
      const payload = route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: {} };
      const without = await t.app.inject({ method: route.method as 'GET', url, headers: bearer(tokenWith[other]), ...payload });
      if (without.statusCode !== 403 || (route.method !== 'HEAD' && !without.body.includes(`нет права «${route.scope}»`))) {
        misses.push(`${key} with only ${other}: ${without.statusCode}`);
      }
      const withScope = await t.app.inject({ method: route.method as 'GET', url, headers: bearer(tokenWith[route.scope]), ...payload });
      if (withScope.statusCode === 403 && withScope.body.includes('нет права')) refusals.push(`${key} with ${route.scope}`);
    }
    expect(misses).toEqual([]);
    expect(refusals).toEqual([]);
  });

  it('answers in JSON with a stable code and a translated message', async () => {
    const refused = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(tokenWith.read), payload: { firstName: 'Ольга' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({
      code: 'token_scope_missing',
      message: 'У этого API-токена нет права «write». Создайте токен с нужным правом на странице «Токены API» личного кабинета или войдите на сайт.',
      details: { scope: 'write' },
    });
    expect((await t.ctx.db.selectFrom('users').select('first_name').where('id', '=', user.id).executeTakeFirstOrThrow()).first_name).toBe('Мария');
    const english = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { ...bearer(tokenWith.write), cookie: 'locale=en' } });
    expect(english.json().error).toEqual({
      code: 'token_scope_missing',
      message: 'This API token lacks the “read” scope. Create a token with it on the “API tokens” page of your account, or log in to the site.',
      details: { scope: 'read' },
    });
  });

  it('leaves a browser session unscoped', async () => {
    const cookie = await sessionCookieFor(t.ctx, user);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    const visitor = browser(t.app, cookie);
    const saved = await visitor.submit('/account', '/account', {
      surname: 'Кузнецова',
      firstName: 'Мария',
      patronymic: '',
      municipalityId: '',
      postalAddress: '170100, г. Тверь, ул. Советская, д. 1, кв. 2',
      locale: 'ru',
    });
    expect(saved.status).toBe(303);
  });
});

describe('choosing scopes', () => {
  it('creates a read-only token by API unless more is asked for, and lists the scopes', async () => {
    const owner = await createUser(t.ctx, { email: 'choosing@example.test' });
    const create = (body: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: 'choosing@example.test', password: factoryPassword, ...body } });
    const plain = await create({ name: 'Чтение' });
    expect(plain.statusCode).toBe(201);
    expect(plain.json()).toMatchObject({ name: 'Чтение', scopes: ['read'] });
    const signer = await create({ name: 'Подписи', scopes: ['sign', 'read'] });
    expect(signer.json().scopes).toEqual(['read', 'sign']);
    const none = await create({ name: 'Ничего', scopes: [] });
    expect(none.statusCode).toBe(422);
    const unknown = await create({ name: 'Админ', scopes: ['admin'] });
    expect(unknown.statusCode).toBe(422);

    const reader = bearer(plain.json().token);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: reader })).json().id).toBe(owner.id);
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: reader });
    expect(listed.json().map((token: { name: string; scopes: string[] }) => [token.name, token.scopes])).toEqual([
      ['Подписи', ['read', 'sign']],
      ['Чтение', ['read']],
    ]);
    // Revoking is a change: the read-only token cannot revoke even itself.
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${plain.json().id}`, headers: reader });
    expect(revoke.statusCode).toBe(403);
    expect(revoke.json().error.code).toBe('token_scope_missing');
  });

  it('lets the profile page tick scopes, read alone by default, and shows them in the list', async () => {
    const owner = await createUser(t.ctx, { email: 'ticking@example.test' });
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, owner));
    const page = await visitor.get('/account/tokens');
    expect(page.body).toContain('Что может токен');
    const box = (scope: string) => new RegExp(`<input[^>]*id="field-scopes-${scope}"[^>]*>`).exec(page.body)?.[0] ?? '';
    expect(box('read')).toContain('checked');
    expect(box('sign')).not.toContain('checked');
    expect(box('write')).not.toContain('checked');

    const refused = await visitor.submit('/account/tokens', '/account/tokens', { name: 'Пустой' });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('Выберите хотя бы одно право.');

    const created = await visitor.submit('/account/tokens', '/account/tokens', { name: 'Сборщик подписей', scopes: ['read', 'sign'] });
    expect(created.status).toBe(200);
    const secret = /data-testid="new-token">([^<]+)</.exec(created.body)?.[1] ?? '';
    expect(secret).toMatch(/^dm_/);
    expect(created.body).toMatch(/<td>Сборщик подписей<\/td>[\s\S]*?<td>Читать, Подписывать<\/td>/);
    const rows = await t.ctx.db.selectFrom('api_tokens').select('scopes').where('user_id', '=', owner.id).execute();
    expect(rows).toEqual([{ scopes: ['read', 'sign'] }]);
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(secret), payload: { firstName: 'Ольга' } });
    expect(patch.statusCode).toBe(403);
  });
});
