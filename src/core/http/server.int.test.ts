/** The HTTP frame: error pages, languages, security headers, the policy on every route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createUser, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { AppContext } from '../context.ts';
import { buildServer } from './server.tsx';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

describe('error pages', () => {
  it('answers an unknown page with a Russian 404 page, and an unknown API route with JSON', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/no-such-page' });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<html lang="ru">');
    expect(page.body).toContain('Страница не найдена.');
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: { code: 'not_found', message: 'Страница не найдена.' } });
  });

  it('asks anonymous visitors to log in (401) and refuses citizens admin pages (403)', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toContain('Войдите, чтобы продолжить.');
    const citizen = await createUser(t.ctx);
    const forbidden = await t.app.inject({ method: 'GET', url: '/admin/outbox', headers: { cookie: await sessionCookieFor(t.ctx, citizen) } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).toContain('Недостаточно прав для этого действия.');
  });

  it('answers an unexpected failure with a Russian 500 page that reveals nothing', async () => {
    const app = await buildServer(t.ctx as AppContext, {
      authenticate: async () => null,
      modules: [
        {
          name: 'broken',
          routes: (a) => {
            a.get('/broken', { config: { policy: 'public.view' } }, async () => {
              throw new Error('secret connection string postgres://admin:hunter2@db');
            });
            a.get('/api/v1/broken', { config: { policy: 'public.view' } }, async () => {
              throw new Error('secret connection string postgres://admin:hunter2@db');
            });
          },
        },
      ],
    });
    const page = await app.inject({ method: 'GET', url: '/broken' });
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('Что-то пошло не так.');
    expect(page.body).not.toContain('hunter2');
    const api = await app.inject({ method: 'GET', url: '/api/v1/broken' });
    expect(api.statusCode).toBe(500);
    expect(api.json()).toEqual({ error: { code: 'internal', message: 'Что-то пошло не так. Мы уже знаем об ошибке; попробуйте позже.' } });
    await app.close();
  });

  it('never shows a stack trace', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/territories/%E0%A4%A' });
    expect(response.statusCode).toBeLessThan(500);
    expect(response.body).not.toMatch(/at .+\.ts:\d+/);
  });
});

describe('languages', () => {
  it('switches to English and back, keeping the visitor on the same page', async () => {
    const visitor = browser(t.app);
    const switched = await visitor.get('/locale/en?return=%2Fterritories');
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/territories');
    const english = await visitor.get('/territories');
    expect(english.body).toContain('<html lang="en">');
    expect(english.body).toContain('89 federal subjects of Russia by federal district.');
    expect(english.body).toContain('Tver Oblast');
    await visitor.get('/locale/ru?return=%2F');
    expect((await visitor.get('/territories')).body).toContain('89 субъектов Российской Федерации по федеральным округам.');
  });

  it('does not redirect off the site', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/locale/en?return=https://evil.example/' });
    expect(response.headers.location).toBe('/');
  });

  it('does not redirect off the site through a tab, and answers line breaks and Cyrillic without a 500', async () => {
    const tab = await t.app.inject({ method: 'GET', url: '/locale/ru?return=/%09/127.0.0.1:9999/x' });
    expect(tab.statusCode).toBe(303);
    expect(new URL(tab.headers.location as string, 'http://democrator.test/').origin).toBe('http://democrator.test');
    const lineBreak = await t.app.inject({ method: 'GET', url: '/locale/ru?return=/x%0D%0ASet-Cookie:%20a=b' });
    expect(lineBreak.statusCode).toBe(303);
    expect(lineBreak.headers.location).toBe('/');
    expect(lineBreak.headers['set-cookie']).not.toContain('a=b');
    const cyrillic = await t.app.inject({ method: 'GET', url: '/locale/ru?return=/problems?q=%D0%B4%D0%BE%D1%80%D0%BE%D0%B3%D0%B0' });
    expect(cyrillic.statusCode).toBe(303);
    expect(cyrillic.headers.location).toBe('/problems?q=%D0%B4%D0%BE%D1%80%D0%BE%D0%B3%D0%B0');
    const login = await t.app.inject({ method: 'GET', url: '/login?return=/%09/evil.example/' });
    expect(login.statusCode).toBe(200);
    expect(login.body).not.toContain('evil.example');
  });
});

describe('security', () => {
  it('sends a content security policy and frame protection on pages', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps the session cookie away from scripts and other sites', async () => {
    await createUser(t.ctx, { email: 'cookie@example.test' });
    const visitor = browser(t.app);
    const page = await visitor.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const response = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: [...visitor.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, email: 'cookie@example.test', password: 'correct-Horse-battery-7' }).toString(),
    });
    const session = ([] as string[]).concat(response.headers['set-cookie'] as string[]).find((c) => c.startsWith('dm_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
  });

  it('refuses to start with a route that names no policy', async () => {
    await expect(
      buildServer(t.ctx as AppContext, {
        authenticate: async () => null,
        modules: [{ name: 'careless', routes: (app) => void app.get('/careless', async () => 'hello') }],
      }),
    ).rejects.toThrow('route GET /careless names no policy');
  });
});

describe('error pages', () => {
  it('say in plain words what happened and what to do next, the status only as a caption', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/no-such-page' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<title>Такой страницы нет');
    expect(missing.body).toMatch(/<h1 id="error-title">Такой страницы нет<\/h1>/);
    expect(missing.body).toContain('Проверьте адрес страницы.');
    expect(missing.body).toContain('href="/problems"');
    expect(missing.body).toContain('<p class="error-status">Ошибка 404</p>');

    // A page that needs a session offers to sign in and come back to the same page.
    const account = await t.app.inject({ method: 'GET', url: '/account' });
    expect(account.statusCode).toBe(401);
    expect(account.body).toContain('Нужно войти');
    expect(account.body).toContain('href="/login?return=%2Faccount"');
    const english = await t.app.inject({ method: 'GET', url: '/no-such-page', headers: { cookie: 'locale=en', 'accept-language': 'en' } });
    expect(english.body).toContain('There is no such page');
  });

  it('chooses the plural of the wait and switches to minutes from two minutes on', async () => {
    const { retryIn } = await import('./error-page.tsx');
    const { translator } = await import('../i18n/i18n.ts');
    const ru = translator('ru');
    expect(retryIn(ru, 1)).toBe('Попробуйте снова через 1 секунду.');
    expect(retryIn(ru, 3)).toBe('Попробуйте снова через 3 секунды.');
    expect(retryIn(ru, 45)).toBe('Попробуйте снова через 45 секунд.');
    expect(retryIn(ru, 21)).toBe('Попробуйте снова через 21 секунду.');
    expect(retryIn(ru, 119)).toBe('Попробуйте снова через 119 секунд.');
    expect(retryIn(ru, 120)).toBe('Попробуйте снова через 2 минуты.');
    expect(retryIn(ru, 301)).toBe('Попробуйте снова через 6 минут.');
    expect(retryIn(ru, 3600)).toBe('Попробуйте снова через 60 минут.');
    expect(retryIn(translator('en'), 1)).toBe('Try again in 1 second.');
    expect(retryIn(translator('en'), 600)).toBe('Try again in 10 minutes.');
  });
});

describe('rate limits', () => {
  it('slows down password guessing on the login form with a translated 429', async () => {
    const limited = await createTestApp({ AUTH_RATE_LIMIT: '3' });
    try {
      const visitor = browser(limited.app);
      const statuses: number[] = [];
      let last = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        const response = await visitor.submit('/login', '/login', { email: 'guess@example.test', password: `guess-${attempt}` });
        statuses.push(response.status);
        last = response.body;
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(last).toContain('Слишком много попыток.');
      // The page says when to try again, in words with the right plural, as the header does in seconds.
      expect(last).toMatch(/Попробуйте снова через (\d+) (секунду|секунды|секунд)\./);
      const seconds = Number(/через (\d+) секунд/.exec(last)?.[1]);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(60);
      const api = await limited.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: 'guess@example.test', password: 'x', name: 'n' } });
      for (let attempt = 0; attempt < 5 && api.statusCode !== 429; attempt++) {
        const next = await limited.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: 'guess@example.test', password: 'x', name: 'n' } });
        if (next.statusCode === 429) {
          expect(Number(next.headers['retry-after'])).toBeGreaterThan(0);
          expect(next.json().error.code).toBe('rate_limited');
          expect(next.json().error.message).toMatch(/Попробуйте снова через \d+ секунд/);
          return;
        }
      }
      throw new Error('the token endpoint never answered 429');
    } finally {
      await limited.stop();
    }
  });
});

describe('health and documentation', () => {
  it('reports health, and publishes the OpenAPI document with every API route', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const openapi = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(openapi.openapi).toMatch(/^3\./);
    const paths = Object.keys(openapi.paths);
    for (const expected of [
      '/api/v1/accounts',
      '/api/v1/me',
      '/api/v1/tokens',
      '/api/v1/territories',
      '/api/v1/territories/{oktmo}',
      '/api/v1/organizations',
      '/api/v1/categories',
    ]) {
      expect(paths).toContain(expected);
    }
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(docs.statusCode).toBeLessThan(400);
  });
});
