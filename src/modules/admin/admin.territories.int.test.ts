/**
 * Territories corrected by an administrator: a rename reaches the problems' search (the problems of the
 * territory, and of a subject's municipalities), the time zone is the one the territory's organizations count
 * their terms in and shows on the territory's page and the organization's form; bad input is a field error with
 * nothing written; the same over the API; audit-logged; nobody else may.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createOrganization, createProblem, createUser, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { Territory, User } from '../../core/db/schema.ts';
import { seedFederalSubjects, timeZoneOf } from '../territories/territories.service.ts';

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
const territory = (oktmo: string) => t.ctx.db.selectFrom('territories').selectAll().where('oktmo', '=', oktmo).executeTakeFirstOrThrow();
const found = async (words: string, id: number) => (await browser(t.app).get(`/problems?q=${encodeURIComponent(words)}`)).body.includes(`/problems/${id}"`);
const audits = async (id: number) =>
  (await t.ctx.db.selectFrom('audit_log').select('action').where('subject_type', '=', 'territory').where('subject_id', '=', String(id)).execute()).length;

describe('a territory’s form', () => {
  it('renames a municipality so its problems are found by the new name, and sets its own time zone', async () => {
    const problem = await createProblem(t.ctx, { title: 'Яма у остановки', description: 'Глубокая яма у остановки автобуса.' });
    const row = await t.ctx.db.selectFrom('problems').select('territory_id').where('id', '=', problem.id).executeTakeFirstOrThrow();
    const municipality = (await t.ctx.db.selectFrom('territories').selectAll().where('id', '=', row.territory_id).executeTakeFirstOrThrow()) as Territory;
    const organization = await createOrganization(t.ctx, { territoryId: municipality.id });
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const path = `/admin/territories/${municipality.oktmo}/edit`;

    // The territory's page offers the form to an administrator only, and says the zone terms are counted in.
    const publicPage = textOf((await browser(t.app).get(`/territories/${municipality.oktmo}`)).body);
    expect(publicPage).toContain('Часовой пояс (в нём считаются сроки ответа) Europe/Moscow');
    expect(publicPage).not.toContain('Изменить территорию');
    expect(textOf((await page.get(`/territories/${municipality.oktmo}`)).body)).toContain('Изменить территорию');
    const form = await page.get(path);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('Как у субъекта РФ (Europe/Moscow)');

    // Bad input: each a field error, nothing written.
    for (const [values, message] of [
      [{ name: '', nameEn: '', okato: '', timeZone: '' }, 'Заполните это поле.'],
      [{ name: 'Город', nameEn: '', okato: '12ab', timeZone: '' }, 'Код ОКАТО — от 2 до 11 цифр.'],
      [{ name: 'Город', nameEn: '', okato: '', timeZone: 'Europe/Paris' }, 'Недопустимое значение.'],
    ] as const) {
      const refused = await page.submit(path, path, values);
      expect(refused.status).toBe(422);
      expect(textOf(refused.body)).toContain(message);
    }
    expect(await territory(municipality.oktmo)).toEqual(municipality);
    expect(await audits(municipality.id)).toBe(0);

    expect(await found(municipality.name.split(' ')[0]!, problem.id)).toBe(true);
    const saved = await page.submit(path, path, { name: 'Заречный городской округ', nameEn: 'Zarechny', okato: '28401000000', timeZone: 'Asia/Yekaterinburg' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/territories/${municipality.oktmo}`);
    expect(await territory(municipality.oktmo)).toMatchObject({
      name: 'Заречный городской округ',
      name_en: 'Zarechny',
      okato: '28401000000',
      time_zone: 'Asia/Yekaterinburg',
    });
    expect(await found('Заречный', problem.id)).toBe(true);
    expect(await found(municipality.name.split(' ')[0]!, problem.id)).toBe(false);
    // Its organizations count their terms in its zone now, and their form says so.
    expect(await timeZoneOf(t.ctx.db, municipality.id)).toBe('Asia/Yekaterinburg');
    const orgForm = textOf((await page.get(`/admin/organizations/${organization.slug}/edit`)).body);
    expect(orgForm).toContain('Часовой пояс, в котором считаются сроки ответа: Asia/Yekaterinburg — по территории «Заречный городской округ».');
    expect(await audits(municipality.id)).toBe(1);

    // Back to the subject's zone: the empty choice.
    expect((await page.submit(path, path, { name: 'Заречный городской округ', nameEn: '', okato: '', timeZone: '' })).status).toBe(303);
    expect(await territory(municipality.oktmo)).toMatchObject({ name_en: null, okato: null, time_zone: null });
    expect(await timeZoneOf(t.ctx.db, municipality.id)).toBe('Europe/Moscow');
  });

  it('renames a federal subject for its municipalities’ problems too, never leaves a subject without a zone, and answers the API', async () => {
    const problem = await createProblem(t.ctx, { title: 'Сломанная скамейка', description: 'Скамейку в сквере сломали.' });
    const row = await t.ctx.db.selectFrom('problems').select('territory_id').where('id', '=', problem.id).executeTakeFirstOrThrow();
    const municipality = await t.ctx.db.selectFrom('territories').selectAll().where('id', '=', row.territory_id).executeTakeFirstOrThrow();
    const subject = await t.ctx.db.selectFrom('territories').selectAll().where('id', '=', municipality.parent_id!).executeTakeFirstOrThrow();
    const token = await apiTokenFor(t.ctx, admin);
    const put = (body: unknown, bearer = token) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/admin/territories/${subject.oktmo}`,
        headers: { authorization: `Bearer ${bearer}` },
        payload: body as object,
      });

    const noZone = await put({ name: subject.name, timeZone: null });
    expect(noZone.statusCode).toBe(422);
    expect(JSON.parse(noZone.body).error).toMatchObject({ code: 'validation_failed', fields: [{ field: 'timeZone', rule: 'required' }] });
    const citizen = await verifiedCitizen(t.ctx);
    expect((await put({ name: 'Чужое имя', timeZone: 'Europe/Moscow' }, await apiTokenFor(t.ctx, citizen))).statusCode).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/admin/territories/99999999',
          headers: { authorization: `Bearer ${token}` },
          payload: { name: 'Нет такой' },
        })
      ).statusCode,
    ).toBe(404);
    expect(await territory(subject.oktmo)).toEqual(subject);

    const renamed = await put({ name: 'Верхнеозёрская область', nameEn: 'Verkhneozyorsk Oblast', okato: subject.okato, timeZone: 'Europe/Samara' });
    expect(renamed.statusCode).toBe(200);
    expect(JSON.parse(renamed.body)).toEqual({
      oktmo: subject.oktmo,
      name: 'Верхнеозёрская область',
      nameEn: 'Verkhneozyorsk Oblast',
      okato: subject.okato,
      timeZone: 'Europe/Samara',
    });
    // A municipality's problem is found by its region's new name; the municipality keeps the subject's new zone.
    expect(await found('Верхнеозёрская', problem.id)).toBe(true);
    expect(await timeZoneOf(t.ctx.db, municipality.id)).toBe(municipality.time_zone ?? 'Europe/Samara');
    expect(await audits(subject.id)).toBe(1);
    // The start-up seed of the federal subjects (at every start) keeps what the administrator set.
    await seedFederalSubjects(t.ctx.db);
    expect(await territory(subject.oktmo)).toMatchObject({ name: 'Верхнеозёрская область', name_en: 'Verkhneozyorsk Oblast', time_zone: 'Europe/Samara' });
    // Put back for the other tests of this file's app.
    expect((await put({ name: subject.name, nameEn: subject.name_en, okato: subject.okato, timeZone: subject.time_zone })).statusCode).toBe(200);
  });
});
