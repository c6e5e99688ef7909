/**
 * What a hostile title can do in a real browser: on the map it stays text (tooltip and popup), and the
 * content security policy — no inline scripts, no inline styles — holds on every ordinary page without
 * a single violation, so the policy is strict and the pages still work under it.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/modules/demo/demo.seed.ts';
import { chromiumAvailable, useBrowserApp } from '../support/browser.ts';
import { createProblem, sessionCookieFor, territoryId } from '../support/factories.ts';

let citizenCookie: string;
let adminCookie: string;
let payloadProblemId: number;

const payloadTitle =
  '<img src=x data-xss onerror="window.__xss=1"><iframe data-xss srcdoc="<b>x</b>"></iframe><a data-xss href="javascript:window.__xss=2">яма</a>';

const e2e = useBrowserApp({
  env: { MAP_TILE_URL: 'https://tiles.democrator.test/{z}/{x}/{y}.png', ALTCHA_ENABLED: 'true' },
  seed: (t) => seedDemo(t.ctx),
  async prepareContext(context) {
    await context.route('https://tiles.democrator.test/**', (route) => route.fulfill({ status: 404, body: '' }));
  },
});

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  const user = (email: string) => t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  const ivan = await user('ivan@democrator.local');
  citizenCookie = await sessionCookieFor(t.ctx, ivan);
  adminCookie = await sessionCookieFor(t.ctx, await user('admin@democrator.local'));
  payloadProblemId = (
    await createProblem(t.ctx, {
      author: ivan,
      title: payloadTitle,
      description: 'Заголовок этой проблемы — разметка; на странице и на карте он должен остаться текстом.',
      territoryId: await territoryId(t.ctx, '28701000'),
      address: 'г. Тверь, ул. Советская, 1',
      latitude: 58.2,
      longitude: 33.5,
    })
  ).id;
});

interface Watched {
  page: Page;
  violations: string[];
}

/** A page that records every CSP violation, both as the DOM event and as Chromium's console report. */
async function watchedPage(cookie: string | null): Promise<Watched> {
  const page = await e2e.newPage({ cookie, locale: 'ru-RU', viewport: { width: 1280, height: 720 } });
  await page.context().addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`),
    );
  });
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return { page, violations };
}

async function violationsOn(watched: Watched, url: string): Promise<string[]> {
  const response = await watched.page.goto(`${e2e.baseUrl}${url}`);
  expect({ url, status: response?.status() }).toEqual({ url, status: url === '/no-such-page' ? 404 : 200 });
  await watched.page.waitForLoadState('networkidle');
  const inPage = await watched.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  const found = [...watched.violations, ...inPage];
  watched.violations.length = 0;
  return found.map((v) => `${url}: ${v}`);
}

describe.skipIf(!chromiumAvailable)('a hostile problem title on the map', () => {
  it('stays text in every tooltip and popup', async () => {
    const { page } = await watchedPage(null);
    await page.goto(`${e2e.baseUrl}/problems/map`);
    const markers = page.locator('[data-map="markers"] path.leaflet-interactive');
    await expect.poll(() => markers.count()).toBeGreaterThan(1);
    const shown: string[] = [];
    for (let i = 0; i < (await markers.count()); i++) {
      // Events go to the marker itself, not to a point on the screen: two demo problems lie so close
      // that one circle covers the other, and a pointer there would hover and click the wrong one.
      await markers.nth(i).dispatchEvent('mouseover');
      const tooltip = page.locator('.leaflet-tooltip');
      await expect.poll(() => tooltip.count()).toBe(1);
      shown.push((await tooltip.textContent()) ?? '');
      expect(await page.locator('[data-xss]').count()).toBe(0);
      await markers.nth(i).dispatchEvent('click');
      await expect.poll(() => page.locator('.leaflet-popup-content a').count()).toBe(1);
      expect(await page.locator('[data-xss]').count()).toBe(0);
      // A click opens the tooltip too (Leaflet's touch behaviour); the pointer leaving closes it.
      await markers.nth(i).dispatchEvent('mouseout');
      await expect.poll(() => tooltip.count()).toBe(0);
    }
    expect(shown, JSON.stringify(shown)).toContain(payloadTitle);
    expect(await page.locator('[data-map] img[src="x"], [data-map] iframe, [data-map] a[href^="javascript:"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.context().close();
  });
});

describe.skipIf(!chromiumAvailable)('the content security policy', () => {
  it('allows no inline script or style', async () => {
    const response = await fetch(`${e2e.baseUrl}/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const directive = (name: string) =>
      policy
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `)) ?? '';
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('style-src')).toBe("style-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
  });

  it('is not violated by any ordinary page, as a visitor, a citizen or an admin', async () => {
    const problemPages = [`/problems/${payloadProblemId}`, '/problems', '/problems/map', '/'];
    const found: string[] = [];
    const visitor = await watchedPage(null);
    for (const url of [...problemPages, '/territories', '/territories/28000000', '/organizations', '/login', '/register', '/forgot-password', '/no-such-page'])
      found.push(...(await violationsOn(visitor, url)));
    const citizen = await watchedPage(citizenCookie);
    for (const url of ['/problems/new', `/problems/${payloadProblemId}/edit`, '/account', '/account/tokens']) found.push(...(await violationsOn(citizen, url)));
    const admin = await watchedPage(adminCookie);
    for (const url of ['/admin', '/admin/outbox', '/admin/audit']) found.push(...(await violationsOn(admin, url)));
    expect(found).toEqual([]);
    // The widget that used to inject a <style> element is styled and shown.
    expect(await visitor.page.goto(`${e2e.baseUrl}/register`).then(() => visitor.page.locator('altcha-widget .altcha').count())).toBe(1);
    for (const watched of [visitor, citizen, admin]) await watched.page.context().close();
  });
});
