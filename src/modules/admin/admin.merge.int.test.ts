/**
 * Merging a duplicate organization: its appeals, staff, children, jurisdictions and cabinet move to the survivor,
 * the duplicate is gone, its page and API address redirect to the survivor's for good, its slug is not reused,
 * and the merge is in the audit log with its reason. A survivor that is the duplicate itself or below it is
 * refused with nothing changed; only administrators merge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  apiTokenFor,
  createOrganization,
  createUser,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { saveTemplate } from '../cabinet/cabinet.answers.ts';

let t: TestApp;
let admin: User;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.ctx, { role: 'admin' });
});
afterAll(() => t?.stop());

const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ');

describe('merging organizations', () => {
  it('moves the duplicate’s appeals, staff, children and cabinet to the survivor, and its address redirects there', async () => {
    const survivor = await createOrganization(t.ctx, { name: 'Администрация города Торжка', slug: 'torzhok-administration' });
    const duplicate = await createOrganization(t.ctx, { name: 'Администрация г. Торжок', slug: 'torzhok-admin-duplicate' });
    const child = await createOrganization(t.ctx, { name: 'Управление ЖКХ Торжка', parentId: duplicate.id });
    const { appeal } = await openAppeal(t.ctx, { organization: duplicate, acknowledgeWarnings: true });
    await sign(t.ctx, appeal.id);
    const head = await verifiedCitizen(t.ctx, { surname: 'Главная', firstName: 'Галина' });
    await addMember(t.ctx, duplicate, head, 'head', 'глава');
    await saveTemplate(t.ctx, actorOf(head, { memberships: new Map([[duplicate.id, 'head']]) }), duplicate, null, {
      title: 'Шаблон дубликата',
      body: 'По обращению {номер} сообщаем.',
    });

    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const form = await page.get(`/admin/organizations/${duplicate.slug}/merge`);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('1 обращение');
    expect(textOf(form.body)).toContain('1 подчинённая организация');
    // Step one: the choice is checked and the confirmation page says what will happen; nothing has moved yet.
    const refused = await page.post(`/admin/organizations/${duplicate.slug}/merge`, { into: duplicate.slug, reason: 'Дубль' }, csrfFrom(form.body));
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('нельзя объединить организацию с ней самой');
    const confirmation = await page.post(
      `/admin/organizations/${duplicate.slug}/merge`,
      { into: survivor.slug, reason: 'Одна и та же администрация, заведена дважды.' },
      csrfFrom(form.body),
    );
    expect(confirmation.status).toBe(200);
    expect(textOf(confirmation.body)).toContain('будет удалена');
    expect((await t.ctx.db.selectFrom('appeals').select('organization_id').where('id', '=', appeal.id).executeTakeFirstOrThrow()).organization_id).toBe(
      duplicate.id,
    );
    const merged = await page.post(
      `/admin/organizations/${duplicate.slug}/merge`,
      { into: survivor.slug, reason: 'Одна и та же администрация, заведена дважды.', confirmed: 'yes' },
      csrfFrom(confirmation.body),
    );
    expect(merged.status).toBe(303);
    expect(merged.location).toBe(`/organizations/${survivor.slug}`);

    // Everything is the survivor's now.
    expect(await t.ctx.db.selectFrom('organizations').select('id').where('id', '=', duplicate.id).execute()).toEqual([]);
    expect((await t.ctx.db.selectFrom('appeals').select('organization_id').where('id', '=', appeal.id).executeTakeFirstOrThrow()).organization_id).toBe(
      survivor.id,
    );
    expect((await t.ctx.db.selectFrom('organizations').select('parent_id').where('id', '=', child.id).executeTakeFirstOrThrow()).parent_id).toBe(survivor.id);
    const member = await t.ctx.db.selectFrom('organization_members').select(['organization_id', 'role']).where('user_id', '=', head.id).execute();
    expect(member).toEqual([{ organization_id: survivor.id, role: 'head' }]);
    const templates = await t.ctx.db.selectFrom('answer_templates').select('organization_id').where('title', '=', 'Шаблон дубликата').execute();
    expect(templates).toEqual([{ organization_id: survivor.id }]);
    // The appeal's page names the survivor; the old address leads there, on the site and in the API.
    expect(textOf((await browser(t.app).get(`/appeals/${appeal.id}`)).body)).toContain('Администрация города Торжка');
    const old = await browser(t.app).get(`/organizations/${duplicate.slug}`);
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe(`/organizations/${survivor.slug}`);
    const oldApi = await t.app.inject({ method: 'GET', url: `/api/v1/organizations/${duplicate.slug}` });
    expect(oldApi.statusCode).toBe(301);
    expect(oldApi.headers.location).toBe(`/api/v1/organizations/${survivor.slug}`);
    // Every address under the old slug: its rating over the API and the join page keep their path and query,
    // the cabinet too; a form post is not redirected (it could not be repeated), and a slug never used stays 404.
    // The duplicate's head, now the survivor's: the cabinet asks for a member before it looks for the organization.
    const citizenCookie = await sessionCookieFor(t.ctx, head);
    for (const [path, query] of [
      ['/api/v1/organizations/:slug/rating', '?locale=ru'],
      ['/organizations/:slug/join', '?from=list'],
      ['/cabinet/:slug/oversight', ''],
    ] as const) {
      // Signed in: the join page and the cabinet ask who it is before they look for the organization.
      const old = await t.app.inject({ method: 'GET', url: `${path.replace(':slug', duplicate.slug)}${query}`, headers: { cookie: citizenCookie } });
      expect({ path, status: old.statusCode, location: old.headers.location }).toEqual({
        path,
        status: 301,
        location: `${path.replace(':slug', survivor.slug)}${query}`,
      });
    }
    expect((await t.app.inject({ method: 'POST', url: `/organizations/${duplicate.slug}/join`, payload: {} })).statusCode).not.toBe(301);
    expect((await t.app.inject({ method: 'GET', url: '/organizations/never-existed-slug/join', headers: { cookie: citizenCookie } })).statusCode).toBe(404);
    // The old slug is never given to another organization.
    await expect(createOrganization(t.ctx, { name: 'Другая', slug: duplicate.slug })).rejects.toMatchObject({ code: 'validation_failed' });
    const entry = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'organization.merge')
      .where('subject_id', '=', String(survivor.id))
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(admin.id);
    expect(entry.details).toMatchObject({ reason: 'Одна и та же администрация, заведена дважды.', duplicate: { slug: duplicate.slug }, movedAppeals: 1 });

    // Merged again later, the first redirect follows to the last survivor.
    const last = await createOrganization(t.ctx, { name: 'Администрация Торжокского округа', slug: 'torzhok-okrug' });
    const api = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/organizations/${survivor.slug}/merge`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, admin)}` },
      payload: { into: last.slug, reason: 'Округ объединил город и район.' },
    });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toEqual({ slug: last.slug, movedAppeals: 1 });
    expect((await browser(t.app).get(`/organizations/${duplicate.slug}`)).headers.location).toBe(`/organizations/${last.slug}`);
  });

  it('refuses a survivor below the duplicate and a non-administrator, with nothing changed', async () => {
    const parent = await createOrganization(t.ctx, { name: 'Министерство (дубликат)' });
    const middle = await createOrganization(t.ctx, { name: 'Департамент', parentId: parent.id });
    const grandchild = await createOrganization(t.ctx, { name: 'Отдел', parentId: middle.id });
    const token = await apiTokenFor(t.ctx, admin);
    const below = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/organizations/${parent.slug}/merge`,
      headers: { authorization: `Bearer ${token}` },
      payload: { into: grandchild.slug, reason: 'Проверка.' },
    });
    expect(below.statusCode).toBe(422);
    expect(below.json().error.fields[0]).toMatchObject({ field: 'into', rule: 'mergeIntoDescendant' });
    // A direct child may survive: it takes the duplicate's place under the duplicate's parent.
    const citizen = await verifiedCitizen(t.ctx);
    const forbidden = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/organizations/${parent.slug}/merge`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, citizen)}` },
      payload: { into: middle.slug, reason: 'Проверка.' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(await t.ctx.db.selectFrom('organizations').select('id').where('id', '=', parent.id).execute()).toHaveLength(1);
    const direct = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/organizations/${parent.slug}/merge`,
      headers: { authorization: `Bearer ${token}` },
      payload: { into: middle.slug, reason: 'Министерство заведено по ошибке.' },
    });
    expect(direct.statusCode).toBe(200);
    const rows = await t.ctx.db.selectFrom('organizations').select(['id', 'parent_id']).where('id', 'in', [middle.id, grandchild.id]).orderBy('id').execute();
    expect(rows).toEqual([
      { id: middle.id, parent_id: parent.parent_id },
      { id: grandchild.id, parent_id: middle.id },
    ]);
  });

  it('takes two merges of one pair in opposite directions one after the other: one merges, the other finds nothing (never a 500)', async () => {
    const token = await apiTokenFor(t.ctx, admin);
    for (let round = 0; round < 3; round++) {
      const a = await createOrganization(t.ctx, { name: `Администрация А (${round})` });
      const b = await createOrganization(t.ctx, { name: `Администрация Б (${round})` });
      const merge = (from: string, into: string) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/admin/organizations/${from}/merge`,
          headers: { authorization: `Bearer ${token}` },
          payload: { into, reason: 'Дубликаты друг друга.' },
        });
      const statuses = (await Promise.all([merge(a.slug, b.slug), merge(b.slug, a.slug)])).map((response) => response.statusCode).sort();
      // The second finds its duplicate merged away (404), or its survivor gone (422 unknownOrganization).
      expect([
        [200, 404],
        [200, 422],
      ]).toContainEqual(statuses);
      const left = await t.ctx.db.selectFrom('organizations').select('id').where('id', 'in', [a.id, b.id]).execute();
      expect(left).toHaveLength(1);
    }
  });
});
