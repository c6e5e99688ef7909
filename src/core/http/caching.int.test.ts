/** Answers carrying personal data (a profile, an export, an author's PDF) are never kept by a cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createUser, sessionCookieFor } from '../../../test/support/factories.ts';

let t: TestApp;
let token: string;
let cookie: string;
let appealId: number;

beforeAll(async () => {
  t = await createTestApp();
  const territoryId = await createMunicipality(t.ctx);
  const category = await t.ctx.db.selectFrom('categories').select('id').executeTakeFirstOrThrow();
  const author = await createUser(t.ctx, { firstName: 'Мария', surname: 'Волкова' });
  token = await apiTokenFor(t.ctx, author);
  cookie = await sessionCookieFor(t.ctx, author);
  const headers = (bearer: string) => ({ authorization: `Bearer ${bearer}` });
  const admin = await createUser(t.ctx, { role: 'admin' });
  const organization = await t.app.inject({
    method: 'POST',
    url: '/api/v1/organizations',
    headers: headers(await apiTokenFor(t.ctx, admin)),
    payload: { name: 'Администрация города (тест)', kind: 'municipal_administration', territoryId, appealEmail: 'mayor@example.test' },
  });
  expect(organization.statusCode).toBe(201);
  const problem = await t.app.inject({
    method: 'POST',
    url: '/api/v1/problems',
    headers: headers(token),
    payload: { title: 'Яма у школы', description: 'Глубокая яма на тротуаре у школы.', categoryId: category.id, territoryId },
  });
  expect(problem.statusCode).toBe(201);
  const appeal = await t.app.inject({
    method: 'POST',
    url: `/api/v1/problems/${problem.json().id}/appeals`,
    headers: headers(token),
    payload: {
      organizationId: organization.json().id,
      title: 'Отремонтируйте тротуар у школы',
      text: 'Просим отремонтировать тротуар у школы: глубокая яма опасна для детей, идущих на уроки.',
    },
  });
  expect(appeal.statusCode).toBe(201);
  appealId = appeal.json().id;
});
afterAll(() => t?.stop());

describe('Cache-Control: no-store on personal answers', () => {
  it.each([
    ['GET', '/api/v1/me', 'application/json'],
    ['GET', '/api/v1/me/tokens', 'application/json'],
    ['GET', '/api/v1/me/export', 'application/json'],
    ['PATCH', '/api/v1/me', 'application/json'],
    ['GET', '/api/v1/appeals/{appeal}/document.pdf', 'application/pdf'],
    ['GET', '/api/v1/appeals/{appeal}', 'application/json'],
  ])('%s %s with a token', async (method, url, type) => {
    const response = await t.app.inject({
      method: method as 'GET' | 'PATCH',
      url: url.replace('{appeal}', String(appealId)),
      headers: { authorization: `Bearer ${token}`, ...(method === 'PATCH' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'PATCH' ? { payload: { locale: 'ru' } } : {}),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain(type);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each(['/account', '/account/tokens', '/account/email', '/appeals/{appeal}', '/appeals/{appeal}/document.pdf'])(
    'the page %s with a session',
    async (url) => {
      const response = await t.app.inject({ method: 'GET', url: url.replace('{appeal}', String(appealId)), headers: { cookie } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
    },
  );

  it('keeps public answers cacheable for everyone', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/categories', headers: { authorization: `Bearer ${token}` } });
    expect(response.headers['cache-control']).toBe('public, max-age=300');
  });
});
