/**
 * Problems through the real app and database, as a browser without JavaScript and as an API client:
 * publishing (the similar-problems step, photos stripped of metadata, refused files writing nothing),
 * editing and marking solved, listings with filters, sorting and Russian full-text search, the Atom
 * feed, the problem page (appeals, timeline, comments that cannot inject markup), following, hidden
 * problems, and the same over /api/v1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XmlDocument, type XmlElement } from 'xmldoc';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addComment,
  addPhotos,
  apiTokenFor,
  createOrganization,
  createUser,
  openAppeal,
  sessionCookieFor,
  sign,
  territoryId,
} from '../../../test/support/factories.ts';
import { type Browser, browser, csrfFrom, decode, formFields } from '../../../test/support/http.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { Organization, Problem, User } from '../../core/db/schema.ts';
import { processPhoto } from '../../core/images/photos.ts';
import { countsCaughtUp, recountSignatures } from '../appeals/appeals.counts.ts';
import { dataDir, importMunicipalities } from '../territories/territories.service.ts';
import { createProblem, getProblemRow, markSolved, updateProblem } from './problems.service.ts';

let t: TestApp;
let author: User;
let stranger: User;
let unverified: User;
let authorCookie: string;
let strangerCookie: string;
let unverifiedCookie: string;
let authorToken: string;
let strangerToken: string;
let unverifiedToken: string;
let yaroslavlMayor: Organization;
/** Territory ids by OKTMO. */
const place: Record<string, number> = {};
/** Category ids by slug. */
const category: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestApp();
  for (const file of ['municipalities-tver.csv', 'municipalities-yaroslavl.csv']) {
    const result = await importMunicipalities(t.ctx, readFileSync(path.join(dataDir, file), 'utf8'), {
      actorId: null,
      renamed: t.ctx.ports.territories.placesRenamed,
    });
    expect(result.problems).toEqual([]);
  }
  for (const oktmo of ['28000000', '28701000', '28544000', '28530000', '78000000', '78701000', '78715000', '45000000'])
    place[oktmo] = await territoryId(t.ctx, oktmo);
  for (const row of await t.ctx.db.selectFrom('categories').select(['id', 'slug']).execute()) category[row.slug] = row.id;
  author = await createUser(t.ctx, { firstName: 'Иван', surname: 'Петров' });
  stranger = await createUser(t.ctx, { firstName: 'Ольга', surname: 'Смирнова' });
  unverified = await createUser(t.ctx, { verified: false });
  authorCookie = await sessionCookieFor(t.ctx, author);
  strangerCookie = await sessionCookieFor(t.ctx, stranger);
  unverifiedCookie = await sessionCookieFor(t.ctx, unverified);
  authorToken = await apiTokenFor(t.ctx, author);
  strangerToken = await apiTokenFor(t.ctx, stranger);
  unverifiedToken = await apiTokenFor(t.ctx, unverified);
  const organization = await createOrganization(t.ctx, {
    slug: 'test-yaroslavl-mayor',
    name: 'Мэрия города Ярославля (тест)',
    kind: 'municipal_administration',
    territoryId: place['78701000'] as number,
    appealEmail: null,
    postalAddress: '',
    jurisdictions: [],
  });
  yaroslavlMayor = organization;
});
afterAll(() => t?.stop());

// ---------------------------------------------------------------------------------------------
// Helpers

async function problemFixture(
  owner: User,
  fields: { title: string; description?: string; territory: string; category?: string; latitude?: number; longitude?: number; address?: string },
) {
  return createProblem(t.ctx, actorOf(owner), {
    title: fields.title,
    description: fields.description ?? `${fields.title}. Подробное описание проблемы для проверки.`,
    categoryId: category[fields.category ?? 'roads'] as number,
    territoryId: place[fields.territory] as number,
    address: fields.address ?? '',
    latitude: fields.latitude ?? null,
    longitude: fields.longitude ?? null,
  });
}

async function count(table: 'problems' | 'problem_photos' | 'pending_photos' | 'comments' | 'problem_events'): Promise<number> {
  const row = await t.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * An appeal of the problem's author that collects signatures, with `recent` signatures from today and
 * `old` ones moved 40 days back (nobody can sign in the past, so the date is set afterwards).
 */
async function appealWithSignatures(problemId: number, recent: number, old: number): Promise<number> {
  const problem: Problem = await getProblemRow(t.ctx, problemId);
  const owner = [author, stranger].find((user) => user.id === problem.author_id) as User;
  const { appeal } = await openAppeal(t.ctx, {
    author: owner,
    problem,
    organization: yaroslavlMayor,
    title: 'Коллективное обращение',
    text: 'Просим принять меры. '.repeat(5),
  });
  for (let i = 0; i < recent + old; i++) {
    const { signatureId } = await sign(t.ctx, appeal.id, undefined, {
      fullName: 'Кузнецова Мария Петровна',
      postalAddress: '150000, г. Ярославль, ул. Советская, д. 1',
      consentPublicName: false,
    });
    if (i >= recent) await sql`update signatures set created_at = now() - interval '40 days' where id = ${signatureId}`.execute(t.ctx.db);
  }
  // Listings read the signature counts, which the appeals' job folds in about once a second; the dates
  // moved behind the app's back reach them only through the recount.
  await waitFor(async () => ((await countsCaughtUp(t.ctx)) ? true : undefined), 10_000, { what: 'the signature counts to catch up' });
  if (old > 0) await recountSignatures(t.ctx);
  return appeal.id;
}

interface Upload {
  name: string;
  filename: string;
  type: string;
  data: Buffer;
}

function multipart(fields: Record<string, string | string[]>, files: Upload[] = []) {
  const boundary = `----democrator-test-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`, 'utf8'));
    }
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
        'utf8',
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Posts a multipart form as a browser without JavaScript: the page's CSRF token and the browser's cookies. */
async function submitMultipart(visitor: Browser, pageUrl: string, action: string, fields: Record<string, string | string[]>, files: Upload[] = []) {
  const page = await visitor.get(pageUrl);
  const body = multipart({ _csrf: csrfFrom(page.body), ...fields }, files);
  const response = await t.app.inject({
    method: 'POST',
    url: action,
    headers: { cookie: [...visitor.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': body.contentType },
    payload: body.payload,
  });
  for (const line of [response.headers['set-cookie'] ?? []].flat()) {
    const [pair = ''] = String(line).split(';');
    const index = pair.indexOf('=');
    const value = pair.slice(index + 1);
    if (value) visitor.cookies.set(pair.slice(0, index), value);
    else visitor.cookies.delete(pair.slice(0, index));
  }
  return { status: response.statusCode, body: response.body, location: response.headers.location as string | undefined };
}

/** The visible text of an HTML fragment, tags removed and entities decoded. */
const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

const gpsExif = {
  IFD0: { Make: 'SecretCam', Model: 'X1' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '56/1 51/1 2952/100', GPSLongitudeRef: 'E', GPSLongitude: '35/1 54/1 792/100' },
};

async function jpegWithGps(width = 1200, height = 900): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 180, g: 70, b: 40 } } })
    .jpeg({ quality: 85 })
    .withExif(gpsExif)
    .toBuffer();
}

async function png(): Promise<Buffer> {
  return sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 20, g: 90, b: 200, alpha: 1 } } })
    .png()
    .toBuffer();
}

const gif = Buffer.concat([
  Buffer.from('GIF89a', 'latin1'),
  Buffer.from([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b]),
]);

async function api<T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { token?: string | null; payload?: object } = {},
): Promise<{ status: number; json: T; headers: Record<string, unknown> }> {
  const response = await t.app.inject({
    method,
    url,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.payload ? { payload: options.payload } : {}),
  });
  return { status: response.statusCode, json: response.json() as T, headers: response.headers };
}

interface ErrorJson {
  error: { code: string; message: string; fields?: { field: string; rule: string; message: string }[] };
}

// ---------------------------------------------------------------------------------------------

describe('publishing without JavaScript', () => {
  it('sends visitors to log in and tells unverified citizens to confirm their e-mail', async () => {
    const anonymous = await browser(t.app).get('/problems/new');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?return=%2Fproblems%2Fnew');
    const page = await browser(t.app, unverifiedCookie).get('/problems/new');
    expect(page.status).toBe(403);
    expect(page.body).toContain('Публиковать проблемы могут граждане с подтверждённой почтой');
    const before = await count('problems');
    const post = await submitMultipart(browser(t.app, unverifiedCookie), '/problems', '/problems/new', {
      title: 'Яма у дома номер пять',
      description: 'Описание ямы у дома.',
    });
    expect(post.status).toBe(403);
    expect(post.body).toContain('Сначала подтвердите адрес почты.');
    expect(await count('problems')).toBe(before);
  });

  it('shows similar open problems first, keeps every typed value, then publishes with photos stripped of metadata', async () => {
    const existing = await problemFixture(stranger, {
      title: 'Ямы на улице Советской у школы',
      description: 'Глубокие ямы на проезжей части улицы Советской возле школы № 6.',
      territory: '28701000',
    });
    const visitor = browser(t.app, authorCookie);
    const form = await visitor.get('/problems/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('enctype="multipart/form-data"');
    expect(form.body).toContain('<optgroup label="Тверская область">');
    expect(form.body).toContain('Тверская область — весь регион');

    const typed = {
      title: 'Яма на Советской улице возле школы',
      description: 'На улице Советской возле школы огромная яма, <b>дети</b> обходят её по проезжей части & «машины».',
      categoryId: String(category.roads),
      territoryId: String(place['28701000']),
      address: 'г. Тверь, ул. Советская, 20',
      latitude: '56,8589',
      longitude: '35.9008',
    };
    const photos: Upload[] = [
      { name: 'photos', filename: 'yama.jpg', type: 'image/jpeg', data: await jpegWithGps() },
      { name: 'photos', filename: 'schema.png', type: 'image/png', data: await png() },
    ];
    const before = { problems: await count('problems'), photos: await count('problem_photos') };
    const step = await submitMultipart(visitor, '/problems/new', '/problems/new', typed, photos);
    expect(step.status).toBe(200);
    expect(step.body).toContain('Похожие проблемы уже опубликованы');
    expect(step.body).toContain(`<a href="/problems/${existing.id}">Ямы на улице Советской у школы</a>`);
    expect(step.body).toContain('Всё равно опубликовать');
    // The photos were checked and kept before this step: the form shows them, ticked, and never asks for them again.
    expect(textOf(step.body)).toContain('Прикреплено 2 фото');
    const pendingIds = [...step.body.matchAll(/name="pendingPhoto" value="(\d+)" checked/g)].map((m) => m[1]);
    expect(pendingIds).toHaveLength(2);
    expect(step.body).toContain(`<img src="/problems/pending-photos/${pendingIds[0]}"`);
    const preview = await visitor.get(`/problems/pending-photos/${pendingIds[0]}`);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('image/jpeg');
    // Nobody else sees a photo attached to somebody's unsent form.
    expect((await browser(t.app, strangerCookie).get(`/problems/pending-photos/${pendingIds[0]}`)).status).toBe(404);
    expect({ problems: await count('problems'), photos: await count('problem_photos') }).toEqual(before);

    // The confirmation form carries back exactly what was typed.
    const carried = formFields(step.body, '/problems/new');
    expect(carried).toMatchObject({
      title: [typed.title],
      description: [typed.description],
      categoryId: [typed.categoryId],
      territoryId: [typed.territoryId],
      address: [typed.address],
      latitude: [typed.latitude],
      longitude: [typed.longitude],
      confirmed: ['1'],
      pendingPhoto: pendingIds,
    });

    // «Publish anyway» without choosing the files again: the kept photos go with the problem.
    const published = await submitMultipart(visitor, '/problems/new', '/problems/new', carried);
    expect(published.status, textOf(published.body).slice(0, 500)).toBe(303);
    const id = Number(/^\/problems\/(\d+)$/.exec(published.location ?? '')?.[1]);
    expect(id).toBeGreaterThan(0);
    const row = await t.ctx.db.selectFrom('problems').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      title: typed.title,
      description: typed.description,
      latitude: 56.8589,
      longitude: 35.9008,
      author_id: author.id,
      status: 'open',
    });

    expect(await t.ctx.db.selectFrom('pending_photos').select('id').where('id', 'in', pendingIds.map(Number)).execute()).toEqual([]);
    const page = await visitor.get(`/problems/${id}`);
    expect(page.body).toContain('Проблема опубликована. Расскажите о ней соседям!');
    expect(page.body).toContain('&lt;b>дети&lt;/b> обходят её по проезжей части &amp; «машины»');
    expect(page.body).toContain(`<a href="/problems/${id}/photos/0"><img src="/problems/${id}/photos/0/thumbnail"`);
    expect(page.body).toContain(`href="/problems/${id}/photos/1"`);
    expect(page.body).toContain('alt="Фото 1 из 2: Яма на Советской улице возле школы"');

    const full = await t.app.inject({ method: 'GET', url: `/problems/${id}/photos/0` });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/jpeg');
    expect(full.headers['cache-control']).toBe('public, max-age=86400');
    expect(full.rawPayload.includes(Buffer.from('SecretCam'))).toBe(false);
    const meta = await sharp(full.rawPayload).metadata();
    expect(meta.exif).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([1200, 900]);
    const thumbnail = await t.app.inject({ method: 'GET', url: `/problems/${id}/photos/0/thumbnail` });
    expect(thumbnail.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(thumbnail.rawPayload).metadata()).width).toBe(480);
    const second = await t.app.inject({ method: 'GET', url: `/problems/${id}/photos/1` });
    expect(second.headers['content-type']).toBe('image/png');
    const again = await t.app.inject({ method: 'GET', url: `/problems/${id}/photos/0`, headers: { 'if-none-match': String(full.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await t.app.inject({ method: 'GET', url: `/problems/${id}/photos/7` })).statusCode).toBe(404);

    // The author follows the own problem; the timeline starts with the publication.
    const event = await t.ctx.db.selectFrom('problem_events').selectAll().where('problem_id', '=', id).executeTakeFirstOrThrow();
    expect(event.kind).toBe('problem.published');
    expect(page.body).toContain('Перестать следить');
  });

  it('publishes in one step when nothing similar is open nearby, or when the live suggestions were already seen', async () => {
    const visitor = browser(t.app, authorCookie);
    const unique = await submitMultipart(visitor, '/problems/new', '/problems/new', {
      title: 'Сломан светофор на перекрёстке Конаково',
      description: 'Светофор на перекрёстке мигает жёлтым уже неделю.',
      categoryId: String(category.transport),
      territoryId: String(place['28530000']),
    });
    expect(unique.status).toBe(303);
    await problemFixture(stranger, { title: 'Разбитая остановка в Конаково', territory: '28530000', category: 'transport' });
    const seen = await submitMultipart(visitor, '/problems/new', '/problems/new', {
      title: 'Разбитая остановка в Конаково на Энергетиков',
      description: 'Остановка разбита, стекла нет.',
      categoryId: String(category.transport),
      territoryId: String(place['28530000']),
      similarChecked: '1',
    });
    expect(seen.status).toBe(303);
  });

  it('refuses a wrong file type per file, with a translated message, writing nothing', async () => {
    const visitor = browser(t.app, authorCookie);
    const before = { problems: await count('problems'), photos: await count('problem_photos'), events: await count('problem_events') };
    const response = await submitMultipart(
      visitor,
      '/problems/new',
      '/problems/new',
      {
        title: 'Не вывозят мусор с контейнерной площадки',
        description: 'Контейнеры переполнены вторую неделю.',
        categoryId: String(category.housing),
        territoryId: String(place['28544000']),
        confirmed: '1',
      },
      [
        { name: 'photos', filename: 'ok.jpg', type: 'image/jpeg', data: await jpegWithGps(400, 300) },
        { name: 'photos', filename: 'animation.gif', type: 'image/jpeg', data: gif },
        { name: 'photos', filename: 'notes.txt', type: 'text/plain', data: Buffer.from('не картинка') },
      ],
    );
    expect(response.status).toBe(422);
    expect(textOf(response.body)).toContain('Фото 2: подходят только снимки JPEG, PNG или WebP.');
    expect(textOf(response.body)).toContain('Фото 3: подходят только снимки JPEG, PNG или WebP.');
    expect(response.body).toContain('href="#field-photos"');
    // The good photo is kept for the next round of the form; the refused ones are named.
    expect(textOf(response.body)).toContain('Прикреплено 1 фото');
    expect([...response.body.matchAll(/name="pendingPhoto" value="\d+" checked/g)]).toHaveLength(1);
    expect(formFields(response.body, '/problems/new').title).toEqual(['Не вывозят мусор с контейнерной площадки']);
    expect({ problems: await count('problems'), photos: await count('problem_photos'), events: await count('problem_events') }).toEqual(before);
  });

  it('reports every mistake at once, in Russian, and keeps the values', async () => {
    const before = await count('problems');
    const response = await submitMultipart(browser(t.app, authorCookie), '/problems/new', '/problems/new', {
      title: 'Яма',
      description: '',
      categoryId: '',
      territoryId: '999999',
      latitude: 'север',
      longitude: '',
    });
    expect(response.status).toBe(422);
    const text = textOf(response.body);
    expect(text).toContain('Исправьте ошибки');
    expect(text).toContain('Не короче 5 символов.');
    expect(text).toContain('Заполните это поле.');
    expect(text).toContain('Такой территории нет.');
    expect(text).toContain('Укажите и широту, и долготу — или оставьте оба поля пустыми.');
    for (const field of ['title', 'description', 'categoryId', 'territoryId']) expect(response.body).toContain(`href="#field-${field}"`);
    expect(response.body).toMatch(/<title>Ошибка: Новая проблема/);
    expect(formFields(response.body, '/problems/new')).toMatchObject({ title: ['Яма'], latitude: ['север'] });
    expect(await count('problems')).toBe(before);

    const range = await submitMultipart(browser(t.app, authorCookie), '/problems/new', '/problems/new', {
      title: 'Проблема с координатами',
      description: 'Описание с координатами вне диапазона.',
      categoryId: String(category.roads),
      territoryId: String(place['28701000']),
      latitude: '91',
      longitude: '200',
    });
    expect(textOf(range.body)).toContain('Широта — число от −90 до 90');
    expect(textOf(range.body)).toContain('Долгота — число от −180 до 180');
    expect(await count('problems')).toBe(before);
  });

  it('refuses more than five photos', async () => {
    const before = await count('problem_photos');
    const photo = await png();
    const response = await submitMultipart(
      browser(t.app, authorCookie),
      '/problems/new',
      '/problems/new',
      {
        title: 'Шесть фотографий сразу',
        description: 'Слишком много фотографий.',
        categoryId: String(category.other),
        territoryId: String(place['45000000']),
        confirmed: '1',
      },
      Array.from({ length: 6 }, (_, i) => ({ name: 'photos', filename: `${i}.png`, type: 'image/png', data: photo })),
    );
    expect(response.status).toBe(422);
    expect(textOf(response.body)).toContain('К одной проблеме можно приложить не больше 5 фото.');
    expect(await count('problem_photos')).toBe(before);
  });
});

describe('editing and marking solved', () => {
  it('lets only the author edit, records what changed, and adds photos up to the limit', async () => {
    const problem = await problemFixture(author, { title: 'Не горят фонари во дворе', territory: '28701000', category: 'urban-improvement' });
    const other = browser(t.app, strangerCookie);
    expect((await other.get(`/problems/${problem.id}/edit`)).status).toBe(403);
    const page = await other.get(`/problems/${problem.id}`);
    expect(page.body).not.toContain(`/problems/${problem.id}/edit`);
    const forbidden = await submitMultipart(other, `/problems/${problem.id}`, `/problems/${problem.id}/edit`, {
      title: 'Чужая правка заголовка',
      description: 'Чужая правка описания проблемы.',
      categoryId: String(category.roads),
      territoryId: String(place['28701000']),
    });
    expect(forbidden.status).toBe(403);
    expect(textOf(forbidden.body)).toContain('Это может сделать только автор.');
    expect((await t.ctx.db.selectFrom('problems').select('title').where('id', '=', problem.id).executeTakeFirstOrThrow()).title).toBe(
      'Не горят фонари во дворе',
    );
    expect((await browser(t.app).get(`/problems/${problem.id}/edit`)).status).toBe(401);

    const visitor = browser(t.app, authorCookie);
    const form = await visitor.get(`/problems/${problem.id}/edit`);
    expect(form.status).toBe(200);
    const fields = formFields(form.body, `/problems/${problem.id}/edit`);
    const saved = await submitMultipart(
      visitor,
      `/problems/${problem.id}/edit`,
      `/problems/${problem.id}/edit`,
      { ...fields, title: ['Не горят фонари во дворе дома 3'], address: ['ул. Трёхсвятская, 3'] },
      [{ name: 'photos', filename: 'dark.png', type: 'image/png', data: await png() }],
    );
    expect(saved.status).toBe(303);
    const after = await visitor.get(`/problems/${problem.id}`);
    expect(after.body).toContain('Изменения сохранены.');
    expect(after.body).toContain('Проблема изменена: заголовок, адрес, добавлены фото');
    expect(after.body).toContain(`/problems/${problem.id}/photos/0/thumbnail`);

    await addPhotos(t.ctx, author, problem.id, await Promise.all([1, 2, 3, 4].map(async () => processPhoto(await png()))));
    const full = await visitor.get(`/problems/${problem.id}/edit`);
    expect(full.body).toContain('Уже приложено 5 фото — больше добавить нельзя.');
    expect(full.body).not.toContain('name="photos"');
  });

  it('marks solved by the author only, once, and freezes editing', async () => {
    const problem = await problemFixture(author, { title: 'Протекает крыша подъезда', territory: '28701000', category: 'housing' });
    const other = browser(t.app, strangerCookie);
    const page = await other.get(`/problems/${problem.id}`);
    expect(page.body).not.toContain(`/problems/${problem.id}/solved`);
    expect((await other.get(`/problems/${problem.id}/solved`)).status).toBe(403);
    const denied = await other.post(`/problems/${problem.id}/solved`, {}, csrfFrom(page.body));
    expect(denied.status).toBe(403);

    const visitor = browser(t.app, authorCookie);
    const own = await visitor.get(`/problems/${problem.id}`);
    // One click does not solve it: the button leads to a page that says what follows and asks to confirm.
    expect(own.body).toContain(`href="/problems/${problem.id}/solved"`);
    expect(own.body).not.toContain(`action="/problems/${problem.id}/solved"`);
    const confirm = await visitor.get(`/problems/${problem.id}/solved`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Отметить проблему решённой?');
    expect(confirm.body).toContain('Отменить это нельзя');
    expect(confirm.body).toContain(`action="/problems/${problem.id}/solved"`);
    // No open appeal, so nothing to withdraw is offered; the short note on how it was solved is asked for.
    expect(confirm.body).not.toContain('name="withdrawOpenAppeals"');
    expect(confirm.body).toContain('name="note"');
    // A note past 1,000 characters is refused with the form kept, and nothing is marked.
    const tooLong = await visitor.post(`/problems/${problem.id}/solved`, { note: 'я'.repeat(1001) }, csrfFrom(confirm.body));
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toMatch(/Слишком длинное значение: не больше 1.000 символов/);
    expect(tooLong.body).toContain('я'.repeat(1001));
    expect((await t.ctx.db.selectFrom('problems').select('status').where('id', '=', problem.id).executeTakeFirstOrThrow()).status).toBe('open');
    const note = 'Управляющая компания <b>заменила</b> кровлю после обращения.';
    const solved = await visitor.post(`/problems/${problem.id}/solved`, { note: `  ${note}\n` }, csrfFrom(confirm.body));
    expect(solved.status).toBe(303);
    const after = await visitor.get(`/problems/${problem.id}`);
    expect(after.body).toContain('<span class="badge badge-solved">решена</span>');
    // Who marked it solved and when, the note (escaped) on the page and on the timeline.
    expect(after.body).toMatch(/Проблема решена \d+ [а-я]+ \d{4} г\. — отметка о решении: Иван П\.</);
    expect(after.body).not.toContain('<b>заменила');
    expect(after.body).toContain('<blockquote class="solved-note-text">Управляющая компания &lt;b>заменила&lt;/b> кровлю после обращения.</blockquote>');
    expect(after.body).toContain('Проблема отмечена как решённая: «Управляющая компания &lt;b>заменила&lt;/b> кровлю');
    expect(after.body).not.toContain(`/problems/${problem.id}/edit`);
    const row = await t.ctx.db
      .selectFrom('problems')
      .select(['status', 'solved_at', 'solved_by', 'solved_note', 'author_id'])
      .where('id', '=', problem.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('solved');
    expect(row.solved_at).not.toBeNull();
    expect(row.solved_by).toBe(row.author_id);
    expect(row.solved_note).toBe(note);
    const json = await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}` });
    expect(json.json()).toMatchObject({ status: 'solved', solvedNote: note, solvedBy: expect.any(String) });
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'problem.mark_solved')
      .where('subject_id', '=', String(problem.id))
      .execute();
    expect(audit).toHaveLength(1);
    expect((await visitor.post(`/problems/${problem.id}/solved`, {}, csrfFrom(after.body))).status).toBe(409);
    expect((await visitor.get(`/problems/${problem.id}/edit`)).status).toBe(409);
  });
});

describe('listings', () => {
  let pothole: number;
  let dump: number;
  let heating: number;
  let solved: number;
  let hidden: number;

  beforeAll(async () => {
    pothole = (
      await problemFixture(author, {
        title: 'Глубокая яма на Московском проспекте',
        description: 'На Московском проспекте у дома 100 глубокая яма на проезжей части.',
        territory: '78701000',
        category: 'roads',
        latitude: 57.6,
        longitude: 39.85,
        address: 'г. Ярославль, Московский пр-т, 100',
      })
    ).id;
    dump = (
      await problemFixture(stranger, {
        title: 'Свалка строительного мусора у реки',
        description: 'На берегу Волги свалили строительный мусор.',
        territory: '78715000',
        category: 'ecology',
        latitude: 58.05,
        longitude: 38.84,
      })
    ).id;
    heating = (
      await problemFixture(stranger, {
        title: 'Холодные батареи в общежитии',
        description: 'В общежитии нет отопления.',
        territory: '78715000',
        category: 'housing',
      })
    ).id;
    solved = (await problemFixture(author, { title: 'Сломанная скамейка в парке', territory: '78701000', category: 'urban-improvement' })).id;
    await markSolved(t.ctx, actorOf(author), solved);
    hidden = (
      await problemFixture(author, {
        title: 'Скрытая яма на дороге',
        description: 'Яма, скрытая модератором.',
        territory: '78701000',
        latitude: 57.61,
        longitude: 39.86,
      })
    ).id;
    await t.ctx.db.updateTable('problems').set({ status: 'hidden' }).where('id', '=', hidden).execute();
    // Resonance counts the last 30 days: the dump has fewer signatures in all but more of them recent.
    await appealWithSignatures(pothole, 1, 4);
    await appealWithSignatures(dump, 3, 0);
  });

  const ids = (json: { items: { id: number }[] }) => json.items.map((item) => item.id);

  it('finds word forms in Russian: «ямы» finds «яма», never a hidden problem', async () => {
    const found = await api<{ items: { id: number; title: string }[]; total: number }>(
      'GET',
      `/api/v1/problems?q=${encodeURIComponent('ямы')}&territory=78000000`,
    );
    expect(found.status).toBe(200);
    expect(ids(found.json)).toEqual([pothole]);
    const byDescription = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('свалки волга')}`);
    expect(ids(byDescription.json)).toEqual([dump]);
    const page = await browser(t.app).get(`/problems?q=${encodeURIComponent('ямы')}&territory=78000000`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Найдена 1 проблема');
    expect(page.body).toContain(`href="/problems/${pothole}"`);
    expect(page.body).not.toContain('Скрытая яма');
  });

  it('finds a problem by its town, its address and its topic, ranked below a match in the title', async () => {
    // «Рыбинск» is in neither problem's text: only its municipality (город Рыбинск) says so.
    const byTown = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Рыбинск')}`);
    expect(ids(byTown.json).sort()).toEqual([dump, heating].sort());
    const byRegion = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Ярославская')}`);
    expect(ids(byRegion.json).sort()).toEqual([pothole, dump, heating, solved].sort());
    const byCity = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Ярославль')}`);
    expect(ids(byCity.json).sort()).toEqual([pothole, solved].sort());
    // «дороги» is the category (Дороги), «яма» the text: both words must match, in any field (problems of earlier tests are in Тверская область).
    const byTopic = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('яма дороги')}&territory=78000000`);
    expect(ids(byTopic.json)).toEqual([pothole]);
    const page = await browser(t.app).get(`/problems?q=${encodeURIComponent('Рыбинск')}`);
    expect(textOf(page.body)).toContain('Найдено 2 проблемы');
    // The address alone: «Кирпичная» stands nowhere else. Weight: a title match outranks a match in the place words.
    const addressed = (await problemFixture(author, { title: 'Не горят фонари во дворе', territory: '78701000', address: 'г. Ярославль, ул. Кирпичная, д. 3' }))
      .id;
    const titled = (await problemFixture(author, { title: 'Рыбинск: ямы во дворах', description: 'Ямы во дворах центра города.', territory: '78701000' })).id;
    try {
      const byAddress = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Кирпичная')}`);
      expect(ids(byAddress.json)).toEqual([addressed]);
      const ranked = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Рыбинск')}`);
      expect(ids(ranked.json)[0]).toBe(titled);
      expect(ids(ranked.json).sort()).toEqual([dump, heating, titled].sort());
    } finally {
      await t.ctx.db.deleteFrom('problems').where('id', 'in', [addressed, titled]).execute();
    }
  });

  it('keeps the place words of the search in step when a problem moves to another municipality', async () => {
    const moved = await problemFixture(author, { title: 'Разбитый тротуар у школы', territory: '78701000' });
    try {
      const input = {
        title: moved.title,
        description: moved.description,
        categoryId: moved.category_id,
        territoryId: place['78715000'] as number,
        address: '',
        latitude: null,
        longitude: null,
      };
      await updateProblem(t.ctx, actorOf(author), moved.id, input);
      const found = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Рыбинск тротуар')}`);
      expect(ids(found.json)).toEqual([moved.id]);
      const gone = await api<{ items: { id: number }[] }>('GET', `/api/v1/problems?q=${encodeURIComponent('Ярославль тротуар')}`);
      expect(ids(gone.json)).toEqual([]);
    } finally {
      await t.ctx.db.deleteFrom('problems').where('id', '=', moved.id).execute();
    }
  });

  it('filters by territory (a region includes its municipalities), category, organization and status', async () => {
    const region = await api<{ items: { id: number }[]; total: number }>('GET', '/api/v1/problems?territory=78000000');
    expect(ids(region.json).sort()).toEqual([pothole, dump, heating, solved].sort());
    expect(region.json.total).toBe(4);
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?territory=78715000')).json).sort()).toEqual([dump, heating].sort());
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?territory=78000000&category=ecology')).json)).toEqual([dump]);
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?organization=test-yaroslavl-mayor')).json).sort()).toEqual(
      [pothole, dump].sort(),
    );
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?territory=78000000&status=solved')).json)).toEqual([solved]);
    const html = await browser(t.app).get('/problems?territory=78715000&category=housing');
    expect(textOf(html.body)).toContain('Найдена 1 проблема');
    expect(html.body).toContain('<option value="78715000" selected>город Рыбинск</option>');
    const wrong = await api<ErrorJson>('GET', '/api/v1/problems?status=hidden');
    expect(wrong.status).toBe(422);
  });

  it('sorts by recent signatures, by date and by solution, and pages', async () => {
    const resonant = await api<{ items: { id: number; signatures: number; recentSignatures: number }[] }>(
      'GET',
      '/api/v1/problems?territory=78000000&sort=resonant',
    );
    expect(ids(resonant.json).slice(0, 2)).toEqual([dump, pothole]);
    expect(resonant.json.items[0]).toMatchObject({ signatures: 3, recentSignatures: 3 });
    expect(resonant.json.items[1]).toMatchObject({ signatures: 5, recentSignatures: 1 });
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?territory=78000000&sort=new')).json)).toEqual([solved, heating, dump, pothole]);
    expect(ids((await api<{ items: { id: number }[] }>('GET', '/api/v1/problems?territory=78000000&sort=solved')).json)[0]).toBe(solved);
    const second = await api<{ items: { id: number }[]; total: number; page: number; perPage: number }>(
      'GET',
      '/api/v1/problems?territory=78000000&perPage=3&page=2',
    );
    expect(second.json).toMatchObject({ total: 4, page: 2, perPage: 3 });
    expect(ids(second.json)).toEqual([pothole]);
    const home = await browser(t.app).get('/');
    expect(home.body).toContain('Больше всего поддержки за 30 дней');
    const resonantSection = home.body.slice(home.body.indexOf('id="resonant-title"'), home.body.indexOf('id="new-title"'));
    expect(resonantSection.indexOf(`/problems/${dump}"`)).toBeGreaterThan(-1);
    expect(resonantSection.indexOf(`/problems/${dump}"`)).toBeLessThan(resonantSection.indexOf(`/problems/${pothole}"`));
    expect(resonantSection).not.toContain(`/problems/${heating}"`);
  });

  it('shows the map page with its list as the fallback, and markers as JSON', async () => {
    const page = await browser(t.app).get('/problems/map?territory=78000000');
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-markers="/api/v1/problems/markers?territory=78000000"');
    expect(page.body).toContain('<script type="module" src="/static/assets/map.js">');
    expect(textOf(page.body)).toContain('На карте 2 проблемы');
    expect(page.body).toContain(`href="/problems/${pothole}"`);
    expect(page.body).not.toContain(`href="/problems/${heating}"`);
    const markers = await api<{ items: { id: number; latitude: number; longitude: number; url: string }[] }>(
      'GET',
      '/api/v1/problems/markers?territory=78000000',
    );
    expect(markers.json.items.map((m) => m.id).sort()).toEqual([pothole, dump].sort());
    expect(markers.json.items.find((m) => m.id === pothole)).toMatchObject({
      latitude: 57.6,
      longitude: 39.85,
      url: `http://democrator.test/problems/${pothole}`,
    });
  });

  it('publishes a valid, escaped Atom feed with the same filters', async () => {
    const tricky = await problemFixture(author, {
      title: 'Знаки <script>alert("x")</script> & «кавычки» \u0007',
      description: 'Описание с <b>тегами</b> & амперсандом.',
      territory: '78701000',
    });
    const response = await t.app.inject({ method: 'GET', url: '/problems.atom?territory=78000000' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = new XmlDocument(response.body);
    expect(feed.name).toBe('feed');
    expect(feed.attr.xmlns).toBe('http://www.w3.org/2005/Atom');
    for (const name of ['id', 'title', 'updated']) expect(feed.childNamed(name)?.val).toBeTruthy();
    expect(new Date(feed.childNamed('updated')?.val ?? '').getTime()).not.toBeNaN();
    const links = feed.childrenNamed('link');
    expect(links.find((l) => l.attr.rel === 'self')?.attr.href).toBe('http://democrator.test/problems.atom?territory=78000000');
    expect(links.find((l) => l.attr.rel === 'alternate')?.attr.href).toBe('http://democrator.test/problems?territory=78000000');
    const entries = feed.childrenNamed('entry');
    expect(entries).toHaveLength(5);
    for (const entry of entries) {
      for (const name of ['id', 'title', 'updated', 'published', 'summary']) expect(entry.childNamed(name)?.val, name).toBeTruthy();
      expect(entry.childNamed('link')?.attr.href).toMatch(/^http:\/\/democrator\.test\/problems\/\d+$/);
      expect(entry.childNamed('author')?.childNamed('name')?.val).toMatch(/^\S+ \S\.$/);
    }
    const trickyEntry = entries.find((e) => e.childNamed('id')?.val === `http://democrator.test/problems/${tricky.id}`) as XmlElement;
    expect(trickyEntry.childNamed('title')?.val).toBe('Знаки <script>alert("x")</script> & «кавычки» ');
    expect(trickyEntry.childNamed('summary')?.val).toContain('Описание с <b>тегами</b> & амперсандом.');
    expect(response.body).not.toContain('<script>');
    expect(entries.map((e) => e.childNamed('id')?.val)).not.toContain(`http://democrator.test/problems/${hidden}`);

    const searched = new XmlDocument((await t.app.inject({ method: 'GET', url: `/problems.atom?q=${encodeURIComponent('ямы')}&territory=78000000` })).body);
    expect(searched.childrenNamed('entry').map((e) => e.childNamed('id')?.val)).toEqual([`http://democrator.test/problems/${pothole}`]);

    const list = await browser(t.app).get('/problems?territory=78000000&category=roads');
    expect(list.body).toContain(
      '<link rel="alternate" type="application/atom+xml" href="/problems.atom?territory=78000000&amp;category=roads" title="Проблемы на Democrator"/>',
    );
  });
});

describe('the problem page', () => {
  it('shows the description, status, author as «Иван П.», appeals, the timeline and the comments', async () => {
    const problem = await problemFixture(author, {
      title: 'Нет пешеходного перехода у поликлиники',
      description: 'Первый абзац описания.\n\nВторой абзац описания.',
      territory: '78701000',
      address: 'ул. Свободы, 10',
    });
    const appealId = await appealWithSignatures(problem.id, 2, 0);
    const page = await browser(t.app).get(`/problems/${problem.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Нет пешеходного перехода у поликлиники</h1>');
    expect(page.body).toContain('<span class="badge badge-open">открыта</span>');
    expect(textOf(page.body)).toContain('Автор — Иван П.,');
    expect(page.body).not.toContain('Петров');
    expect(page.body).toContain('<p class="pre-line">Первый абзац описания.</p>');
    expect(page.body).toContain('<p class="pre-line">Второй абзац описания.</p>');
    expect(page.body).toContain(`<a href="/appeals/${appealId}">Коллективное обращение</a>`);
    expect(textOf(page.body)).toContain('2 подписи');
    expect(page.body).toContain('Хроника');
    expect(page.body).toMatch(/<time dateTime="[^"]+">\d{1,2} [а-я]+ \d{4} г\. в \d{2}:\d{2}<\/time><p>Проблема опубликована<\/p>/i);
    expect(page.body).not.toContain(`/problems/${problem.id}/appeals/new`);
    const own = await browser(t.app, authorCookie).get(`/problems/${problem.id}`);
    expect(own.body).toContain(`<a class="button" href="/problems/${problem.id}/appeals/new">Написать обращение</a>`);
    expect((await browser(t.app).get('/problems/999999')).status).toBe(404);
    expect((await browser(t.app).get('/problems/abc')).status).toBe(404);
  });

  it('renders comments through the Markdown subset, never as markup, with threaded replies', async () => {
    const problem = await problemFixture(author, { title: 'Обсуждение с опасным комментарием', territory: '28701000' });
    const visitor = browser(t.app, strangerCookie);
    const page = await visitor.get(`/problems/${problem.id}`);
    const hostile = [
      '<script>alert(1)</script> **жирный** и *курсив*',
      '[ссылка](javascript:alert(2)) <img src=x onerror=alert(3)> [сайт](https://example.org "t")',
      '" onmouseover="alert(4)',
    ].join('\n\n');
    const posted = await visitor.post(`/problems/${problem.id}/comments`, { body: hostile }, csrfFrom(page.body));
    expect(posted.status).toBe(303);
    const commentId = Number(/#comment-(\d+)$/.exec(posted.location ?? '')?.[1]);
    const after = await visitor.get(`/problems/${problem.id}`);
    const comment = after.body.slice(
      after.body.indexOf(`id="comment-${commentId}"`),
      after.body.indexOf('</article>', after.body.indexOf(`id="comment-${commentId}"`)),
    );
    expect(comment).toContain('<strong>жирный</strong>');
    expect(comment).toContain('<em>курсив</em>');
    expect(comment).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(comment).toContain('<a href="https://example.org" rel="nofollow ugc noopener noreferrer">сайт</a>');
    // What stays is text: no element but the allowed ones, no event attribute, no script URL in a link.
    expect(comment).not.toMatch(/<script|<img|href="javascript:|<[^>]*\son\w+=/i);
    expect(comment).toContain('[ссылка](javascript:alert(2)) &lt;img src=x onerror=alert(3)&gt;');
    expect(comment).toContain('Ольга С.');

    const reply = await visitor.post(`/problems/${problem.id}/comments`, { body: 'Ответ на комментарий', parentId: String(commentId) }, csrfFrom(after.body));
    expect(reply.status).toBe(303);
    const threaded = await visitor.get(`/problems/${problem.id}`);
    const thread = threaded.body.slice(threaded.body.indexOf(`id="comment-${commentId}"`));
    expect(thread.indexOf('<ol class="comments comment-replies">')).toBeGreaterThan(-1);
    expect(thread.indexOf('<ol class="comments comment-replies">')).toBeLessThan(thread.indexOf('Ответ на комментарий'));
    expect(threaded.body).toContain('Обсуждение: 2 комментария');
    expect(threaded.body).toContain(`<a href="#comment-${commentId}">Новый комментарий</a>`);
    expect(threaded.body).toContain('Ответ в обсуждении');
    const events = await t.ctx.db
      .selectFrom('problem_events')
      .select(['kind', 'data'])
      .where('problem_id', '=', problem.id)
      .where('kind', '=', 'comment.created')
      .execute();
    expect(events).toHaveLength(2);
  });

  it('shows a visitor who is not signed in the discussion kept for all of them, and a change made here on the next view', async () => {
    const problem = await problemFixture(author, { title: 'Обсуждение для всех читателей', territory: '28701000' });
    const first = await addComment(t.ctx, stranger, problem.id, 'Первый комментарий **важный**');
    await addComment(t.ctx, author, problem.id, 'Ответ автора', first.id);
    const section = (body: string) => body.slice(body.indexOf('id="comments-title"'), body.indexOf('</section>', body.indexOf('id="comments-title"')));
    const anonymous = browser(t.app);
    const seen = section((await anonymous.get(`/problems/${problem.id}`)).body);
    expect(seen).toContain('Обсуждение: 2 комментария');
    expect(seen).toContain('<strong>важный</strong>');
    expect(seen).toContain(`<a class="muted" href="/report/comment/${first.id}/author" rel="nofollow">`);
    expect(seen.indexOf('<ol class="comments comment-replies">')).toBeGreaterThan(seen.indexOf(`id="comment-${first.id}"`));
    expect(seen).not.toContain('<details class="reply"');
    // The same for the next visitor, and the same as a signed-in reader's list of comments without his forms and links.
    expect(section((await browser(t.app).get(`/problems/${problem.id}`)).body)).toBe(seen);
    const signedIn = section((await browser(t.app, strangerCookie).get(`/problems/${problem.id}`)).body);
    const withoutForms = (html: string) => {
      const list = html
        .replace(/<details class="reply".*?<\/details>/gs, '')
        .replace(/ · <a class="muted" href="\/report\/comment\/\d+\/author" rel="nofollow">[^<]*<\/a>/g, '');
      return list.slice(0, list.lastIndexOf('</ol>'));
    };
    expect(withoutForms(signedIn)).toBe(withoutForms(seen));

    // A new comment, a renamed author, a hidden comment: each on the next view.
    const later = await addComment(t.ctx, stranger, problem.id, 'Ещё один комментарий');
    expect(section((await anonymous.get(`/problems/${problem.id}`)).body)).toContain(`id="comment-${later.id}"`);
    await t.ctx.db.updateTable('users').set({ first_name: 'Ксения' }).where('id', '=', stranger.id).execute();
    expect(section((await anonymous.get(`/problems/${problem.id}`)).body)).toContain('Ксения С.');
    await t.ctx.db.updateTable('users').set({ first_name: stranger.first_name }).where('id', '=', stranger.id).execute();
    await t.ctx.db.updateTable('comments').set({ hidden_at: new Date(), hidden_reason: 'Не по теме обсуждения.' }).where('id', '=', later.id).execute();
    const hidden = section((await anonymous.get(`/problems/${problem.id}`)).body);
    expect(hidden).toContain('Не по теме обсуждения.');
    expect(hidden).not.toContain('Ещё один комментарий');
    expect(hidden).toContain('Обсуждение: 2 комментария');
    // The rest of the page is kept with it: a new title, an appeal, each on the next view.
    await t.ctx.db.updateTable('problems').set({ title: 'Обсуждение для всех читателей, уточнено' }).where('id', '=', problem.id).execute();
    expect((await anonymous.get(`/problems/${problem.id}`)).body).toContain('<h1>Обсуждение для всех читателей, уточнено</h1>');
    const appealId = await appealWithSignatures(problem.id, 1, 0);
    expect((await anonymous.get(`/problems/${problem.id}`)).body).toContain(`<a href="/appeals/${appealId}">`);
  });

  it('refuses empty and overlong comments with the error beside the right field, writing nothing', async () => {
    const problem = await problemFixture(author, { title: 'Проверка длинных комментариев', territory: '28701000' });
    const visitor = browser(t.app, strangerCookie);
    const page = await visitor.get(`/problems/${problem.id}`);
    const before = await count('comments');
    const long = await visitor.post(`/problems/${problem.id}/comments`, { body: 'я'.repeat(10_001) }, csrfFrom(page.body));
    expect(long.status).toBe(422);
    expect(textOf(long.body)).toContain('Слишком длинное значение: не больше 10 000 символов.');
    expect(long.body).toContain('href="#field-body"');
    expect(long.body).toContain('я'.repeat(10_001));
    const exact = await visitor.post(`/problems/${problem.id}/comments`, { body: 'ё'.repeat(10_000) }, csrfFrom(page.body));
    expect(exact.status).toBe(303);
    const parent = Number(/#comment-(\d+)$/.exec(exact.location ?? '')?.[1]);
    const emptyReply = await visitor.post(`/problems/${problem.id}/comments`, { body: '   ', parentId: String(parent) }, csrfFrom(page.body));
    expect(emptyReply.status).toBe(422);
    expect(emptyReply.body).toContain(`href="#field-reply-${parent}"`);
    expect(emptyReply.body).toContain(`<details class="reply" open>`);
    const foreignParent = await visitor.post(`/problems/${problem.id}/comments`, { body: 'Ответ не туда', parentId: '999999' }, csrfFrom(page.body));
    expect(foreignParent.status).toBe(422);
    expect(textOf(foreignParent.body)).toContain('Комментария, на который вы отвечаете, больше нет.');
    expect(await count('comments')).toBe(before + 1);

    const unverifiedVisitor = browser(t.app, unverifiedCookie);
    const unverifiedPage = await unverifiedVisitor.get(`/problems/${problem.id}`);
    expect(unverifiedPage.body).toContain('Чтобы участвовать в обсуждении, подтвердите адрес почты.');
    expect((await unverifiedVisitor.post(`/problems/${problem.id}/comments`, { body: 'Можно?' }, csrfFrom(unverifiedPage.body))).status).toBe(403);
    const anonymous = browser(t.app);
    const anonymousPage = await anonymous.get(`/problems/${problem.id}`);
    expect(anonymousPage.body).toContain('Войдите, чтобы участвовать в обсуждении.');
    expect(anonymousPage.body).not.toContain('name="body"');
    // A visitor has no comment form; even a hand-made post (with a valid CSRF token from another page) is refused.
    const token = csrfFrom((await anonymous.get('/login')).body);
    expect((await anonymous.post(`/problems/${problem.id}/comments`, { body: 'Можно?' }, token)).status).toBe(401);
    expect(await count('comments')).toBe(before + 1);
  });

  it('follows and unfollows with a button', async () => {
    const problem = await problemFixture(author, { title: 'Проблема, за которой следят', territory: '28701000' });
    const visitor = browser(t.app, strangerCookie);
    const page = await visitor.get(`/problems/${problem.id}`);
    expect(page.body).toContain('Следить за проблемой');
    expect(textOf(page.body)).toContain('1 человек следит');
    const followed = await visitor.post(`/problems/${problem.id}/follow`, { follow: '1' }, csrfFrom(page.body));
    expect(followed.status).toBe(303);
    const after = await visitor.get(`/problems/${problem.id}`);
    expect(after.body).toContain('Вы следите за этой проблемой.');
    expect(after.body).toContain('Перестать следить');
    expect(textOf(after.body)).toContain('2 человека следят');
    expect(
      await t.ctx.db.selectFrom('problem_follows').select('user_id').where('problem_id', '=', problem.id).where('user_id', '=', stranger.id).executeTakeFirst(),
    ).toBeDefined();
    await visitor.post(`/problems/${problem.id}/follow`, { follow: '0' }, csrfFrom(after.body));
    expect(
      await t.ctx.db.selectFrom('problem_follows').select('user_id').where('problem_id', '=', problem.id).where('user_id', '=', stranger.id).executeTakeFirst(),
    ).toBeUndefined();
    const anonymous = browser(t.app);
    const anonymousPage = await anonymous.get(`/problems/${problem.id}`);
    expect(anonymousPage.body).toContain(`href="/login?return=%2Fproblems%2F${problem.id}"`);
    const token = csrfFrom((await anonymous.get('/login')).body);
    expect((await anonymous.post(`/problems/${problem.id}/follow`, { follow: '1' }, token)).status).toBe(401);
  });

  it('does not exist once hidden: page, photos, comments, follow and API are 404', async () => {
    const problem = await problemFixture(author, { title: 'Проблема, которую скроют', territory: '28701000' });
    await addPhotos(t.ctx, author, problem.id, [await processPhoto(await png())]);
    const visitor = browser(t.app, authorCookie);
    const page = await visitor.get(`/problems/${problem.id}`);
    await t.ctx.db.updateTable('problems').set({ status: 'hidden' }).where('id', '=', problem.id).execute();
    expect((await visitor.get(`/problems/${problem.id}`)).status).toBe(404);
    expect((await visitor.get(`/problems/${problem.id}/photos/0`)).status).toBe(404);
    expect((await visitor.get(`/problems/${problem.id}/edit`)).status).toBe(404);
    expect((await visitor.post(`/problems/${problem.id}/comments`, { body: 'Привет' }, csrfFrom(page.body))).status).toBe(404);
    expect((await visitor.post(`/problems/${problem.id}/follow`, { follow: '1' }, csrfFrom(page.body))).status).toBe(404);
    expect((await visitor.post(`/problems/${problem.id}/solved`, {}, csrfFrom(page.body))).status).toBe(404);
    for (const url of [`/api/v1/problems/${problem.id}`, `/api/v1/problems/${problem.id}/events`, `/api/v1/problems/${problem.id}/comments`]) {
      const response = await api<ErrorJson>('GET', url);
      expect({ url, status: response.status, code: response.json.error.code }).toEqual({ url, status: 404, code: 'not_found' });
    }
    expect((await api<ErrorJson>('PUT', `/api/v1/problems/${problem.id}/follow`, { token: strangerToken })).status).toBe(404);
  });
});

describe('the REST API', () => {
  const body = () => ({
    title: 'Сломан лифт в доме на Волжской',
    description: 'Лифт в подъезде 2 не работает с понедельника.',
    categoryId: category.housing as number,
    territoryId: place['78701000'] as number,
    address: 'г. Ярославль, Волжская наб., 5',
    latitude: 57.63,
    longitude: 39.9,
  });

  it('creates as JSON, refuses strangers, anonymous and unverified callers with stable codes', async () => {
    const anonymous = await api<ErrorJson>('POST', '/api/v1/problems', { payload: body() });
    expect([anonymous.status, anonymous.json.error.code]).toEqual([401, 'unauthenticated']);
    const unverifiedCall = await api<ErrorJson>('POST', '/api/v1/problems', { token: unverifiedToken, payload: body() });
    expect([unverifiedCall.status, unverifiedCall.json.error.code]).toEqual([403, 'email_not_verified']);
    const invalid = await api<ErrorJson>('POST', '/api/v1/problems', {
      token: authorToken,
      payload: { ...body(), title: 'Яма', latitude: 57.6, longitude: null },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.code).toBe('validation_failed');
    expect(invalid.json.error.fields).toEqual(
      expect.arrayContaining([
        { field: 'title', rule: 'tooShort', message: 'Не короче 5 символов.' },
        { field: 'longitude', rule: 'pointIncomplete', message: 'Укажите и широту, и долготу — или оставьте оба поля пустыми.' },
      ]),
    );
    const unknown = await api<ErrorJson>('POST', '/api/v1/problems', { token: authorToken, payload: { ...body(), categoryId: 99999 } });
    expect(unknown.json.error.fields).toEqual([{ field: 'categoryId', rule: 'unknownCategory', message: 'Такой темы нет.' }]);

    const created = await api<Record<string, unknown>>('POST', '/api/v1/problems', { token: authorToken, payload: body() });
    expect(created.status).toBe(201);
    const id = created.json.id as number;
    expect(created.headers.location).toBe(`/api/v1/problems/${id}`);
    expect(created.json).toMatchObject({
      title: body().title,
      status: 'open',
      url: `http://democrator.test/problems/${id}`,
      authorName: 'Иван П.',
      category: { slug: 'housing', name: 'ЖКХ' },
      territory: { oktmo: '78701000', name: 'город Ярославль', region: { oktmo: '78000000' } },
      latitude: 57.63,
      photos: [],
      appeals: [],
      counts: { comments: 0, followers: 1, signatures: 0, appeals: 0 },
      viewer: { following: true, canEdit: true, canMarkSolved: true },
    });

    const foreign = await api<ErrorJson>('PUT', `/api/v1/problems/${id}`, { token: strangerToken, payload: { ...body(), title: 'Чужой заголовок проблемы' } });
    expect([foreign.status, foreign.json.error.code]).toEqual([403, 'not_author']);
    const updated = await api<Record<string, unknown>>('PUT', `/api/v1/problems/${id}`, {
      token: authorToken,
      payload: { ...body(), title: 'Сломан лифт в доме 5 на Волжской' },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.title).toBe('Сломан лифт в доме 5 на Волжской');
    const anonymousView = await api<Record<string, unknown>>('GET', `/api/v1/problems/${id}`);
    expect(anonymousView.json.viewer).toBeNull();
    expect((await api<ErrorJson>('GET', '/api/v1/problems/0')).status).toBe(422);
  });

  it('adds photos by multipart upload, all or nothing, at most five in all', async () => {
    const problem = await problemFixture(author, { title: 'Фотографии через API', territory: '78701000' });
    const upload = async (token: string, files: Upload[]) => {
      const form = multipart({}, files);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/problems/${problem.id}/photos`,
        headers: { authorization: `Bearer ${token}`, 'content-type': form.contentType },
        payload: form.payload,
      });
      return { status: response.statusCode, json: response.json() as ErrorJson & { photos: { url: string; thumbnailUrl: string; contentType: string }[] } };
    };
    const jpeg = await jpegWithGps(640, 480);
    const denied = await upload(strangerToken, [{ name: 'photos', filename: 'a.jpg', type: 'image/jpeg', data: jpeg }]);
    expect([denied.status, denied.json.error.code]).toEqual([403, 'not_author']);
    const before = await count('problem_photos');
    const mixed = await upload(authorToken, [
      { name: 'photos', filename: 'a.jpg', type: 'image/jpeg', data: jpeg },
      { name: 'photos', filename: 'b.gif', type: 'image/gif', data: gif },
    ]);
    expect(mixed.status).toBe(422);
    expect(mixed.json.error.fields).toEqual([{ field: 'photos', rule: 'photoType', message: 'Фото 2: подходят только снимки JPEG, PNG или WebP.' }]);
    expect(await count('problem_photos')).toBe(before);

    const ok = await upload(authorToken, [
      { name: 'photos', filename: 'a.jpg', type: 'image/jpeg', data: jpeg },
      { name: 'photos', filename: 'b.png', type: 'image/png', data: await png() },
    ]);
    expect(ok.status).toBe(201);
    expect(ok.json.photos).toHaveLength(2);
    expect(ok.json.photos[0]).toMatchObject({ contentType: 'image/jpeg', url: `http://democrator.test/problems/${problem.id}/photos/0` });
    const stored = await t.app.inject({ method: 'GET', url: `/problems/${problem.id}/photos/0` });
    expect((await sharp(stored.rawPayload).metadata()).exif).toBeUndefined();

    const photo = await png();
    const tooMany = await upload(
      authorToken,
      Array.from({ length: 4 }, (_, i) => ({ name: 'photos', filename: `${i}.png`, type: 'image/png', data: photo })),
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.error.fields?.[0]).toMatchObject({ field: 'photos', rule: 'tooManyPhotos' });
    expect(await count('problem_photos')).toBe(before + 2);
    const three = await upload(
      authorToken,
      Array.from({ length: 3 }, (_, i) => ({ name: 'photos', filename: `${i}.png`, type: 'image/png', data: photo })),
    );
    expect(three.status).toBe(201);
    expect(three.json.photos.map((p) => p.url.split('/').at(-1))).toEqual(['0', '1', '2', '3', '4']);
  });

  it('lists similar problems, the timeline, comments, follows and marks solved', async () => {
    const problem = await problemFixture(author, {
      title: 'Затопило подвал дома на Рыбинской',
      description: 'Подвал затоплен водой из лопнувшей трубы.',
      territory: '78715000',
      category: 'housing',
    });
    const similar = await api<{ items: { id: number; title: string; url: string }[] }>(
      'GET',
      `/api/v1/problems/similar?territoryId=${place['78715000']}&title=${encodeURIComponent('Затоплен подвал')}&description=${encodeURIComponent('В подвале вода из трубы')}`,
    );
    expect(similar.status).toBe(200);
    expect(similar.json.items.map((s) => s.id)).toContain(problem.id);
    const elsewhere = await api<{ items: unknown[] }>(
      'GET',
      `/api/v1/problems/similar?territoryId=${place['78701000']}&title=${encodeURIComponent('Затоплен подвал')}`,
    );
    expect(elsewhere.json.items.map((s) => (s as { id: number }).id)).not.toContain(problem.id);

    const comment = await api<Record<string, unknown>>('POST', `/api/v1/problems/${problem.id}/comments`, {
      token: strangerToken,
      payload: { body: '<script>x</script> **Поддерживаю**' },
    });
    expect(comment.status).toBe(201);
    expect(comment.json).toMatchObject({ authorName: 'Ольга С.', html: '<p>&lt;script&gt;x&lt;/script&gt; <strong>Поддерживаю</strong></p>', parentId: null });
    const reply = await api<Record<string, unknown>>('POST', `/api/v1/problems/${problem.id}/comments`, {
      token: authorToken,
      payload: { body: 'Спасибо!', parentId: comment.json.id },
    });
    expect(reply.json.parentId).toBe(comment.json.id);
    const empty = await api<ErrorJson>('POST', `/api/v1/problems/${problem.id}/comments`, { token: authorToken, payload: { body: ' ' } });
    expect(empty.json.error.fields).toEqual([{ field: 'body', rule: 'required', message: 'Заполните это поле.' }]);
    const comments = await api<{ items: { id: number }[]; total: number }>('GET', `/api/v1/problems/${problem.id}/comments`);
    expect(comments.json.total).toBe(2);

    const follow = await api<{ following: boolean; followers: number }>('PUT', `/api/v1/problems/${problem.id}/follow`, { token: strangerToken });
    expect(follow.json).toEqual({ following: true, followers: 2 });
    expect((await api('PUT', `/api/v1/problems/${problem.id}/follow`, { token: strangerToken })).json).toEqual({ following: true, followers: 2 });
    expect((await api('DELETE', `/api/v1/problems/${problem.id}/follow`, { token: strangerToken })).json).toEqual({ following: false, followers: 1 });
    expect((await api<ErrorJson>('PUT', `/api/v1/problems/${problem.id}/follow`)).status).toBe(401);

    expect((await api<ErrorJson>('POST', `/api/v1/problems/${problem.id}/solved`, { token: strangerToken })).json.error.code).toBe('not_author');
    const longNote = await api<ErrorJson>('POST', `/api/v1/problems/${problem.id}/solved`, { token: authorToken, payload: { note: 'ы'.repeat(1001) } });
    expect([longNote.status, longNote.json.error.code]).toEqual([422, 'validation_failed']);
    expect(longNote.json.error.fields).toEqual([{ field: 'note', rule: 'tooLong', message: expect.stringMatching(/не больше 1.000 символов/) }]);
    const solved = await api<Record<string, unknown>>('POST', `/api/v1/problems/${problem.id}/solved`, {
      token: authorToken,
      payload: { note: 'Яму заделали через неделю.' },
    });
    expect(solved.status).toBe(200);
    expect(solved.json.status).toBe('solved');
    expect(solved.json.solvedAt).toEqual(expect.any(String));
    expect(solved.json).toMatchObject({ solvedNote: 'Яму заделали через неделю.', solvedBy: expect.any(String) });
    const twice = await api<ErrorJson>('POST', `/api/v1/problems/${problem.id}/solved`, { token: authorToken });
    expect([twice.status, twice.json.error.code]).toEqual([409, 'conflict']);
    const edit = await api<ErrorJson>('PUT', `/api/v1/problems/${problem.id}`, { token: authorToken, payload: { ...body(), title: 'Правка после решения' } });
    expect([edit.status, edit.json.error.code]).toEqual([409, 'conflict']);

    const events = await api<{ items: { kind: string; label: string; actorName: string | null }[] }>('GET', `/api/v1/problems/${problem.id}/events`);
    expect(events.json.items.map((e) => [e.kind, e.label])).toEqual([
      ['problem.published', 'Проблема опубликована'],
      ['comment.created', 'Новый комментарий'],
      ['comment.created', 'Ответ в обсуждении'],
      ['problem.solved', 'Проблема отмечена как решённая: «Яму заделали через неделю.»'],
    ]);
    expect(events.json.items[1]?.actorName).toBe('Ольга С.');
  });

  it('describes the routes in the OpenAPI document', async () => {
    const document = await api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/v1/openapi.json');
    for (const [path, method] of [
      ['/api/v1/problems', 'get'],
      ['/api/v1/problems', 'post'],
      ['/api/v1/problems/similar', 'get'],
      ['/api/v1/problems/markers', 'get'],
      ['/api/v1/problems/{id}', 'put'],
      ['/api/v1/problems/{id}/photos', 'post'],
      ['/api/v1/problems/{id}/events', 'get'],
      ['/api/v1/problems/{id}/comments', 'post'],
      ['/api/v1/problems/{id}/follow', 'delete'],
      ['/api/v1/problems/{id}/solved', 'post'],
    ] as const) {
      expect(document.json.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});

describe('the 59-FZ Art. 11 language check before publishing', () => {
  it('asks the author of a problem to rephrase a threat, on the page and over the API, and publishes when told to', async () => {
    const before = await count('problems');
    const fields = {
      title: 'Двор у дома 7 не убирают',
      description: 'Если двор не уберут до пятницы, я сожгу вашу администрацию.',
      categoryId: String(category.roads),
      territoryId: String(place['28701000']),
      confirmed: '1',
    };
    const visitor = browser(t.app, authorCookie);
    const refused = await submitMultipart(visitor, '/problems/new', '/problems/new', fields);
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Похоже на угрозу: «сожгу вашу администрацию»');
    expect(textOf(refused.body)).toContain('Пожалуйста, перефразируйте выделенные места.');
    expect(refused.body).toContain('name="acknowledge"');
    expect(await count('problems')).toBe(before);
    const viaApi = await api<ErrorJson>('POST', '/api/v1/problems', {
      token: authorToken,
      payload: { title: fields.title, description: fields.description, categoryId: category.roads, territoryId: place['28701000'] },
    });
    expect(viaApi.status).toBe(422);
    expect(viaApi.json.error.code).toBe('language_warning');
    expect(viaApi.json.error.fields?.[0]).toMatchObject({ field: 'description', rule: 'threatLanguage' });
    expect(await count('problems')).toBe(before);
    // The author decides the check is wrong: it publishes as written.
    const published = await submitMultipart(visitor, '/problems/new', '/problems/new', { ...fields, acknowledge: 'yes' });
    expect(published.status).toBe(303);
    expect(await count('problems')).toBe(before + 1);
  });

  it('asks the author of a comment to rephrase obscene language, keeping the text, and publishes when told to', async () => {
    const problem = await problemFixture(author, { title: 'Сломанные качели во дворе', description: 'Качели сломаны уже месяц.', territory: '28701000' });
    const visitor = browser(t.app, strangerCookie);
    const page = await visitor.get(`/problems/${problem.id}`);
    const body = 'Да сколько можно, заебали уже эти качели.';
    const refused = await visitor.post(`/problems/${problem.id}/comments`, { body }, csrfFrom(page.body));
    expect(refused.status).toBe(422);
    expect(textOf(refused.body)).toContain('Нецензурное выражение: «заебали»');
    expect(textOf(refused.body)).toContain(body);
    const viaApi = await api<ErrorJson>('POST', `/api/v1/problems/${problem.id}/comments`, { token: strangerToken, payload: { body } });
    expect(viaApi.json.error.code).toBe('language_warning');
    const comments = () => t.ctx.db.selectFrom('comments').select('body').where('problem_id', '=', problem.id).execute();
    expect(await comments()).toEqual([]);
    const published = await visitor.post(`/problems/${problem.id}/comments`, { body, acknowledge: 'yes' }, csrfFrom(refused.body));
    expect(published.status).toBe(303);
    expect(await comments()).toEqual([{ body }]);
  });
});

describe('pages of a listing, by cursor', () => {
  /** The listed problems of the Tver region (its municipalities' and its own) now, newest first. */
  async function listedInRegion(): Promise<number[]> {
    const rows = await sql<{ id: number }>`select p.id from problems p join territories t on t.id = p.territory_id
      where (t.id = ${place['28000000']} or t.parent_id = ${place['28000000']}) and p.status in ('open', 'solved', 'closed')
      order by p.created_at desc, p.id desc`.execute(t.ctx.db);
    return rows.rows.map((row) => row.id);
  }

  const municipalities = ['28701000', '28544000', '28530000'];
  let published = 0;
  const publish = () => problemFixture(author, { title: `Проблема для листания № ${++published}`, territory: municipalities[published % 3] as string });

  beforeAll(async () => {
    const made = [];
    for (let i = 0; i < 24; i++) made.push((await publish()).id);
    // Problems published in the same microsecond (a bulk import) are ordered by id; one a microsecond later stays apart.
    await sql`update problems set created_at = '2026-01-15 10:00:00.123456+00' where id = any(${made.slice(0, 4)}::int[])`.execute(t.ctx.db);
    await sql`update problems set created_at = '2026-01-15 10:00:00.123457+00' where id = ${made[4]}`.execute(t.ctx.db);
  });

  it('visits every problem exactly once over the API while problems are being published between pages, forwards and back', async () => {
    const before = await listedInRegion();
    const seen: number[] = [];
    type Page = { items: { id: number }[]; next: string | null; previous: string | null; total: number; totalCapped: boolean };
    let page = (await api<Page>('GET', '/api/v1/problems?territory=28000000&perPage=4')).json;
    expect(page).toMatchObject({ previous: null, total: before.length, totalCapped: false });
    const pages: Page[] = [];
    for (;;) {
      pages.push(page);
      seen.push(...page.items.map((item) => item.id));
      // Someone publishes while the reader turns the page: it goes to the top, not into the pages still ahead.
      await publish();
      if (!page.next) break;
      const next = await api<Page>('GET', `/api/v1/problems?territory=28000000&perPage=4&after=${page.next}`);
      expect(next.status).toBe(200);
      page = next.json;
    }
    expect(seen).toEqual(before);
    expect(pages.length).toBe(Math.ceil(before.length / 4));
    // Back from the last page: the same problems in reverse, then the ones published meanwhile, each once.
    const back: number[] = [];
    let cursor = page.previous;
    back.unshift(...page.items.map((item) => item.id));
    while (cursor) {
      const previous = (await api<Page>('GET', `/api/v1/problems?territory=28000000&perPage=4&before=${cursor}`)).json;
      back.unshift(...previous.items.map((item) => item.id));
      cursor = previous.previous;
    }
    expect(back).toEqual(await listedInRegion());
    expect(new Set(back).size).toBe(back.length);
    expect(back.slice(back.length - before.length)).toEqual(before);
  });

  it('pages without JavaScript by «Дальше» and «Назад» links, every problem once, and still answers an old ?page= link', async () => {
    const before = await listedInRegion();
    const visitor = browser(t.app);
    const idsOn = (html: string) => [...html.matchAll(/<h2><a href="\/problems\/(\d+)">/g)].map((match) => Number(match[1]));
    const linkOf = (html: string, rel: 'next' | 'prev') => {
      const href = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html)?.[1];
      return href ? decode(href) : null;
    };
    let page = await visitor.get('/problems?territory=28000000');
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain(`Найдено ${before.length} проблем`);
    expect(linkOf(page.body, 'prev')).toBeNull();
    const seen: number[] = [];
    const visited: string[] = [];
    for (;;) {
      seen.push(...idsOn(page.body));
      await publish();
      const next = linkOf(page.body, 'next');
      if (!next) break;
      expect(next).toMatch(/^\/problems\?territory=28000000&after=[A-Za-z0-9_-]+$/);
      visited.push(next);
      page = await visitor.get(next);
      expect(page.status).toBe(200);
    }
    expect(seen).toEqual(before);
    expect(visited.length).toBeGreaterThan(0);
    // «Назад» from the second page leads back to the first page's problems (those published since come before them).
    const second = await visitor.get(visited[0] as string);
    const previous = linkOf(second.body, 'prev');
    expect(previous).toMatch(/^\/problems\?territory=28000000&before=/);
    const firstAgain = idsOn((await visitor.get(previous as string)).body);
    expect(firstAgain).toEqual(before.slice(0, 20).slice(-firstAgain.length));
    expect(second.body).toContain('href="/problems?territory=28000000"');
    // The page numbers of links written before the cursors still answer, by the old order.
    const old = await visitor.get('/problems?territory=28000000&page=2');
    expect(old.status).toBe(200);
    expect(idsOn(old.body)).toEqual((await listedInRegion()).slice(20, 40));
  });

  it('refuses a damaged or made-up cursor with a clear 400, on the page and in the API', async () => {
    const page = await browser(t.app).get('/problems?after=garbage%21');
    expect(page.status).toBe(400);
    expect(textOf(page.body)).toContain('Ссылка на страницу списка повреждена или устарела');
    for (const url of ['/api/v1/problems?after=garbage', '/api/v1/problems?before=bi4xMjM', `/api/v1/problems?sort=resonant&after=${'bi4xLjI'}`]) {
      const refused = await api<ErrorJson>('GET', url);
      expect(refused.status, url).toBe(400);
      expect(refused.json.error.code).toBe('invalid_cursor');
    }
    // A cursor of one order does not start another order's list.
    const first = await api<{ next: string }>('GET', '/api/v1/problems?perPage=2');
    expect((await api<ErrorJson>('GET', `/api/v1/problems?perPage=2&sort=solved&after=${first.json.next}`)).status).toBe(400);
    expect((await api('GET', `/api/v1/problems?perPage=2&after=${first.json.next}`)).status).toBe(200);
    const feed = await t.app.inject({ method: 'GET', url: '/problems.atom?after=garbage' });
    expect(feed.statusCode).toBe(400);
  });
});

// Last in the file: the capped totals are kept for 30 seconds, and would change the totals the tests above read.
describe('a listing of more than 10,000 problems', () => {
  it('says «более 10 000» instead of counting them all, on the list, the territory page and in the API', async () => {
    const moscow = place['45000000'] as number;
    await sql`insert into problems (title, description, category_id, territory_id, author_id)
      select 'Массовая проблема ' || n, 'Описание массовой проблемы номер ' || n, ${category.roads}, ${moscow}, ${author.id}
      from generate_series(1, 10001) n`.execute(t.ctx.db);
    try {
      const page = await browser(t.app).get('/problems?territory=45000000');
      expect(textOf(page.body)).toContain('Найдено более 10 000 проблем');
      const listing = await api<{ total: number; totalCapped: boolean; items: unknown[]; next: string | null }>('GET', '/api/v1/problems?territory=45000000');
      expect(listing.json).toMatchObject({ total: 10_000, totalCapped: true });
      expect(listing.json.items).toHaveLength(50);
      expect(listing.json.next).not.toBeNull();
      const territory = await browser(t.app).get('/territories/45000000');
      expect(textOf(territory.body)).toContain('Более 10 000 проблем');
    } finally {
      await t.ctx.db.deleteFrom('problems').where('territory_id', '=', moscow).execute();
    }
  });
});
