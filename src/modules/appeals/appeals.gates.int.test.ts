/**
 * The write routes that used to be gated by `appeal.view` or `problem.view` (anyone) or by a bare
 * "signed in", and refused only in the handler or the service: each now stops the wrong actor at
 * its gate, before validation and before the record is read. The ids name no record and the bodies
 * are empty, so a refusal that came from the handler would be a 404 or a 422 instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createMunicipality, createUser, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { resolveApiToken, resolveSession } from '../accounts/accounts.service.ts';

let t: TestApp;
let unverifiedToken: string;
let unverifiedCookie: string;

beforeAll(async () => {
  t = await createTestApp();
  const unverified = await createUser(t.ctx, { verified: false });
  unverifiedToken = await apiTokenFor(t.ctx, unverified);
  unverifiedCookie = await sessionCookieFor(t.ctx, unverified);
});
afterAll(() => t.stop());

const none = 2_000_000_000;
type Method = 'GET' | 'POST' | 'PUT';
/** [method, path, whom an unverified e-mail also stops here] */
const apiRoutes: [Method, string, boolean][] = [
  ['POST', `/api/v1/problems/${none}/appeals`, true],
  ['PUT', `/api/v1/appeals/${none}`, false],
  ['POST', `/api/v1/appeals/${none}/open`, false],
  ['POST', `/api/v1/appeals/${none}/signatures`, true],
  ['GET', `/api/v1/appeals/${none}/document.pdf`, false],
  ['POST', `/api/v1/appeals/${none}/sent-by-me`, false],
  ['POST', `/api/v1/appeals/${none}/withdraw`, false],
  ['POST', '/api/v1/problems', true],
  ['POST', `/api/v1/problems/${none}/comments`, true],
];
const pageRoutes: [Method, string, boolean][] = [
  ['GET', `/problems/${none}/appeals/new`, true],
  ['POST', `/problems/${none}/appeals/new`, true],
  ['GET', `/appeals/${none}/edit`, false],
  ['POST', `/appeals/${none}/edit`, false],
  ['POST', `/appeals/${none}/open`, false],
  ['POST', `/appeals/${none}/signatures`, true],
  ['POST', `/appeals/${none}/signatures/withdraw`, false],
  ['GET', `/appeals/${none}/document.pdf`, false],
  ['POST', `/appeals/${none}/sent-by-me`, false],
  ['GET', `/appeals/${none}/withdraw`, false],
  ['POST', `/appeals/${none}/withdraw`, false],
  ['POST', '/problems/new', true],
  ['POST', `/problems/${none}/comments`, true],
];

describe('the API gates', () => {
  for (const [method, url, verifiedOnly] of apiRoutes) {
    it(`${method} ${url}: 401 unauthenticated without a token${verifiedOnly ? ', 403 email_not_verified with an unconfirmed e-mail' : ''}`, async () => {
      const payload = method === 'GET' ? undefined : {};
      const anonymous = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'unauthenticated']);
      expect(anonymous.json().error.message).toBe('Войдите, чтобы продолжить.');
      const unverified = await t.app.inject({ method, url, headers: { authorization: `Bearer ${unverifiedToken}` }, ...(payload ? { payload } : {}) });
      if (verifiedOnly) {
        expect([unverified.statusCode, unverified.json().error.code]).toEqual([403, 'email_not_verified']);
        expect(unverified.json().error.message).toBe('Сначала подтвердите адрес почты.');
      } else {
        // Past the gate: validation or the service (no such appeal) answers.
        expect([404, 422]).toContain(unverified.statusCode);
      }
    });
  }
});

describe('the page gates', () => {
  for (const [method, url, verifiedOnly] of pageRoutes) {
    it(`${method} ${url}: 401 for a visitor${verifiedOnly ? ', 403 for an unconfirmed e-mail' : ''}`, async () => {
      const visitor = browser(t.app);
      const visitorCsrf = csrfFrom((await visitor.get('/login')).body);
      const anonymous = method === 'GET' ? await visitor.get(url) : await visitor.post(url, {}, visitorCsrf);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toContain('Войдите, чтобы продолжить.');
      const unverifiedBrowser = browser(t.app, unverifiedCookie);
      const csrf = csrfFrom((await unverifiedBrowser.get('/account')).body);
      const unverified = method === 'GET' ? await unverifiedBrowser.get(url) : await unverifiedBrowser.post(url, {}, csrf);
      if (verifiedOnly) {
        expect(unverified.status).toBe(403);
        expect(unverified.body).toContain('Сначала подтвердите адрес почты.');
      } else {
        expect([404, 422]).toContain(unverified.status);
      }
    });
  }
});

describe('memberships on the actor', () => {
  it('are read with the user by the session and the token lookups, and are empty for everyone else', async () => {
    const territory = await createMunicipality(t.ctx);
    const [first, second] = await Promise.all(
      ['gates-a', 'gates-b'].map((slug) =>
        t.ctx.db
          .insertInto('organizations')
          .values({ slug, name: `Администрация ${slug}`, kind: 'municipal_administration', territory_id: territory })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ),
    );
    const official = await createUser(t.ctx);
    await t.ctx.db
      .insertInto('organization_members')
      .values([
        { organization_id: first?.id as number, user_id: official.id, role: 'head' },
        { organization_id: second?.id as number, user_id: official.id, role: 'clerk' },
      ])
      .execute();
    const expected = new Map([
      [first?.id, 'head'],
      [second?.id, 'clerk'],
    ]);
    const byToken = await resolveApiToken(t.ctx, await apiTokenFor(t.ctx, official));
    expect(byToken?.actor.memberships).toEqual(expected);
    const cookie = await sessionCookieFor(t.ctx, official);
    const bySession = await resolveSession(t.ctx, cookie.slice('dm_session='.length));
    expect(bySession?.actor.memberships).toEqual(expected);
    const citizen = await resolveApiToken(t.ctx, unverifiedToken);
    expect(citizen?.actor.memberships.size).toBe(0);
  });
});
