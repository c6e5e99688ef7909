/** Site settings on a real database: their defaults from the configuration, the admin's form and API, the audit log, the cache, and the call sites that read them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createOrganization, createProblem, createUser, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { settingsCacheMs, siteSettings, updateSiteSettings } from './admin.settings.ts';

let t: TestApp;
beforeAll(async () => {
  // A configured default, so the test tells it from the built-in one.
  t = await createTestApp({
    DEFAULT_APPEAL_THRESHOLD: '60',
    RATE_LIMIT_SIGN: '30',
    RATE_LIMIT_REGISTER: '10',
    RATE_LIMIT_PUBLISH: '20',
    RATE_LIMIT_COMMENT: '25',
    RATE_LIMIT_REPORT: '10',
    RATE_LIMIT_WITHOUT_PROOF: '12',
    ALTCHA_ENABLED: 'true',
  });
});
afterAll(() => t?.stop());

const fields = {
  appealThreshold: '75',
  reviewDays: '10',
  reportThreshold: '5',
  rateLimitSign: '30',
  rateLimitRegister: '10',
  rateLimitPublish: '20',
  rateLimitComment: '25',
  rateLimitReport: '10',
  rateLimitWithoutProof: '12',
  altchaEnabled: '1',
};

describe('site settings', () => {
  it('start from the configuration, are changed by an admin on the page (every bad field named, nothing half-saved), audit logged, and read by the call sites', async () => {
    expect(await siteSettings(t.ctx)).toEqual({
      appealThreshold: 60,
      reviewDays: 14,
      reportThreshold: 3,
      rateLimits: { sign: 30, register: 10, publish: 20, comment: 25, report: 10 },
      altchaEnabled: true,
      withoutProofPerHour: 12,
    });
    const admin = await createUser(t.ctx, { role: 'admin' });
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const form = await page.get('/admin/settings');
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/name="appealThreshold"[^>]* value="60"/);
    expect(form.body).toContain('По умолчанию: 60 (DEFAULT_APPEAL_THRESHOLD).');
    expect(form.body).toContain('Уже открытые обращения сохраняют свой порог.');
    expect(form.body).toContain('По умолчанию: 12 (RATE_LIMIT_WITHOUT_PROOF).');

    const refused = await page.post('/admin/settings', { ...fields, appealThreshold: '0', reviewDays: 'десять', rateLimitSign: '100001' }, csrfFrom(form.body));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatch(/<a href="#field-appealThreshold">Укажите целое число от 1 до 100\s000\.<\/a>/u);
    expect(refused.body).toContain('<a href="#field-reviewDays">Укажите целое число от 1 до 90.</a>');
    expect(refused.body).toContain('<a href="#field-rateLimitSign">');
    expect(refused.body).toContain('value="десять"');
    expect((await siteSettings(t.ctx)).reportThreshold).toBe(3);

    const existing = await createOrganization(t.ctx, { appealThreshold: null });
    expect(existing.appeal_threshold).toBe(60);
    const saved = await page.post('/admin/settings', fields, csrfFrom(form.body));
    expect(saved).toMatchObject({ status: 303, location: '/admin/settings' });
    // This node sees its change at once.
    expect(await siteSettings(t.ctx)).toMatchObject({ appealThreshold: 75, reviewDays: 10, reportThreshold: 5 });
    expect((await page.get('/admin/settings')).body).toMatch(/name="appealThreshold"[^>]* value="75"/);
    const entries = await t.ctx.db.selectFrom('audit_log').select(['actor_id', 'details']).where('action', '=', 'settings.update').execute();
    expect(entries).toEqual([
      {
        actor_id: admin.id,
        details: { changes: { appealThreshold: { from: 60, to: 75 }, reviewDays: { from: 14, to: 10 }, reportThreshold: { from: 3, to: 5 } } },
      },
    ]);
    // Only what differs from its default is stored.
    expect(await t.ctx.db.selectFrom('site_settings').select(['key', 'value']).orderBy('key').execute()).toEqual([
      { key: 'appealThreshold', value: 75 },
      { key: 'reportThreshold', value: 5 },
      { key: 'reviewDays', value: 10 },
    ]);
    // An organization saved without a threshold gets the new default; one saved before keeps its own.
    expect((await createOrganization(t.ctx, { appealThreshold: null })).appeal_threshold).toBe(75);
    expect(
      (await t.ctx.db.selectFrom('organizations').select('appeal_threshold').where('id', '=', existing.id).executeTakeFirstOrThrow()).appeal_threshold,
    ).toBe(60);

    const citizen = await createUser(t.ctx);
    expect((await browser(t.app, await sessionCookieFor(t.ctx, citizen)).get('/admin/settings')).status).toBe(403);
  });

  it('over the API: read all, change some (the others stay), 422 out of range; a change made elsewhere is seen once the cache expires', async () => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    const token = await apiTokenFor(t.ctx, admin);
    const call = (method: 'GET' | 'PUT', payload?: object) =>
      t.app.inject({ method, url: '/api/v1/admin/settings', headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    expect((await call('GET')).json()).toMatchObject({ appealThreshold: 75, rateLimitComment: 25 });
    const changed = await call('PUT', { rateLimitComment: 40 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ appealThreshold: 75, rateLimitComment: 40 });
    expect((await siteSettings(t.ctx)).rateLimits.comment).toBe(40);
    const refused = await call('PUT', { reviewDays: 91 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('validation_failed');
    const citizenToken = await apiTokenFor(t.ctx, await createUser(t.ctx));
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/settings', headers: { authorization: `Bearer ${citizenToken}` } })).statusCode).toBe(403);

    // Another node's change (written straight to the table here) reaches this one within the cache's lifetime.
    await t.ctx.db.updateTable('site_settings').set({ value: 9 }).where('key', '=', 'reportThreshold').execute();
    expect((await siteSettings(t.ctx)).reportThreshold).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, settingsCacheMs + 100));
    expect((await siteSettings(t.ctx)).reportThreshold).toBe(9);
  });

  it('hide an item pending review at the report threshold the admin set', async () => {
    const admin = await createUser(t.ctx, { role: 'admin' });
    await updateSiteSettings(t.ctx, admin.id, { reportThreshold: 2 });
    const problem = await createProblem(t.ctx);
    const report = async () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, await verifiedCitizen(t.ctx))}` },
        payload: { subjectType: 'problem', subjectId: problem.id, reason: 'spam' },
      });
    expect((await report()).statusCode).toBeLessThan(300);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}` })).statusCode).toBe(200);
    expect((await report()).statusCode).toBeLessThan(300);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/problems/${problem.id}` })).statusCode).toBe(410);
  });
});
