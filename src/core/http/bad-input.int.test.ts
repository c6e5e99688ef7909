/**
 * Bad input gets a 4xx with a stable code and a translated message, never a 500: NUL bytes, integers
 * beyond PostgreSQL's integer, multipart bodies without a boundary or cut short, paths the router cannot
 * decode or finds too long, lengths counted in characters as the database counts them, arrays where a
 * single value belongs. (fuzz-api.int.test.ts and fuzz-forms.int.test.ts generate such input for every
 * operation and form; the cases here are the ones they found, pinned.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createUser, openAppeal, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { unsubscribeToken } from '../../modules/notifications/notifications.rules.ts';

let t: TestApp;
let token: string;
let cookie: string;
let problemId: number;
let territory: number;
let categoryId: number;

const json = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'content-type': 'application/json' });

beforeAll(async () => {
  t = await createTestApp();
  territory = await createMunicipality(t.ctx);
  const category = await t.ctx.db.selectFrom('categories').select('id').executeTakeFirstOrThrow();
  categoryId = category.id;
  const citizen = await createUser(t.ctx, { firstName: 'Мария', surname: 'Волкова' });
  token = await apiTokenFor(t.ctx, citizen);
  cookie = await sessionCookieFor(t.ctx, citizen);
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/problems',
    headers: json(token),
    payload: { title: 'Яма у школы', description: 'Глубокая яма на тротуаре у школы.', categoryId, territoryId: territory },
  });
  expect(created.statusCode).toBe(201);
  problemId = created.json().id;
});
afterAll(() => t?.stop());

function expectApiError(response: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/[а-яё]/i);
}

describe('NUL bytes', () => {
  it.each([
    ['GET', '/api/v1/problems?q=%00'],
    ['GET', '/api/v1/organizations?q=a%00b'],
    ['GET', '/api/v1/territories?q=%00'],
    ['GET', '/api/v1/organizations/%00'],
  ])('%s %s → 400 invalid_characters', async (method, url) => {
    expectApiError(await t.app.inject({ method: method as 'GET', url }), 400, 'invalid_characters');
  });

  it.each([
    ['/api/v1/tokens', { email: 'a\u0000@example.test', password: 'x', name: 'n' }],
    ['/api/v1/accounts/password-reset', { email: '\u0000' }],
    [`/api/v1/problems/{id}/comments`, { body: 'Да\u0000' }],
    ['/api/v1/problems', { title: 'Яма\u0000 у школы', description: 'Глубокая яма на тротуаре.', categoryId: 1, territoryId: 1 }],
  ])('POST %s with a NUL in a JSON string → 400 invalid_characters', async (url, payload) => {
    const response = await t.app.inject({ method: 'POST', url: url.replace('{id}', String(problemId)), headers: json(token), payload });
    expectApiError(response, 400, 'invalid_characters');
  });

  it('refuses a NUL on form pages with a translated 400 page', async () => {
    for (const url of ['/problems?q=%00', '/organizations?q=%00', '/login?return=%00']) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(400);
      expect(page.body).toContain('недопустимый символ');
    }
    const visitor = browser(t.app);
    const login = await visitor.submit('/login', '/login', { email: '\u0000', password: 'x' });
    expect(login.status).toBe(400);
    expect(login.body).toContain('недопустимый символ');
  });
});

describe('integers beyond PostgreSQL integer', () => {
  it.each(['/appeals/2147483648', '/problems/2147483648', '/problems/99999999999', '/appeals/1e3', `/problems/1/photos/2147483648`])(
    'page %s → 404',
    async (url) => {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    },
  );

  it.each([
    '/api/v1/appeals/2147483648',
    '/api/v1/problems/2147483648',
    '/api/v1/appeals/2147483648/count',
    '/api/v1/organizations/suggest?territoryId=2147483648',
    '/api/v1/problems/similar?territoryId=1e10&title=x',
  ])('GET %s → 422 validation_failed', async (url) => {
    expectApiError(await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }), 422, 'validation_failed');
  });

  it.each([1e10, 'Infinity', 2_147_483_648, '1e10'])('organizationId %s in a JSON body → 422', async (organizationId) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/problems/${problemId}/appeals`,
      headers: json(token),
      payload: { organizationId, title: 'Отремонтируйте тротуар', text: 'Просим отремонтировать тротуар.' },
    });
    expectApiError(response, 422, 'validation_failed');
  });

  it('answers a huge id chosen in a form with a field error, not a 500', async () => {
    const visitor = browser(t.app, cookie);
    const page = await visitor.get(`/problems/${problemId}/appeals/new`);
    const response = await visitor.post(
      `/problems/${problemId}/appeals/new`,
      { organizationId: '99999999999', title: 'Отремонтируйте тротуар', text: 'Просим отремонтировать тротуар.' },
      csrfFrom(page.body),
    );
    expect(response.status).toBe(422);
  });
});

describe('ids typed as text in a form', () => {
  it.each(['1e10', '2147483648', '0x10', '99999999999'])(
    'answers a jurisdiction territory or category %s on the organization form with 422 unknown, not a 500',
    async (id) => {
      const admin = browser(t.app, await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'admin' })));
      const before = await t.ctx.db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const jurisdictions: Record<string, string | string[]>[] = [
        { jurisdiction0Territory: id },
        { jurisdiction0Territory: String(territory), jurisdiction0Categories: [String(categoryId), id] },
      ];
      for (const jurisdiction of jurisdictions) {
        const response = await admin.submit('/admin/organizations/new', '/admin/organizations/new', {
          name: `Администрация (проверка ${id})`,
          kind: 'municipal_administration',
          territoryId: String(territory),
          ...jurisdiction,
        });
        expect(response.status).toBe(422);
        expect(response.body).toMatch(/Такой территории нет\.|Такой темы нет\./);
      }
      const after = await t.ctx.db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    },
  );
});

describe('multipart/form-data without a boundary', () => {
  it('answers every POST, PUT and PATCH of the API with 400 malformed_body', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const writes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((method) => ['post', 'put', 'patch'].includes(method))
        .map((method) => [method.toUpperCase(), path.replace('{id}', String(problemId)).replace('{slug}', 'x').replace('{oktmo}', '28701000')] as const),
    );
    expect(writes.length).toBeGreaterThan(20);
    const statuses: string[] = [];
    for (const [method, url] of writes) {
      const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data' }, payload: 'x' });
      statuses.push(`${method} ${url} ${response.statusCode} ${(response.json() as { error?: { code: string } }).error?.code}`);
    }
    expect(statuses.filter((line) => !line.endsWith(' 400 malformed_body'))).toEqual([]);
  });

  it.each([
    ['cut short', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nДа'],
    ['no delimiter at all', 'multipart/form-data; boundary=b', 'garbage before any boundary'],
    ['only a delimiter', 'multipart/form-data; boundary=b', '--b\r\n'],
    ['a boundary longer than 70 characters', `multipart/form-data; boundary=${'b'.repeat(71)}`, `--${'b'.repeat(71)}\r\n`],
    ['a boundary longer than busboy takes', `multipart/form-data; boundary=${'b'.repeat(300)}`, 'x'],
  ])('answers a multipart body %s with 400 malformed_body', async (_, type, payload) => {
    for (const headers of [{ authorization: `Bearer ${token}` }, {}]) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/problems/${problemId}/comments`,
        headers: { ...headers, 'content-type': type },
        payload,
      });
      expectApiError(response, 400, 'malformed_body');
    }
  });

  it('answers form pages with a translated 400 page', async () => {
    for (const url of ['/login', '/register', '/problems/new', `/problems/${problemId}/comments`, '/admin/territories/import']) {
      const response = await t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'multipart/form-data' }, payload: 'x' });
      expect(response.statusCode, url).toBe(400);
      expect(response.body, url).toContain('Запрос повреждён');
    }
  });
});

describe('lengths in characters, as the database counts them', () => {
  it('refuses a title of 3 characters written with 6 UTF-16 units (🙂🇷🇺) as too short', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/problems',
      headers: json(token),
      payload: { title: '🙂🇷🇺', description: '🙂🙂🙂🙂🙂🙂', categoryId, territoryId: territory },
    });
    expectApiError(response, 422, 'validation_failed');
    const fields = (response.json() as { error: { fields: { field: string; rule: string }[] } }).error.fields;
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'title', rule: 'tooShort' }),
        expect.objectContaining({ field: 'description', rule: 'tooShort' }),
      ]),
    );
  });

  it('accepts a title of 200 emoji (400 UTF-16 units) as exactly 200 characters', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/problems',
      headers: json(token),
      payload: { title: '🙂'.repeat(200), description: 'Описание из многих символов.', categoryId, territoryId: territory },
    });
    expect(response.statusCode).toBe(201);
    expect([...response.json().title]).toHaveLength(200);
  });
});

describe('arrays where one value belongs', () => {
  it.each([[[1]], [['1']], [[1, 2]]])('parentId %j in a JSON comment → 422, never reaching SQL', async (parentId) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/problems/${problemId}/comments`,
      headers: json(token),
      payload: { body: 'Ответ', parentId },
    });
    expectApiError(response, 422, 'validation_failed');
  });

  it.each([[[1]], [['1']]])('an organization parentId %j (admins) → 422, never reaching SQL', async (parentId) => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: json(await apiTokenFor(t.ctx, admin)),
      payload: { name: 'Администрация (тест)', kind: 'municipal_administration', territoryId: territory, parentId },
    });
    expectApiError(response, 422, 'validation_failed');
  });

  it('answers a repeated parentId in a comment form with a field error, not a 500', async () => {
    const visitor = browser(t.app, cookie);
    const page = await visitor.get(`/problems/${problemId}`);
    const response = await visitor.post(`/problems/${problemId}/comments`, { body: 'Ответ', parentId: ['1', '1'] }, csrfFrom(page.body));
    expect(response.status).toBeLessThan(500);
  });

  it('answers a repeated organizationId in a JSON appeal with 422', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/problems/${problemId}/appeals`,
      headers: json(token),
      payload: { organizationId: [1], title: 'Отремонтируйте тротуар', text: 'Просим отремонтировать тротуар.' },
    });
    expectApiError(response, 422, 'validation_failed');
  });
});

describe('paths the router cannot decode, or finds too long', () => {
  it.each(['%ZZ', '%', '%ED%A0%80', '%C0%AF', '%FF%FE', '%E0%A4%A'])('GET /api/v1/problems/%s → 422 validation_failed in the envelope', async (segment) => {
    expectApiError(await t.app.inject({ method: 'GET', url: `/api/v1/problems/${segment}` }), 422, 'validation_failed');
  });

  it('answers an undecodable page path with the translated 404 page, and keeps its query', async () => {
    for (const url of ['/problems/%ZZ', '/problems/%ED%A0%80?page=2', '/organizations/%C0%AF', '/territories/%']) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(404);
      expect(page.headers['content-type'], url).toMatch(/^text\/html/);
      expect(page.body, url).toContain('Такой страницы нет');
    }
  });

  it('refuses a 30 000-character id in the envelope (422), and a page with 404, not the router’s bare 414', async () => {
    expectApiError(await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${'9'.repeat(30_000)}` }), 422, 'validation_failed');
    expectApiError(await t.app.inject({ method: 'GET', url: `/api/v1/organizations/${'x'.repeat(30_000)}` }), 422, 'validation_failed');
    expect((await t.app.inject({ method: 'GET', url: `/problems/${'9'.repeat(30_000)}` })).statusCode).toBe(404);
  });

  it('opens an unsubscribe link whose token is longer than 100 characters (the router’s old limit)', async () => {
    const person = await createUser(t.ctx);
    const token = unsubscribeToken(t.ctx.config.secret, { userId: person.id, kind: 'appeal.threshold_reached', problemId: 2_000_000_000 });
    expect(token.length).toBeGreaterThan(100);
    const page = await t.app.inject({ method: 'GET', url: `/unsubscribe/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Отписка от писем</h1>');
  });
});

// Last: it creates organizations, and the tests above count on there being none with id 1.
describe('the signatures table’s limits, checked before it is reached', () => {
  it.each([
    ['an address of 4 characters', { postalAddress: 'д. 1' }, 'postalAddress'],
    ['an address "1.5" (a number in JSON, coerced)', { postalAddress: 1.5 }, 'postalAddress'],
    ['an address ["1"] (coerced to "1")', { postalAddress: ['1'] }, 'postalAddress'],
    ['a name of 2 letters written with 4 UTF-16 units', { fullName: '𝔄𝔅' }, 'fullName'],
  ])('refuses %s with 422 before the insert (it was a 500 from the check constraint)', async (_, change, field) => {
    const { appeal } = await openAppeal(t.ctx);
    const signer = await createUser(t.ctx);
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/signatures`,
      headers: json(await apiTokenFor(t.ctx, signer)),
      payload: { fullName: 'Кузнецова Мария', postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: true, ...change },
    });
    expectApiError(response, 422, 'validation_failed');
    expect(new Set((response.json() as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field))).toEqual(new Set([field]));
  });

  it('refuses a profile address the sign form would refuse', async () => {
    const response = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: json(token), payload: { postalAddress: 'д. 1' } });
    expectApiError(response, 422, 'validation_failed');
  });
});
