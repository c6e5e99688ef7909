/**
 * Rate limits per client address and per account, from the site settings: an action's page and API count
 * together; in memory by default; through Redis (REDIS_URL) shared by two app instances on one database.
 */
import { randomInt } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, reachablePostgres } from '../../../test/support/database.ts';
import { apiTokenFor, createProblem, createUser, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { updateSiteSettings } from '../../modules/admin/admin.settings.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** An address of this run only: Redis outlives test runs. */
const freshAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function setLimits(t: TestApp, limits: Record<string, number>) {
  const admin = await createUser(t.ctx, { role: 'admin' });
  await updateSiteSettings(t.ctx, admin.id, limits);
}

describe('rate limits in one process', () => {
  it('count per account across addresses and per address across accounts, page and API together, and say when to try again', async () => {
    const t = await createTestApp();
    cleanups.push(() => t.stop());
    await setLimits(t, { rateLimitComment: 2 });
    const author = await verifiedCitizen(t.ctx);
    const problem = await createProblem(t.ctx, { author });
    const comment = (token: string, remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/problems/${problem.id}/comments`,
        headers: { authorization: `Bearer ${token}` },
        payload: {},
        remoteAddress,
      });

    // One account from three addresses: the third is over its limit (an empty comment is refused, but counted).
    const token = await apiTokenFor(t.ctx, author);
    expect((await comment(token, freshAddress())).statusCode).toBe(422);
    expect((await comment(token, freshAddress())).statusCode).toBe(422);
    const over = await comment(token, freshAddress());
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json().error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/Попробуйте снова через \d+ секунд/) });

    // One address, two accounts: the page and the API share the address's count.
    const address = freshAddress();
    const first = await verifiedCitizen(t.ctx);
    expect((await comment(await apiTokenFor(t.ctx, first), address)).statusCode).toBe(422);
    const second = await verifiedCitizen(t.ctx);
    const page = browser(t.app);
    const login = await page.get('/login');
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: `_csrf=${page.cookies.get('_csrf')}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(login.body), email: second.email, password: 'correct-Horse-battery-7' }).toString(),
      remoteAddress: address,
    });
    expect(signedIn.statusCode).toBe(303);
    const cookie = [`_csrf=${page.cookies.get('_csrf')}`, ...([] as string[]).concat(signedIn.headers['set-cookie'] ?? []).map((c) => c.split(';')[0])].join(
      '; ',
    );
    const problemPage = await t.app.inject({ method: 'GET', url: `/problems/${problem.id}`, headers: { cookie }, remoteAddress: address });
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: `/problems/${problem.id}/comments`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrfFrom(problemPage.body), body: '' }).toString(),
        remoteAddress: address,
      });
    expect((await post()).statusCode).toBe(422);
    const refusedPage = await post();
    expect(refusedPage.statusCode).toBe(429);
    expect(refusedPage.headers['content-type']).toContain('text/html');
    expect(refusedPage.body).toMatch(/Попробуйте снова через \d+ секунд/);
  });
});

describe('rate limits through Redis', () => {
  it('are shared by two app instances on one database', async () => {
    const server = await reachablePostgres();
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (!server) {
      console.warn(`skipped: no PostgreSQL at ${faultPostgresUrl} (two app instances need a shared database)`);
      return;
    }
    const database = await createPostgresDatabase(server);
    const one = await createTestApp({ REDIS_URL: redisUrl }, { testDatabase: database });
    const other = await createTestApp({ REDIS_URL: redisUrl }, { testDatabase: { ...database, drop: async () => {} } });
    cleanups.push(() => one.stop());
    cleanups.push(() => other.stop());
    await setLimits(one, { rateLimitRegister: 3 });
    const address = freshAddress();
    const register = (t: TestApp) => t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: {}, remoteAddress: address });
    expect((await register(one)).statusCode).toBe(422);
    expect((await register(other)).statusCode).toBe(422);
    expect((await register(one)).statusCode).toBe(422);
    // The fourth, on the other node, is over the limit the two counted together.
    const over = await register(other);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    // Another address is not.
    expect((await other.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: {}, remoteAddress: freshAddress() })).statusCode).toBe(422);
  });
});
