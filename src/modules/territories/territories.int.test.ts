import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createProblem, createUser, sessionCookieFor } from '../../../test/support/factories.ts';
import { type Browser, browser, csrfFrom } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { dataDir } from './territories.service.ts';

let t: TestApp;
let admin: User;
let adminToken: string;
let citizenToken: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.ctx, { role: 'admin' });
  adminToken = await apiTokenFor(t.ctx, admin);
  citizenToken = await apiTokenFor(t.ctx, await createUser(t.ctx, { role: 'citizen' }));
});
afterAll(() => t?.stop());

const tverCsv = readFileSync(path.join(dataDir, 'municipalities-tver.csv'), 'utf8');
const tverRows = tverCsv.trim().split('\n').length - 1;
const subjectsCsv = readFileSync(path.join(dataDir, 'federal-subjects.csv'), 'utf8');
const header = 'region_oktmo,oktmo,okato,name,kind';

function csv(...rows: string[]): string {
  return `${[header, ...rows].join('\n')}\n`;
}

async function importCsv(body: string, token: string | null = adminToken) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/territories/import',
    headers: { 'content-type': 'text/csv; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: body,
  });
  return { status: response.statusCode, json: response.json() };
}

async function getJson(url: string) {
  const response = await t.app.inject({ method: 'GET', url });
  return { status: response.statusCode, json: response.json() };
}

async function municipalitiesOf(regionOktmo: string) {
  return t.ctx.db
    .selectFrom('territories as m')
    .innerJoin('territories as r', 'r.id', 'm.parent_id')
    .select(['m.oktmo', 'm.name', 'm.okato', 'm.kind'])
    .where('r.oktmo', '=', regionOktmo)
    .orderBy('m.oktmo')
    .execute();
}

/** Posts a CSV through the admin form as a browser does: multipart/form-data with the page's CSRF token. */
async function upload(visitor: Browser, content: string, filename = 'municipalities.csv') {
  const page = await visitor.get('/admin/territories/import');
  expect(page.status).toBe(200);
  const boundary = `----democrator${randomBytes(8).toString('hex')}`;
  const body = [
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.body)}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  const response = await t.app.inject({
    method: 'POST',
    url: '/admin/territories/import',
    headers: {
      cookie: [...visitor.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    payload: Buffer.from(body, 'utf8'),
  });
  return { status: response.statusCode, body: response.body };
}

/** The HTML of one federal district's card on /territories. */
function districtCard(html: string, district: string): string {
  const start = html.indexOf(`id="fd-${district}"`);
  if (start < 0) throw new Error(`no card for ${district}`);
  return html.slice(start, html.indexOf('</section>', start));
}

const subjectLinks = (html: string) => [...html.matchAll(/href="\/territories\/(\d{8})"/g)].map((m) => m[1]);

describe('federal subjects', () => {
  it('lists the 89 subjects on /territories, each under its federal district', async () => {
    const page = await browser(t.app).get('/territories');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="ru">');
    expect(page.body).toContain('89 субъектов Российской Федерации по федеральным округам.');
    expect(new Set(subjectLinks(page.body)).size).toBe(89);

    const expected = new Map<string, string[]>();
    for (const line of subjectsCsv.trim().split('\n').slice(1)) {
      const [, oktmo = '', , , , , district = ''] = line.split(',');
      expected.set(district, [...(expected.get(district) ?? []), oktmo]);
    }
    const headings: Record<string, string> = {
      central: 'Центральный федеральный округ',
      northwestern: 'Северо-Западный федеральный округ',
      southern: 'Южный федеральный округ',
      north_caucasian: 'Северо-Кавказский федеральный округ',
      volga: 'Приволжский федеральный округ',
      ural: 'Уральский федеральный округ',
      siberian: 'Сибирский федеральный округ',
      far_eastern: 'Дальневосточный федеральный округ',
    };
    expect([...expected.keys()].sort()).toEqual(Object.keys(headings).sort());
    for (const [district, heading] of Object.entries(headings)) {
      const card = districtCard(page.body, district);
      expect(card).toContain(heading);
      expect(subjectLinks(card).sort()).toEqual((expected.get(district) ?? []).sort());
    }
    expect(districtCard(page.body, 'central')).toContain('>Тверская область</a>');
    expect(districtCard(page.body, 'far_eastern')).toContain('>Приморский край</a>');
  });

  it('lists them through the API page by page, and filters by level', async () => {
    await createMunicipality(t.ctx, '78000000', '78701000', 'город Ярославль');

    const first = await getJson('/api/v1/territories?level=federal_subject&perPage=50');
    const second = await getJson('/api/v1/territories?level=federal_subject&perPage=50&page=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ total: 89, page: 1, perPage: 50 });
    expect(second.json).toMatchObject({ total: 89, page: 2, perPage: 50 });
    expect(first.json.items).toHaveLength(50);
    expect(second.json.items).toHaveLength(39);
    const all = [...first.json.items, ...second.json.items];
    expect(new Set(all.map((i: { oktmo: string }) => i.oktmo)).size).toBe(89);
    expect(all.every((i: { level: string; parentId: number | null }) => i.level === 'federal_subject' && i.parentId === null)).toBe(true);
    expect(all.find((i: { oktmo: string }) => i.oktmo === '28000000')).toMatchObject({
      name: 'Тверская область',
      nameEn: 'Tver Oblast',
      kind: 'oblast',
      okato: '28',
      iso: 'RU-TVE',
      federalDistrict: 'central',
    });
    expect(all.find((i: { oktmo: string }) => i.oktmo === '35000000')).toMatchObject({ name: 'Республика Крым', iso: null });

    const municipalities = await getJson('/api/v1/territories?level=municipality&perPage=200');
    expect(municipalities.json.items.length).toBeGreaterThan(0);
    expect(municipalities.json.items.every((i: { level: string }) => i.level === 'municipality')).toBe(true);
    expect(municipalities.json.items.map((i: { oktmo: string }) => i.oktmo)).toContain('78701000');
    expect(all.map((i: { oktmo: string }) => i.oktmo)).not.toContain('78701000');

    const searched = await getJson(`/api/v1/territories?level=federal_subject&q=${encodeURIComponent('тверская')}`);
    expect(searched.json.items.map((i: { oktmo: string }) => i.oktmo)).toEqual(['28000000']);

    const tooMany = await getJson('/api/v1/territories?perPage=500');
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.error.code).toBe('validation_failed');
  });

  it('shows a subject page with its codes and federal district', async () => {
    const page = await browser(t.app).get('/territories/28000000');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Тверская область</h1>');
    // The kind and the federal district under the name; the codes after the content, for those who need them.
    expect(page.body).toContain('<p class="lead territory-kind">область · Центральный федеральный округ</p>');
    expect(page.body).toContain('<code>28000000</code>');
    expect(page.body).toContain('<code>28</code>');
    expect(page.body).toContain('<code>RU-TVE</code>');
    expect(page.body.indexOf('<h2 id="codes-title">Коды территории</h2>')).toBeGreaterThan(page.body.indexOf('id="organizations-title"'));
  });
});

describe('territory by OKTMO', () => {
  it('shows a region with its imported municipalities, and a municipality with its codes', async () => {
    expect((await importCsv(tverCsv)).status).toBe(200);

    const region = await browser(t.app).get('/territories/28000000');
    expect(region.body).toContain(`${tverRows} муниципальных образований`);
    expect(region.body).toContain('<a href="/territories/28701000">город Тверь</a>');
    expect(region.body).toContain('<a href="/territories/28520000">Калининский муниципальный округ</a>');

    const index = await browser(t.app).get('/territories');
    expect(index.body).toMatch(new RegExp(`>Тверская область</a><span class="muted"> · ${tverRows} муниципалитетов</span>`));

    const city = await browser(t.app).get('/territories/28701000');
    expect(city.status).toBe(200);
    expect(city.body).toContain('<h1>город Тверь</h1>');
    expect(city.body).toContain('<p class="lead territory-kind">городской округ</p>');
    expect(city.body).toContain('<code>28701000</code>');
    expect(city.body).toContain('<code>28401000000</code>');
    expect(city.body).toContain('<a href="/territories/28000000">Тверская область</a>');

    const api = await getJson('/api/v1/territories/28701000');
    expect(api.status).toBe(200);
    expect(api.json.territory).toMatchObject({ oktmo: '28701000', okato: '28401000000', name: 'город Тверь', level: 'municipality', kind: 'urban_okrug' });
    expect(api.json.parent).toMatchObject({ oktmo: '28000000', name: 'Тверская область' });
    expect(api.json.children).toEqual([]);

    const withChildren = await getJson('/api/v1/territories/28000000');
    expect(withChildren.json.children).toHaveLength(tverRows);
    const byParent = await getJson('/api/v1/territories?parent=28000000&perPage=200');
    expect(byParent.json.total).toBe(tverRows);
  });

  it('answers an unknown or malformed OKTMO with a Russian 404 page, and not_found in the API', async () => {
    for (const oktmo of ['13000000', '28701999', 'abc', '2800000', '280000001']) {
      const page = await browser(t.app).get(`/territories/${oktmo}`);
      expect(page.status, oktmo).toBe(404);
      expect(page.body).toContain('<html lang="ru">');
      expect(page.body).toContain('Страница не найдена.');
    }

    const unknown = await getJson('/api/v1/territories/13000000');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: { code: 'not_found', message: 'Страница не найдена.' } });
    // A code that cannot be an OKTMO fails the route's documented parameter pattern.
    const malformed = await getJson('/api/v1/territories/abc');
    expect(malformed.status).toBe(422);
    expect(malformed.json.error).toMatchObject({ code: 'validation_failed', fields: [expect.objectContaining({ field: 'oktmo' })] });
    const unknownParent = await getJson('/api/v1/territories?parent=13000000');
    expect(unknownParent.status).toBe(404);
  });
});

describe('importing municipalities through the API', () => {
  it('creates the rows and reports counts; a re-import updates instead of duplicating', async () => {
    await t.ctx.db.deleteFrom('territories').where('level', '=', 'municipality').where('oktmo', 'like', '28%').execute();

    const first = await importCsv(tverCsv);
    expect(first).toEqual({ status: 200, json: { created: tverRows, updated: 0 } });
    const rows = await municipalitiesOf('28000000');
    expect(rows).toHaveLength(tverRows);
    expect(rows.find((r) => r.oktmo === '28701000')).toEqual({ oktmo: '28701000', name: 'город Тверь', okato: '28401000000', kind: 'urban_okrug' });
    expect(rows.find((r) => r.oktmo === '28504000')?.okato).toBeNull();

    // A problem in the city is found by the city's name as the import leaves it.
    const city = await t.ctx.db.selectFrom('territories').select('id').where('oktmo', '=', '28701000').executeTakeFirstOrThrow();
    const problem = await createProblem(t.ctx, {
      territoryId: city.id,
      title: 'Сломан светофор',
      description: 'Светофор на перекрёстке не работает третий день.',
    });
    const found = async (words: string) => (await browser(t.app).get(`/problems?q=${encodeURIComponent(words)}`)).body.includes(`/problems/${problem.id}"`);
    expect(await found('городской округ')).toBe(false);

    const renamed = tverCsv.replace(
      '28000000,28701000,28401000000,город Тверь,urban_okrug',
      '28000000,28701000,28401000000,городской округ город Тверь,urban_okrug',
    );
    const second = await importCsv(renamed);
    expect(second).toEqual({ status: 200, json: { created: 0, updated: tverRows } });
    const after = await municipalitiesOf('28000000');
    expect(after).toHaveLength(tverRows);
    expect(after.find((r) => r.oktmo === '28701000')?.name).toBe('городской округ город Тверь');
    expect(await found('городской округ')).toBe(true);

    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('action', '=', 'territories.import_municipalities')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: admin.id, details: { created: 0, updated: tverRows } });

    await importCsv(tverCsv);
  });

  it('writes nothing when one row is bad, and reports every problem with its line', async () => {
    const before = await municipalitiesOf('28000000');
    const response = await importCsv(
      csv(
        '58000000,58701000,58401000000,город Псков,urban_okrug',
        '58000000,58710000,58410000000,город Великие Луки,village',
        '58000000,5870,,Печоры,municipal_okrug',
        '28000000,28701000,28401000000,Переименованная Тверь,urban_okrug',
      ),
    );
    expect(response.status).toBe(422);
    expect(response.json.error).toEqual({
      code: 'import_failed',
      details: { count: 2 },
      message: 'Файл не загружен: 2 ошибки.',
      fields: [
        { field: 'line 3: kind', rule: 'notAllowed', message: 'Недопустимое значение.' },
        { field: 'line 4: oktmo', rule: 'oktmo', message: 'Код ОКТМО — 8 или 11 цифр.' },
      ],
    });
    expect(await municipalitiesOf('58000000')).toEqual([]);
    expect(await municipalitiesOf('28000000')).toEqual(before);
  });

  it('reports a region_oktmo that names no federal subject, and writes nothing', async () => {
    const response = await importCsv(
      csv('58000000,58701000,58401000000,город Псков,urban_okrug', '13000000,13701000,,город Нигде,urban_okrug', '28000000,28701001,,Тверь-2,urban_okrug'),
    );
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe('import_failed');
    expect(response.json.error.message).toBe('Файл не загружен: 1 ошибка.');
    expect(response.json.error.fields).toEqual([{ field: 'line 3: region_oktmo', rule: 'unknownRegion', message: 'Регион с ОКТМО 13000000 не найден.' }]);
    expect(await municipalitiesOf('58000000')).toEqual([]);
    expect(await t.ctx.db.selectFrom('territories').select('id').where('oktmo', '=', '28701001').executeTakeFirst()).toBeUndefined();

    // A municipality is not a region either.
    const notARegion = await importCsv(csv('28701000,28701500,,Заволжский район,municipal_district'));
    expect(notARegion.status).toBe(422);
    expect(notARegion.json.error.fields).toEqual([{ field: 'line 2: region_oktmo', rule: 'unknownRegion', message: 'Регион с ОКТМО 28701000 не найден.' }]);
  });

  it('refuses a row whose OKTMO is a federal subject, leaving the subject as it was', async () => {
    // A likely mistake: the region's own row left at the top of its municipalities file.
    const response = await importCsv(csv('28000000,28000000,,Тверь,urban_okrug', '28000000,28999000,,Новый округ,municipal_okrug'));
    const subject = await t.ctx.db.selectFrom('territories').selectAll().where('oktmo', '=', '28000000').executeTakeFirstOrThrow();
    expect(subject).toMatchObject({ level: 'federal_subject', kind: 'oblast', name: 'Тверская область', okato: '28', parent_id: null });
    expect(await t.ctx.db.selectFrom('territories').select('id').where('oktmo', '=', '28999000').executeTakeFirst()).toBeUndefined();
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe('import_failed');
    expect(response.json.error.fields).toEqual([expect.objectContaining({ field: 'line 2: oktmo' })]);
  });

  it('refuses a file without the documented columns, and an empty file', async () => {
    const wrongHeader = await importCsv('oktmo,name\n58701000,город Псков\n');
    expect(wrongHeader.status).toBe(422);
    expect(wrongHeader.json.error.fields).toEqual([
      { field: 'line 1: header', rule: 'csvColumns', message: 'В файле нет столбцов: region_oktmo, okato, kind.' },
    ]);
    const empty = await importCsv(csv());
    expect(empty.status).toBe(422);
    expect(empty.json.error.fields).toEqual([{ field: 'line 1: file', rule: 'csvEmpty', message: 'В файле нет строк с данными.' }]);
  });

  it('answers a citizen with 403 and an anonymous client with 401, writing nothing', async () => {
    const file = csv('58000000,58701000,58401000000,город Псков,urban_okrug');
    const citizen = await importCsv(file, citizenToken);
    expect(citizen.status).toBe(403);
    expect(citizen.json.error).toEqual({ code: 'forbidden', message: 'Недостаточно прав для этого действия.' });
    const anonymous = await importCsv(file, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error).toEqual({ code: 'unauthenticated', message: 'Войдите, чтобы продолжить.' });
    expect(await municipalitiesOf('58000000')).toEqual([]);
  });
});

describe('importing municipalities through the admin upload form', () => {
  it('imports an uploaded file and shows how many rows were added and updated', async () => {
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const page = await visitor.get('/admin/territories/import');
    expect(page.body).toContain('<h1>Импорт муниципальных образований</h1>');
    expect(page.body).toContain('enctype="multipart/form-data"');

    const file = csv('66000000,66701000,66401000000,город Смоленск,urban_okrug', '66000000,66605000,,Вяземский район,municipal_district');
    const response = await upload(visitor, file);
    expect(response.status).toBe(200);
    expect(response.body).toContain('Готово: добавлено 2, обновлено 0.');
    expect((await municipalitiesOf('66000000')).map((r) => r.name)).toEqual(['Вяземский район', 'город Смоленск']);

    const again = await upload(visitor, file.replace('Вяземский район', 'Вяземский муниципальный район'));
    expect(again.status).toBe(200);
    expect(again.body).toContain('Готово: добавлено 0, обновлено 2.');
    expect((await municipalitiesOf('66000000')).map((r) => r.name)).toEqual(['Вяземский муниципальный район', 'город Смоленск']);
  });

  it('shows the problems of a bad file in a table, with status 422, and writes nothing', async () => {
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const response = await upload(visitor, csv('49000000,49701000,49401000000,Великий Новгород,urban_okrug', '49000000,49610000,,Боровичский район,district'));
    expect(response.status).toBe(422);
    expect(response.body).toContain('Файл не загружен: 1 ошибка.');
    expect(response.body).toContain('<caption>Ошибки в файле</caption>');
    expect(response.body).toMatch(/<tr><td>3<\/td><td><code>kind<\/code><\/td><td>Недопустимое значение\.<\/td><\/tr>/);
    expect(response.body).not.toContain('Готово:');
    expect(await municipalitiesOf('49000000')).toEqual([]);
  });

  it('lets neither a citizen nor a forged form import', async () => {
    const citizen = browser(t.app, await sessionCookieFor(t.ctx, await createUser(t.ctx)));
    const page = await citizen.get('/admin/territories/import');
    expect(page.status).toBe(403);
    expect(page.body).toContain('Недостаточно прав для этого действия.');

    const anonymous = await browser(t.app).get('/admin/territories/import');
    expect(anonymous.status).toBe(401);

    const forged = await t.app.inject({
      method: 'POST',
      url: '/admin/territories/import',
      headers: { cookie: await sessionCookieFor(t.ctx, admin), 'content-type': 'multipart/form-data; boundary=x' },
      payload: `--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n${csv('49000000,49701000,,Великий Новгород,urban_okrug')}\r\n--x--\r\n`,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('Форма устарела');
    expect(await municipalitiesOf('49000000')).toEqual([]);
  });
});
