/**
 * Every page a visitor, a citizen and an admin can reach on the demo content: axe finds no serious
 * or critical violation, with and without JavaScript; screenshots of the home and a territory page
 * on a desktop and a phone go to test-results/screenshots.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/modules/demo/demo.seed.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { sessionCookieFor } from '../support/factories.ts';

const e2e = useBrowserApp({ seed: (t) => seedDemo(t.ctx) });
let adminCookie: string;
let citizenCookie: string;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const user = (email: string) => e2e.t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  adminCookie = await sessionCookieFor(e2e.t.ctx, await user('admin@democrator.local'));
  citizenCookie = await sessionCookieFor(e2e.t.ctx, await user('ivan@democrator.local'));
});

const publicPages = [
  '/',
  '/territories',
  '/territories/28000000',
  '/territories/28544000',
  '/territories/45000000',
  // The demo's two appeals: one collecting signatures, one answered and under review; and its shared draft.
  '/appeals/1',
  '/appeals/2',
  '/appeals/3/draft',
  '/appeals/3/history',
  '/organizations',
  '/organizations?kind=regional_body&q=Твер',
  '/login',
  '/register',
  '/forgot-password',
  '/no-such-page',
];
const citizenPages = ['/account', '/account/email', '/account/password', '/account/tokens', '/account/delete'];
const adminPages = [
  '/admin',
  '/admin/outbox',
  '/admin/audit',
  '/admin/settings',
  '/admin/territories/import',
  '/admin/territories/28544000/edit',
  '/admin/territories/28000000/edit',
  '/admin/organizations/new',
  '/admin/organizations/administratsiya-oleninskogo-munitsipalnogo-okruga/edit',
];

const pageAs = (cookie: string | null, javaScriptEnabled: boolean): Promise<Page> => e2e.newPage({ cookie, javaScript: javaScriptEnabled });

describe.skipIf(!chromiumAvailable)('accessibility of every page', () => {
  const pages = new Map<string, Page>();
  // One browser page per visitor kind and JavaScript setting, reused across that kind's URLs.
  async function pageFor(kind: 'visitor' | 'citizen' | 'admin', javaScriptEnabled: boolean): Promise<Page> {
    const key = `${kind}-${javaScriptEnabled}`;
    let page = pages.get(key);
    if (!page) {
      page = await pageAs(kind === 'visitor' ? null : kind === 'citizen' ? citizenCookie : adminCookie, javaScriptEnabled);
      pages.set(key, page);
    }
    return page;
  }

  for (const javaScriptEnabled of [true, false]) {
    for (const [kind, urls] of [
      ['visitor', publicPages],
      ['citizen', citizenPages],
      ['admin', adminPages],
    ] as const) {
      for (const url of urls) {
        it(`${url} as ${kind} ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async () => {
          const page = await pageFor(kind, javaScriptEnabled);
          const response = await page.goto(`${e2e.baseUrl}${url}`);
          expect(response?.status()).toBe(url === '/no-such-page' ? 404 : 200);
          await expectAccessible(page);
        });
      }
    }
  }
});

describe.skipIf(!chromiumAvailable)('accessibility of the people and audit pages', () => {
  for (const javaScriptEnabled of [true, false]) {
    it(`the user list, a user's page, the block page and a refused audit filter, as an admin ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async () => {
      const ivan = await e2e.t.ctx.db.selectFrom('users').select('id').where('email', '=', 'ivan@democrator.local').executeTakeFirstOrThrow();
      const page = await pageAs(adminCookie, javaScriptEnabled);
      for (const [url, status] of [
        ['/admin/users', 200],
        ['/admin/users?q=ivan', 200],
        [`/admin/users/${ivan.id}`, 200],
        [`/admin/users/${ivan.id}/block`, 200],
        ['/admin/audit?actor=admin&from=31.02.2025', 422],
      ] as const) {
        const response = await page.goto(`${e2e.baseUrl}${url}`);
        expect({ url, status: response?.status() }).toEqual({ url, status });
        await expectAccessible(page);
      }
      await page.context().close();
    });
  }
});

describe.skipIf(!chromiumAvailable)('screenshots', () => {
  it('renders the home and a territory page on a desktop and a phone', async () => {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await e2e.newPage({ viewport, deviceScaleFactor: 1, timeoutMs: 30_000 });
      const context = page.context();
      for (const [name, url] of [
        ['home', '/'],
        ['territory', '/territories/28000000'],
      ] as const) {
        await page.goto(`${e2e.baseUrl}${url}`);
        // Nothing may stick out sideways on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect({ url, device, overflow }).toEqual({ url, device, overflow: 0 });
        await screenshot(page, `${name}-${device}`);
      }
      await context.close();
    }
  });

  it('renders a territory’s form, and its refusal of a bad zone, on a desktop and a phone, without JavaScript', async () => {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await e2e.newPage({ cookie: adminCookie, javaScript: false, viewport, deviceScaleFactor: 1, timeoutMs: 30_000 });
      await page.goto(`${e2e.baseUrl}/admin/territories/28544000/edit`);
      await screenshot(page, `territory-edit-${device}-nojs`);
      await page.getByLabel('ОКАТО').fill('12ab');
      await page.getByRole('button', { name: 'Сохранить' }).click();
      expect(await page.getByRole('alert').getByText('Код ОКАТО — от 2 до 11 цифр.').count()).toBe(1);
      await expectAccessible(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect({ device, overflow }).toEqual({ device, overflow: 0 });
      await screenshot(page, `territory-edit-refused-${device}-nojs`);
      await page.context().close();
    }
  });
});
