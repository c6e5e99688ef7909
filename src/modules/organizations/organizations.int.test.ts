import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  apiTokenFor,
  createOrganization as createOrganizationFactory,
  createUser,
  openAppeal,
  sessionCookieFor,
  territoryId,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom, formFields } from '../../../test/support/http.ts';
import { dataDir, importMunicipalities } from '../territories/territories.service.ts';
import { suggestAddressees } from './organizations.service.ts';

let t: TestApp;
let adminToken: string;
let adminCookie: string;
let citizenToken: string;
let citizenCookie: string;
/** Territory ids by OKTMO. */
const place: Record<string, number> = {};
/** Category ids by slug. */
const category: Record<string, number> = {};

const municipalities = [
  'region_oktmo,oktmo,okato,name,kind',
  '49000000,49701000,49401000000,Великий Новгород,urban_okrug',
  '49000000,49606000,,Боровичский муниципальный район,municipal_district',
  '58000000,58701000,58401000000,город Псков,urban_okrug',
  '66000000,66701000,66401000000,город Смоленск,urban_okrug',
  '66000000,66605000,,Вяземский муниципальный район,municipal_district',
].join('\n');

beforeAll(async () => {
  t = await createTestApp();
  for (const csv of [readFileSync(path.join(dataDir, 'municipalities-tver.csv'), 'utf8'), municipalities]) {
    const result = await importMunicipalities(t.ctx, csv, { actorId: null, renamed: t.ctx.ports.territories.placesRenamed });
    expect(result.problems).toEqual([]);
  }
  for (const oktmo of ['28000000', '28701000', '28520000', '49000000', '49701000', '49606000', '58000000', '58701000', '66000000', '66701000', '66605000']) {
    place[oktmo] = await territoryId(t.ctx, oktmo);
  }
  for (const row of await t.ctx.db.selectFrom('categories').select(['id', 'slug']).execute()) category[row.slug] = row.id;
  const admin = await createUser(t.ctx, { role: 'admin' });
  const citizen = await createUser(t.ctx, { role: 'citizen' });
  adminToken = await apiTokenFor(t.ctx, admin);
  adminCookie = await sessionCookieFor(t.ctx, admin);
  citizenToken = await apiTokenFor(t.ctx, citizen);
  citizenCookie = await sessionCookieFor(t.ctx, citizen);
});
afterAll(() => t?.stop());

interface OrganizationJson {
  id: number;
  slug: string;
  name: string;
  kind: string;
  parentId: number | null;
  territoryId: number;
  appealEmail: string | null;
  appealThreshold: number;
}
interface JurisdictionJson {
  territoryId: number;
  oktmo: string;
  categoryIds: number[];
}
interface DetailsJson {
  organization: OrganizationJson;
  jurisdictions: JurisdictionJson[];
}
interface ErrorJson {
  error: { code: string; message: string; fields?: { field: string; rule: string; message: string }[] };
}
/** What the routes of this module answer: an organization, its details, a page of them, or an error. */
type Body = OrganizationJson & DetailsJson & ErrorJson & { items: OrganizationJson[]; total: number };

async function api<T = Body>(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: { token?: string | null; payload?: object } = {},
): Promise<{ status: number; json: T }> {
  const token = options.token === undefined ? adminToken : options.token;
  const response = await t.app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(options.payload ? { payload: options.payload } : {}),
  });
  return { status: response.statusCode, json: response.json() as T };
}

async function createOrganization(body: Record<string, unknown>): Promise<OrganizationJson> {
  const response = await api<OrganizationJson>('POST', '/api/v1/organizations', { payload: body });
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json;
}

async function organizationNamed(name: string) {
  return t.ctx.db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
}

async function organizationCount(): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const names = (items: { name: string }[]) => items.map((i) => i.name).sort();
const slugs = (items: { slug: string }[]) => items.map((i) => i.slug);

describe('creating organizations through the API', () => {
  it('lets an admin create one with its jurisdictions (201) and reads it back', async () => {
    const response = await api('POST', '/api/v1/organizations', {
      payload: {
        name: 'Администрация города Твери',
        kind: 'municipal_administration',
        territoryId: place['28701000'],
        appealEmail: 'Priemnaya@Tver.test',
        postalAddress: '170100, г. Тверь, ул. Советская, д. 11',
        website: 'https://www.tver.ru',
        appealThreshold: 100,
        jurisdictions: [
          { territoryId: place['28701000'], categoryIds: [] },
          { territoryId: place['28520000'], categoryIds: [category.roads, category.housing] },
        ],
      },
    });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({
      slug: 'administratsiya-goroda-tveri',
      name: 'Администрация города Твери',
      kind: 'municipal_administration',
      territoryId: place['28701000'],
      parentId: null,
      appealEmail: 'priemnaya@tver.test',
      website: 'https://www.tver.ru',
      appealThreshold: 100,
    });

    const read = await api('GET', '/api/v1/organizations/administratsiya-goroda-tveri', { token: null });
    expect(read.status).toBe(200);
    const jurisdictions = [...read.json.jurisdictions].sort((a, b) => a.territoryId - b.territoryId);
    const expected = [
      { territoryId: place['28701000'], oktmo: '28701000', categoryIds: [] },
      { territoryId: place['28520000'], oktmo: '28520000', categoryIds: [category.housing, category.roads] },
    ].sort((a, b) => (a.territoryId ?? 0) - (b.territoryId ?? 0));
    expect(jurisdictions).toEqual(expected);
  });

  it('makes the slug from the Russian name, and unique with -2, -3 on collision', async () => {
    const body = { name: 'Тверская городская Дума', kind: 'legislative_body', territoryId: place['28701000'] };
    const first = await createOrganization(body);
    const second = await createOrganization(body);
    const third = await createOrganization({ ...body, territoryId: place['28000000'] });
    expect([first.slug, second.slug, third.slug]).toEqual(['tverskaya-gorodskaya-duma', 'tverskaya-gorodskaya-duma-2', 'tverskaya-gorodskaya-duma-3']);
    expect(first.appealThreshold).toBe(50);

    const explicit = await api('POST', '/api/v1/organizations', { payload: { ...body, slug: 'tverskaya-gorodskaya-duma' } });
    expect(explicit.status).toBe(422);
    expect(explicit.json.error.fields).toEqual([{ field: 'slug', rule: 'slugTaken', message: 'Такой адрес страницы уже занят.' }]);
    expect((await api('GET', '/api/v1/organizations/tverskaya-gorodskaya-duma-3')).json.organization.territoryId).toBe(place['28000000']);
  });

  it('lists the 12 categories', async () => {
    const response = await api<{ id: number; slug: string; nameRu: string; nameEn: string }[]>('GET', '/api/v1/categories', { token: null });
    expect(response.status).toBe(200);
    expect(response.json.map((c) => c.slug)).toEqual([
      'housing',
      'roads',
      'transport',
      'urban-improvement',
      'ecology',
      'education',
      'healthcare',
      'safety',
      'social-support',
      'culture-sport',
      'construction',
      'other',
    ]);
    expect(response.json[0]).toEqual({ id: category.housing, slug: 'housing', nameRu: 'ЖКХ', nameEn: 'Housing and utilities' });
  });
});

describe('validation', () => {
  const valid = () => ({ name: 'Контрольно-счётная палата Тверской области', kind: 'regional_body', territoryId: place['28000000'] });

  it.each([
    ['a bad e-mail', { appealEmail: 'palata@' }, { field: 'appealEmail', rule: 'email', message: 'Введите адрес почты в виде name@example.ru.' }],
    ['an unknown territory', { territoryId: 999_999 }, { field: 'territoryId', rule: 'unknownTerritory', message: 'Такой территории нет.' }],
    ['a threshold of 0', { appealThreshold: 0 }, { field: 'appealThreshold', rule: 'outOfRange', message: 'Значение вне допустимых пределов.' }],
    ['an unknown parent', { parentId: 999_999 }, { field: 'parentId', rule: 'unknownOrganization', message: 'Такой организации нет.' }],
    [
      'a jurisdiction on an unknown territory',
      { jurisdictions: [{ territoryId: 999_999, categoryIds: [] }] },
      { field: 'jurisdictions', rule: 'unknownTerritory', message: 'Такой территории нет.' },
    ],
    [
      'a website that is not http(s)',
      { website: 'javascript:alert(1)' },
      { field: 'website', rule: 'url', message: 'Введите адрес сайта, начиная с https://.' },
    ],
  ])('refuses %s with 422 naming the field, and writes nothing', async (_label, change, problem) => {
    const before = await organizationCount();
    const response = await api('POST', '/api/v1/organizations', { payload: { ...valid(), ...change } });
    expect(response.status).toBe(422);
    expect(response.json.error).toEqual({ code: 'validation_failed', message: 'Проверьте введённые данные.', fields: [problem] });
    expect(await organizationCount()).toBe(before);
    expect(await organizationNamed(valid().name)).toBeUndefined();
  });

  it('refuses a parent that would close a loop in the hierarchy on update', async () => {
    const government = await createOrganization({ name: 'Правительство Тверской области', kind: 'regional_body', territoryId: place['28000000'] });
    const ministry = await createOrganization({
      name: 'Министерство транспорта Тверской области',
      kind: 'regional_body',
      territoryId: place['28000000'],
      parentId: government.id,
    });
    const office = await createOrganization({
      name: 'Дорожный отдел министерства транспорта',
      kind: 'regional_body',
      territoryId: place['28000000'],
      parentId: ministry.id,
    });
    const replace = (o: OrganizationJson, parentId: number | null) => ({ name: o.name, kind: o.kind, territoryId: o.territoryId, parentId });
    const cycle = { field: 'parentId', rule: 'hierarchyCycle', message: 'Организация не может подчиняться сама себе, даже через другие.' };

    const loop = await api('PUT', `/api/v1/organizations/${government.slug}`, { payload: replace(government, office.id) });
    expect(loop.status).toBe(422);
    expect(loop.json.error.fields).toEqual([cycle]);
    const itself = await api('PUT', `/api/v1/organizations/${ministry.slug}`, { payload: replace(ministry, ministry.id) });
    expect(itself.status).toBe(422);
    expect(itself.json.error.fields).toEqual([cycle]);
    expect((await organizationNamed(government.name))?.parent_id).toBeNull();
    expect((await organizationNamed(ministry.name))?.parent_id).toBe(government.id);

    const moved = await api('PUT', `/api/v1/organizations/${office.slug}`, { payload: replace(office, government.id) });
    expect(moved.status).toBe(200);
    expect(moved.json.parentId).toBe(government.id);
  });
});

describe('who may manage organizations', () => {
  it('answers a citizen with 403 and an anonymous client with 401 in the API, writing nothing', async () => {
    const body = { name: 'Общественная палата Тверской области', kind: 'ngo', territoryId: place['28000000'] };
    const citizen = await api('POST', '/api/v1/organizations', { token: citizenToken, payload: body });
    expect(citizen.status).toBe(403);
    expect(citizen.json.error).toEqual({ code: 'forbidden', message: 'Недостаточно прав для этого действия.' });
    const anonymous = await api('POST', '/api/v1/organizations', { token: null, payload: body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error).toEqual({ code: 'unauthenticated', message: 'Войдите, чтобы продолжить.' });
    expect(await organizationNamed(body.name)).toBeUndefined();

    const existing = await createOrganization({ name: 'Избирательная комиссия Тверской области', kind: 'regional_body', territoryId: place['28000000'] });
    const renamed = { name: 'Переименовано', kind: 'regional_body', territoryId: place['28000000'] };
    expect((await api('PUT', `/api/v1/organizations/${existing.slug}`, { token: citizenToken, payload: renamed })).status).toBe(403);
    expect((await api('PUT', `/api/v1/organizations/${existing.slug}`, { token: null, payload: renamed })).status).toBe(401);
    expect((await organizationNamed(existing.name))?.id).toBe(existing.id);
  });

  it('keeps the admin forms from anonymous visitors (401) and citizens (403), even with a valid form token', async () => {
    const anonymous = await browser(t.app).get('/admin/organizations/new');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toContain('Войдите, чтобы продолжить.');

    const citizen = browser(t.app, citizenCookie);
    expect((await citizen.get('/admin/organizations/new')).status).toBe(403);
    const anyPage = await citizen.get('/organizations');
    const posted = await citizen.post(
      '/admin/organizations/new',
      { name: 'Самозваный орган', kind: 'ngo', territoryId: String(place['28000000']) },
      csrfFrom(anyPage.body),
    );
    expect(posted.status).toBe(403);
    expect(posted.body).toContain('Недостаточно прав для этого действия.');
    expect(await organizationNamed('Самозваный орган')).toBeUndefined();
  });
});

describe('the admin form without JavaScript', () => {
  it('creates an organization and redirects to its page (303)', async () => {
    const parent = await createOrganization({ name: 'Администрация Тверской области (форма)', kind: 'regional_body', territoryId: place['28000000'] });
    const visitor = browser(t.app, adminCookie);
    const form = await visitor.get('/admin/organizations/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('<optgroup label="Тверская область">');

    const response = await visitor.post(
      '/admin/organizations/new',
      {
        name: 'Управление ЖКХ администрации города Твери',
        slug: '',
        kind: 'municipal_administration',
        territoryId: String(place['28701000']),
        parentId: String(parent.id),
        appealEmail: 'gkh@tver.test',
        postalAddress: '',
        website: '',
        appealThreshold: '3',
        description: 'Содержание жилого фонда и благоустройство.',
        jurisdiction0Territory: String(place['28701000']),
        jurisdiction0Categories: [String(category.housing), String(category['urban-improvement'])],
        jurisdiction1Territory: '',
      },
      csrfFrom(form.body),
    );
    expect(response.status).toBe(303);
    expect(response.location).toBe('/organizations/upravlenie-zhkkh-administratsii-goroda-tveri');

    const page = await visitor.get(response.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Организация сохранена.');
    expect(page.body).toContain('<h1>Управление ЖКХ администрации города Твери</h1>');
    expect(page.body).toContain('<dd>3 подписи</dd>');
    expect(page.body).toContain(`<a href="/organizations/${parent.slug}">Администрация Тверской области (форма)</a>`);
    expect(page.body).toContain('<a href="/territories/28701000">город Тверь</a>: ЖКХ, Благоустройство');
    expect(await organizationNamed('Управление ЖКХ администрации города Твери')).toMatchObject({
      appeal_email: 'gkh@tver.test',
      appeal_threshold: 3,
      parent_id: parent.id,
    });
  });

  it('shows every mistake at once and keeps what was typed (422), saving nothing', async () => {
    const visitor = browser(t.app, adminCookie);
    const response = await visitor.submit('/admin/organizations/new', '/admin/organizations/new', {
      name: 'Контрольно-счётная палата города Твери',
      kind: 'legislative_body',
      territoryId: '999999',
      appealEmail: 'not-an-email',
      appealThreshold: '0',
    });
    expect(response.status).toBe(422);
    expect(response.body).toContain('Введите адрес почты в виде name@example.ru.');
    expect(response.body).toContain('Такой территории нет.');
    expect(response.body).toContain('Значение вне допустимых пределов.');
    expect(response.body).toMatch(/id="field-appealEmail"[^>]*aria-invalid="true"/);
    expect(response.body).toMatch(/id="field-territoryId"[^>]*aria-invalid="true"/);
    expect(response.body).toMatch(/id="field-appealThreshold"[^>]*aria-invalid="true"/);
    expect(response.body).toContain('value="Контрольно-счётная палата города Твери"');
    expect(response.body).toContain('value="not-an-email"');
    expect(await organizationNamed('Контрольно-счётная палата города Твери')).toBeUndefined();
  });

  it('refuses a parent that would close a loop on the edit form, then saves a valid edit', async () => {
    const head = await createOrganization({ name: 'Законодательное собрание Тверской области', kind: 'legislative_body', territoryId: place['28000000'] });
    const committee = await createOrganization({
      name: 'Комитет по бюджету Законодательного собрания',
      kind: 'legislative_body',
      territoryId: place['28000000'],
      parentId: head.id,
    });
    const visitor = browser(t.app, adminCookie);
    const editUrl = `/admin/organizations/${head.slug}/edit`;
    const form = await visitor.get(editUrl);
    expect(form.status).toBe(200);
    expect(form.body).toContain('value="Законодательное собрание Тверской области"');

    const fields = { name: head.name, slug: head.slug, kind: head.kind, territoryId: String(place['28000000']), appealThreshold: '50' };
    const loop = await visitor.post(editUrl, { ...fields, parentId: String(committee.id) }, csrfFrom(form.body));
    expect(loop.status).toBe(422);
    expect(loop.body).toContain('Организация не может подчиняться сама себе, даже через другие.');
    expect((await organizationNamed(head.name))?.parent_id).toBeNull();

    const saved = await visitor.post(editUrl, { ...fields, parentId: '', appealThreshold: '21' }, csrfFrom(form.body));
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/organizations/${head.slug}`);
    expect((await visitor.get(saved.location ?? '')).body).toContain('<dd>21 подпись</dd>');
  });
});

describe('the threshold on the edit form', () => {
  it('lists the appeals collecting now, which keep their threshold when the organization’s changes', async () => {
    const organization = await createOrganizationFactory(t.ctx, { name: 'Администрация порогового района', appealThreshold: 50 });
    const { appeal } = await openAppeal(t.ctx, { organization, acknowledgeWarnings: true, title: 'О пороге подписей' });
    const visitor = browser(t.app, adminCookie);
    const editUrl = `/admin/organizations/${organization.slug}/edit`;
    const form = await visitor.get(editUrl);
    const text = form.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Сейчас подписи собирает 1 обращение: его порог не изменится.');
    expect(text).toContain(`№ ${appeal.id} «О пороге подписей» — порог 50 подписей`);
    const saved = await visitor.post(editUrl, { ...formFields(form.body, editUrl), appealThreshold: '30' }, csrfFrom(form.body));
    expect(saved.status).toBe(303);
    const row = await t.ctx.db.selectFrom('appeals').select('threshold').where('id', '=', appeal.id).executeTakeFirstOrThrow();
    expect(row.threshold).toBe(50);
  });
});

describe('saving the edit form unchanged', () => {
  async function saveUnchanged(slug: string) {
    const visitor = browser(t.app, adminCookie);
    const editUrl = `/admin/organizations/${slug}/edit`;
    const form = await visitor.get(editUrl);
    expect(form.status).toBe(200);
    const saved = await visitor.post(editUrl, formFields(form.body, editUrl), csrfFrom(form.body));
    expect(saved.status, saved.body).toBe(303);
    expect(saved.location).toBe(`/organizations/${slug}`);
  }

  const sorted = (details: DetailsJson) => ({
    ...details,
    jurisdictions: [...details.jurisdictions]
      .sort((a, b) => a.territoryId - b.territoryId)
      .map((j) => ({ ...j, categoryIds: [...j.categoryIds].sort((a, b) => a - b) })),
  });

  it('keeps every field as it was', async () => {
    const parent = await createOrganization({ name: 'Правительство Тверской области (редактирование)', kind: 'regional_body', territoryId: place['28000000'] });
    const organization = await createOrganization({
      name: 'Администрация «Калининского» округа & Co',
      kind: 'municipal_administration',
      territoryId: place['28520000'],
      parentId: parent.id,
      appealEmail: 'kalinin@tver.test',
      postalAddress: '170100, г. Тверь, ул. Караваевская, д. 8',
      website: 'https://kalinin.example/',
      appealThreshold: 21,
      description: 'Первая строка.\nВторая строка с "кавычками" и <угловыми> скобками.',
      jurisdictions: [
        { territoryId: place['28520000'], categoryIds: [category.roads, category.housing] },
        { territoryId: place['28701000'], categoryIds: [category.roads, category.housing] },
      ],
    });
    const before = (await api('GET', `/api/v1/organizations/${organization.slug}`)).json;
    await saveUnchanged(organization.slug);
    const after = (await api('GET', `/api/v1/organizations/${organization.slug}`)).json;
    expect(sorted(after)).toEqual(sorted(before));
  });

  it('keeps a different set of topics for each territory', async () => {
    const organization = await createOrganization({
      name: 'Администрация Калининского муниципального округа',
      kind: 'municipal_administration',
      territoryId: place['28520000'],
      jurisdictions: [
        { territoryId: place['28520000'], categoryIds: [] },
        { territoryId: place['28701000'], categoryIds: [category.roads] },
      ],
    });
    const before = (await api('GET', `/api/v1/organizations/${organization.slug}`)).json;
    await saveUnchanged(organization.slug);
    const after = (await api('GET', `/api/v1/organizations/${organization.slug}`)).json;
    // Before: every topic in the okrug, roads only in Tver. The form must not widen or narrow either.
    expect(sorted(after).jurisdictions).toEqual(sorted(before).jurisdictions);
  });
});

describe('the public organization page', () => {
  it('shows the name, the kind in Russian, the threshold with its plural, the parent and the children', async () => {
    const government = await createOrganization({ name: 'Правительство Псковской области', kind: 'regional_body', territoryId: place['58000000'] });
    const transport = await createOrganization({
      name: 'Комитет по транспорту Псковской области',
      kind: 'regional_body',
      territoryId: place['58000000'],
      parentId: government.id,
      appealThreshold: 21,
    });
    const water = await createOrganization({
      name: 'Водоканал города Пскова',
      kind: 'utility',
      territoryId: place['58701000'],
      parentId: government.id,
      appealThreshold: 3,
    });

    const page = await browser(t.app).get(`/organizations/${government.slug}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Правительство Псковской области</h1>');
    expect(page.body).toContain('региональный орган власти · <a href="/territories/58000000">Псковская область</a>');
    expect(page.body).toContain('<dd>50 подписей</dd>');
    expect(page.body).toMatch(/<dt>Вышестоящая организация<\/dt><dd>нет<\/dd>/);
    expect(page.body).toContain('Подведомственные организации');
    expect(page.body).toContain(`<a href="/organizations/${transport.slug}">Комитет по транспорту Псковской области</a>`);
    expect(page.body).toContain(`<a href="/organizations/${water.slug}">Водоканал города Пскова</a>`);
    expect(page.body).toContain('Компетенция не указана.');
    expect(page.body).not.toContain(`/admin/organizations/${government.slug}/edit`);

    const child = await browser(t.app).get(`/organizations/${transport.slug}`);
    expect(child.body).toContain('<dd>21 подпись</dd>');
    expect(child.body).toContain(`<a href="/organizations/${government.slug}">Правительство Псковской области</a>`);
    expect(child.body).not.toContain('Подведомственные организации');

    const utility = await browser(t.app).get(`/organizations/${water.slug}`);
    expect(utility.body).toContain('<dd>3 подписи</dd>');
    expect(utility.body).toContain('ресурсоснабжающая или управляющая организация · <a href="/territories/58701000">город Псков</a>');

    const asAdmin = await browser(t.app, adminCookie).get(`/organizations/${government.slug}`);
    expect(asAdmin.body).toContain(`href="/admin/organizations/${government.slug}/edit"`);
  });

  it('answers an unknown slug with a Russian 404', async () => {
    const page = await browser(t.app).get('/organizations/no-such-organization');
    expect(page.status).toBe(404);
    expect(page.body).toContain('Страница не найдена.');
    const json = await api('GET', '/api/v1/organizations/no-such-organization', { token: null });
    expect(json.status).toBe(404);
    expect(json.json.error.code).toBe('not_found');
  });
});

describe('listing and filtering', () => {
  const novgorod = {
    region: 'Правительство Новгородской области',
    city: 'Администрация Великого Новгорода',
    council: 'Дума Великого Новгорода',
    district: 'Администрация Боровичского района',
  };

  beforeAll(async () => {
    await createOrganization({ name: novgorod.region, kind: 'regional_body', territoryId: place['49000000'] });
    await createOrganization({ name: novgorod.city, kind: 'municipal_administration', territoryId: place['49701000'] });
    await createOrganization({ name: novgorod.council, kind: 'legislative_body', territoryId: place['49701000'] });
    await createOrganization({ name: novgorod.district, kind: 'municipal_administration', territoryId: place['49606000'] });
  });

  const list = async (query: string) => {
    const response = await api('GET', `/api/v1/organizations?perPage=200&${query}`, { token: null });
    expect(response.status).toBe(200);
    return response.json;
  };

  it('finds by territory: a region’s OKTMO also finds the bodies of its municipalities', async () => {
    const region = await list('territory=49000000');
    expect(names(region.items)).toEqual(Object.values(novgorod).sort());
    expect(region.total).toBe(4);
    const city = await list('territory=49701000');
    expect(names(city.items)).toEqual([novgorod.city, novgorod.council].sort());

    const page = await browser(t.app).get('/organizations?territory=49000000');
    expect(page.body).toContain('Найдено 4 организации');
    for (const name of Object.values(novgorod)) expect(page.body).toContain(`>${name}</a>`);
    expect(page.body).not.toContain('Правительство Псковской области');

    const territoryPage = await browser(t.app).get('/territories/49000000');
    expect(territoryPage.body).toContain('4 организации');
    expect(territoryPage.body).toContain(`>${novgorod.district}</a>`);
  });

  it('filters by kind and searches by name', async () => {
    const admins = await list('territory=49000000&kind=municipal_administration');
    expect(names(admins.items)).toEqual([novgorod.city, novgorod.district].sort());
    const councils = await list('kind=legislative_body');
    expect(councils.items.length).toBeGreaterThan(0);
    expect(councils.items.every((o) => o.kind === 'legislative_body')).toBe(true);
    expect(names(councils.items)).toContain(novgorod.council);

    const byName = await list(`territory=49000000&q=${encodeURIComponent('новгород')}`);
    expect(names(byName.items)).toEqual([novgorod.region, novgorod.city, novgorod.council].sort());
    const everywhere = await list(`q=${encodeURIComponent('Боровичск')}`);
    expect(names(everywhere.items)).toEqual([novgorod.district]);

    const html = await browser(t.app).get(`/organizations?kind=legislative_body&territory=49000000`);
    expect(html.body).toContain('Найдена 1 организация');
    expect(html.body).toContain(`>${novgorod.council}</a>`);
    expect(html.body).not.toContain(`>${novgorod.city}</a>`);

    const badKind = await api('GET', '/api/v1/organizations?kind=tsar', { token: null });
    expect(badKind.status).toBe(422);
  });
});

describe('suggesting addressees', () => {
  const smolensk = {} as Record<'government' | 'roads' | 'city' | 'housing' | 'district', OrganizationJson>;

  beforeAll(async () => {
    const [region, city, district] = [place['66000000'], place['66701000'], place['66605000']];
    smolensk.government = await createOrganization({
      name: 'Правительство Смоленской области',
      kind: 'regional_body',
      territoryId: region,
      jurisdictions: [{ territoryId: region, categoryIds: [] }],
    });
    smolensk.roads = await createOrganization({
      name: 'Главное управление дорожного хозяйства Смоленской области',
      kind: 'regional_body',
      territoryId: region,
      jurisdictions: [{ territoryId: region, categoryIds: [category.roads] }],
    });
    smolensk.city = await createOrganization({
      name: 'Администрация города Смоленска',
      kind: 'municipal_administration',
      territoryId: city,
      jurisdictions: [{ territoryId: city, categoryIds: [] }],
    });
    smolensk.housing = await createOrganization({
      name: 'Управляющая компания «Заднепровье»',
      kind: 'utility',
      territoryId: city,
      jurisdictions: [{ territoryId: city, categoryIds: [category.housing] }],
    });
    smolensk.district = await createOrganization({
      name: 'Администрация Вяземского района',
      kind: 'municipal_administration',
      territoryId: district,
      jurisdictions: [{ territoryId: district, categoryIds: [] }],
    });
  });

  it('puts the municipality’s own bodies before the region’s, and respects categories', async () => {
    const city = place['66701000'] as number;
    const roads = await suggestAddressees(t.ctx, city, category.roads as number);
    expect(roads.map((o) => [o.name, Number(o.match_level)])).toEqual([
      ['Администрация города Смоленска', 0],
      ['Главное управление дорожного хозяйства Смоленской области', 1],
      ['Правительство Смоленской области', 1],
    ]);
    const housing = await suggestAddressees(t.ctx, city, category.housing as number);
    expect(housing.map((o) => o.slug)).toEqual([smolensk.city.slug, smolensk.housing.slug, smolensk.government.slug]);
    const anyTopic = await suggestAddressees(t.ctx, city, null);
    expect(anyTopic.map((o) => o.slug)).toEqual([smolensk.city.slug, smolensk.government.slug]);
    const elsewhere = await suggestAddressees(t.ctx, place['66605000'] as number, category.housing as number);
    expect(elsewhere.map((o) => o.slug)).toEqual([smolensk.district.slug, smolensk.government.slug]);
    const regionWide = await suggestAddressees(t.ctx, place['66000000'] as number, category.roads as number);
    expect(regionWide.map((o) => o.slug)).toEqual([smolensk.roads.slug, smolensk.government.slug]);
  });

  it('answers the same through the suggest endpoint', async () => {
    const suggest = (query: string) => api<OrganizationJson[]>('GET', `/api/v1/organizations/suggest?${query}`, { token: null });
    const roads = await suggest(`territoryId=${place['66701000']}&categoryId=${category.roads}`);
    expect(roads.status).toBe(200);
    expect(slugs(roads.json)).toEqual([smolensk.city.slug, smolensk.roads.slug, smolensk.government.slug]);
    const housing = await suggest(`territoryId=${place['66701000']}&categoryId=${category.housing}`);
    expect(slugs(housing.json)).toEqual([smolensk.city.slug, smolensk.housing.slug, smolensk.government.slug]);
    expect(slugs(housing.json)).not.toContain(smolensk.roads.slug);

    const unknown = await api<ErrorJson>('GET', '/api/v1/organizations/suggest?territoryId=999999', { token: null });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error).toEqual({ code: 'unknown_territory', message: 'Такой территории нет.' });
  });
});
