/**
 * Topics administered: an administrator adds one (a bad or taken slug is a field error, nothing written), renames
 * one — the problems of that topic are then found by the new name, not the old — and moves it in the lists; the
 * same over the API; audit-logged; nobody else may.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createProblem, createUser, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { listProblems } from '../problems/problems.service.ts';

let t: TestApp;
let admin: User;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.ctx, { role: 'admin' });
});
afterAll(() => t?.stop());

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const found = async (words: string) => (await listProblems(t.ctx, { search: words, sort: 'new', limit: 50, offset: 0 })).items.map((p) => p.id);

describe('topics', () => {
  it('adds a topic, refuses a bad slug, renames one so its problems are found by the new name', async () => {
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const refused = await page.submit('/admin/categories', '/admin/categories', {
      slug: 'Плохой адрес',
      nameRu: 'Уличные животные',
      nameEn: 'Stray animals',
      position: '',
    });
    expect(refused.status).toBe(422);
    expect(await t.ctx.db.selectFrom('categories').select('id').where('name_ru', '=', 'Уличные животные').execute()).toEqual([]);
    const created = await page.submit('/admin/categories', '/admin/categories', {
      slug: 'stray-animals',
      nameRu: 'Уличные животные',
      nameEn: 'Stray animals',
      position: '',
    });
    expect(created.status).toBe(303);
    expect(textOf((await page.get('/admin/categories')).body)).toContain('Уличные животные');
    const taken = await page.submit('/admin/categories', '/admin/categories', { slug: 'stray-animals', nameRu: 'Другая', nameEn: 'Other', position: '' });
    expect(taken.status).toBe(422);
    expect(textOf(taken.body)).toContain('Такой адрес страницы уже занят.');

    const animals = await t.ctx.db.selectFrom('categories').selectAll().where('slug', '=', 'stray-animals').executeTakeFirstOrThrow();
    const problem = await createProblem(t.ctx, { categoryId: animals.id, title: 'Свалка у реки', description: 'Свалка мусора на берегу реки у моста.' });
    expect(await found('животные')).toContain(problem.id);
    const renamed = await page.submit('/admin/categories/stray-animals/edit', '/admin/categories/stray-animals/edit', {
      nameRu: 'Природа и отходы',
      nameEn: 'Nature and waste',
      position: '2',
    });
    expect(renamed.status).toBe(303);
    expect(await found('природа')).toContain(problem.id);
    expect(await found('животные')).not.toContain(problem.id);
    const row = await t.ctx.db.selectFrom('categories').select(['slug', 'position']).where('id', '=', animals.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ slug: 'stray-animals', position: 2 });
    const actions = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_type', '=', 'category')
      .where('subject_id', '=', String(animals.id))
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['category.create', 'category.update']);
  });

  it('does the same over the API, for administrators only', async () => {
    const token = await apiTokenFor(t.ctx, admin);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/categories',
      headers: { authorization: `Bearer ${token}` },
      payload: { slug: 'digital', nameRu: 'Цифровые услуги', nameEn: 'Digital services' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'digital', nameRu: 'Цифровые услуги' });
    const updated = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/categories/digital',
      headers: { authorization: `Bearer ${token}` },
      payload: { nameRu: 'Госуслуги онлайн', nameEn: 'Online public services', position: 99 },
    });
    expect(updated.json()).toMatchObject({ nameRu: 'Госуслуги онлайн', position: 99 });
    const citizen = await verifiedCitizen(t.ctx);
    const forbidden = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/categories/digital',
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, citizen)}` },
      payload: { nameRu: 'Взлом', nameEn: 'Hack' },
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
