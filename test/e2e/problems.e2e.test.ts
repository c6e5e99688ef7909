/**
 * Problems in a real browser, with and without JavaScript, on the demo content: the list, the map,
 * a problem page, the publish form (its similar-problems step without JavaScript, live suggestions and
 * the map picker with it), each audited by axe-core; screenshots of the problem page on a desktop and
 * a phone go to test-results/screenshots.
 */

import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { processPhoto } from '../../src/core/images/photos.ts';
import { openForSignatures } from '../../src/modules/appeals/appeals.service.ts';
import { seedDemo } from '../../src/modules/demo/demo.seed.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { actorOf, createAppeal, createOrganization, createProblem, sessionCookieFor, territoryId } from '../support/factories.ts';

let citizenCookie: string;
let potholeId: number;
let photoProblemId: number;
let tile: Buffer;

// Tiles come from a host the test serves itself (prepareContext), so no request leaves the machine.
const e2e = useBrowserApp({
  env: { MAP_TILE_URL: 'https://tiles.democrator.test/{z}/{x}/{y}.png' },
  seed: (t) => seedDemo(t.ctx),
  async prepareContext(context) {
    await context.route('https://tiles.democrator.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: tile }));
  },
});

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  const ivan = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'ivan@democrator.local').executeTakeFirstOrThrow();
  citizenCookie = await sessionCookieFor(t.ctx, ivan);
  potholeId = (await t.ctx.db.selectFrom('problems').select('id').where('title', 'like', 'Ямы на улице Склизкова%').executeTakeFirstOrThrow()).id;
  const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 120, g: 130, b: 140 } } })
    .jpeg()
    .toBuffer();
  photoProblemId = (
    await createProblem(t.ctx, {
      author: ivan,
      title: 'Провал асфальта на Тверском проспекте у дома 2',
      description: 'Асфальт провалился над теплотрассой, яма огорожена только лентой.\n\nНужен срочный ремонт.',
      territoryId: await territoryId(t.ctx, '28701000'),
      address: 'г. Тверь, Тверской пр-т, 2',
      latitude: 56.8601,
      longitude: 35.8987,
      photos: [await processPhoto(photo), await processPhoto(photo)],
    })
  ).id;
  tile = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 232, g: 236, b: 239 } } })
    .png()
    .toBuffer();
});

const pageAs = (cookie: string | null, javaScriptEnabled: boolean, viewport = { width: 1280, height: 900 }): Promise<Page> =>
  e2e.newPage({ cookie, javaScript: javaScriptEnabled, viewport, locale: 'ru-RU' });

const visit = (page: Page, url: string, status = 200) => e2e.visit(page, url, status);

describe.skipIf(!chromiumAvailable)('problem pages are accessible', () => {
  for (const javaScriptEnabled of [true, false]) {
    it(`as a visitor ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async () => {
      const page = await pageAs(null, javaScriptEnabled);
      for (const url of [
        '/',
        '/problems',
        `/problems?q=${encodeURIComponent('ямы')}&territory=28000000`,
        '/problems?status=solved&sort=solved',
        '/problems/map',
        `/problems/${potholeId}`,
        `/problems/${photoProblemId}`,
      ]) {
        await visit(page, url);
      }
      await page.context().close();
    });

    it(`as a citizen ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async () => {
      const page = await pageAs(citizenCookie, javaScriptEnabled);
      for (const url of [`/problems/${potholeId}`, `/problems/${photoProblemId}`, '/problems/new', `/problems/${photoProblemId}/edit`]) await visit(page, url);
      await page.context().close();
    });
  }
});

describe.skipIf(!chromiumAvailable)('publishing', () => {
  it('without JavaScript: the similar-problems step keeps the text, then "publish anyway" publishes', async () => {
    const page = await pageAs(citizenCookie, false);
    await visit(page, '/problems/new');
    await page.getByLabel('Заголовок').fill('Ямы на улице Склизкова возле дома 50');
    await page.getByLabel('Описание').fill('Ямы на проезжей части у дома 50, машины пробивают колёса.');
    await page.getByLabel('Тема').selectOption({ label: 'Дороги' });
    await page.getByLabel('Территория').selectOption({ label: 'город Тверь' });
    await page.getByRole('button', { name: 'Опубликовать' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Похожие проблемы уже опубликованы' }).count()).toBe(1);
    await expectAccessible(page);
    expect(await page.getByRole('link', { name: 'Ямы на улице Склизкова у дома 48' }).count()).toBe(1);
    expect(await page.getByLabel('Заголовок').inputValue()).toBe('Ямы на улице Склизкова возле дома 50');
    await page.getByRole('button', { name: 'Всё равно опубликовать' }).click();
    await page.waitForURL(/\/problems\/\d+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ямы на улице Склизкова возле дома 50');
    await expectAccessible(page);
    await page.context().close();
  });

  it('with JavaScript: similar problems appear while typing and the map sets the point', async () => {
    const page = await pageAs(citizenCookie, true);
    await visit(page, '/problems/new');
    await page.getByLabel('Территория').selectOption({ label: 'город Тверь' });
    await page.getByLabel('Заголовок').fill('Остановка Хромова разрушена');
    const suggestion = page.locator('[data-similar-live]').getByRole('link', { name: 'Разрушен павильон остановки «Улица Хромова»' });
    await expect.poll(() => suggestion.count()).toBe(1);
    expect(await page.locator('[data-similar-checked]').inputValue()).toBe('1');
    const map = page.locator('[data-map="picker"]');
    await expect.poll(() => map.isVisible()).toBe(true);
    await map.click({ position: { x: 200, y: 150 } });
    expect(await page.getByLabel('Широта').inputValue()).toMatch(/^\d+\.\d{6}$/);
    expect(await page.getByLabel('Долгота').inputValue()).toMatch(/^\d+\.\d{6}$/);
    await expectAccessible(page);
    await page.getByLabel('Описание').fill('Стекло разбито, скамейка сломана.');
    await page.getByLabel('Тема').selectOption({ label: 'Транспорт' });
    // The live suggestions were seen, so the server publishes at once.
    await expect.poll(() => page.locator('[data-similar-checked]').inputValue()).toBe('1');
    await page.getByRole('button', { name: 'Опубликовать' }).click();
    await page.waitForURL(/\/problems\/\d+$/);
    await expect.poll(() => page.locator('[data-map="point"]').isVisible()).toBe(true);
    await page.context().close();
  });
});

describe.skipIf(!chromiumAvailable)('the map', () => {
  it('shows a marker for every problem with a point, linked to its page', async () => {
    const page = await pageAs(null, true);
    await visit(page, '/problems/map');
    const expected = await e2e.t.ctx.db.selectFrom('problems').select('id').where('latitude', 'is not', null).where('status', '<>', 'hidden').execute();
    await expect.poll(() => page.locator('[data-map="markers"] path.leaflet-interactive').count()).toBe(expected.length);
    await expectAccessible(page);
    await page.context().close();
  });

  it('shows many problems as clusters with their counts; clicking one zooms in until its problems are points', async () => {
    const { t } = e2e;
    const tver = await territoryId(t.ctx, '28701000');
    const category = await t.ctx.db.selectFrom('categories').select('id').orderBy('id').executeTakeFirstOrThrow();
    // More than a response's points, in a few streets north-west of the demo's places.
    const rows = Array.from({ length: 450 }, (_, i) => ({
      title: `Проблема из кластера ${i}`,
      description: 'Проблема для проверки кластеров на карте.',
      category_id: category.id,
      territory_id: tver,
      latitude: 58.5 + (i % 30) * 0.0007,
      longitude: 31.2 + Math.floor(i / 30) * 0.001,
    }));
    const ids = (await t.ctx.db.insertInto('problems').values(rows).returning('id').execute()).map((row) => row.id);
    try {
      const page = await pageAs(null, true);
      await visit(page, '/problems/map');
      const clusters = page.locator('[data-map="markers"] .map-cluster');
      await expect.poll(() => clusters.count()).toBeGreaterThan(0);
      const counts = async () => (await clusters.allTextContents()).map((text) => Number(text.replace(/\D/g, '')));
      expect(Math.min(...(await counts()))).toBeGreaterThanOrEqual(2);
      await expect.poll(async () => (await counts()).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(ids.length);
      await expectAccessible(page);
      const points = page.locator('[data-map="markers"] path.leaflet-interactive');
      const demoPoints = await points.count();
      for (let click = 0; click < 10 && (await points.count()) <= demoPoints; click++) {
        const sizes = await counts();
        if (sizes.length === 0) break;
        await clusters.nth(sizes.indexOf(Math.max(...sizes))).click();
        // The map settles, asks for the new viewport and draws its answer.
        await page.waitForTimeout(1200);
      }
      await expect.poll(() => points.count()).toBeGreaterThan(demoPoints);
      await points.first().dispatchEvent('click');
      const link = page.locator('.leaflet-popup-content a');
      await expect.poll(() => link.count()).toBe(1);
      expect(ids.map((id) => `/problems/${id}`)).toContain(await link.getAttribute('href'));
      await page.context().close();
    } finally {
      await t.ctx.db.deleteFrom('problems').where('id', 'in', ids).execute();
    }
  });
});

describe.skipIf(!chromiumAvailable)('marking a problem solved', () => {
  it('asks first, offers to withdraw the open appeal, on a desktop and a phone, without JavaScript', async () => {
    const { t, baseUrl } = e2e;
    const ivan = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'ivan@democrator.local').executeTakeFirstOrThrow();
    const tver = await t.ctx.db.selectFrom('territories').select('id').where('oktmo', '=', '28701000').executeTakeFirstOrThrow();
    const roads = await t.ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow();
    const problem = await createProblem(t.ctx, {
      author: ivan,
      title: 'Не горит светофор на перекрёстке Советской и Новоторжской',
      description: 'Светофор не работает третий день, пешеходы переходят наугад.',
      categoryId: roads.id,
      territoryId: tver.id,
      address: 'г. Тверь, ул. Советская',
      latitude: null,
      longitude: null,
    });
    const organization = await createOrganization(t.ctx, { name: 'Департамент дорожного хозяйства г. Твери', territoryId: tver.id });
    const { appeal } = await createAppeal(t.ctx, { author: ivan, problem, organization });
    await openForSignatures(t.ctx, actorOf(ivan), appeal.id, { acknowledgeWarnings: true });
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await pageAs(citizenCookie, false, viewport);
      await visit(page, `/problems/${problem.id}`);
      await page.getByRole('link', { name: 'Проблема решена' }).click();
      await page.waitForURL(`${baseUrl}/problems/${problem.id}/solved`);
      await expectAccessible(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Отметить проблему решённой?');
      expect(await page.getByLabel('Отозвать 1 обращение').isChecked()).toBe(true);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect({ device, overflow }).toEqual({ device, overflow: 0 });
      await screenshot(page, `problem-solved-confirm-${device}`);
      if (device === 'phone') {
        await page.getByLabel('Как решилась проблема').fill('Светофор починили на следующий день после обращения.');
        await page.getByRole('button', { name: 'Да, проблема решена' }).click();
        await page.waitForURL(`${baseUrl}/problems/${problem.id}`);
        expect(await page.getByText('открытые обращения отозваны').count()).toBe(1);
        // Who marked it solved, when, and the note, on the page and its timeline.
        expect(await page.locator('.solved-note').textContent()).toMatch(
          /^Проблема решена \d+ [а-я]+ \d{4} г\. — отметка о решении: Иван П\.Как решилась проблема:Светофор починили на следующий день после обращения\.$/,
        );
        expect(await page.getByText('Проблема отмечена как решённая: «Светофор починили').count()).toBe(1);
        await expectAccessible(page);
        await screenshot(page, 'problem-solved-phone');
      }
      await page.context().close();
    }
  });
});

describe.skipIf(!chromiumAvailable)('screenshots', () => {
  it('renders the problem page, the list and the form on a desktop and a phone', async () => {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await pageAs(citizenCookie, true, viewport);
      for (const [name, url] of [
        ['problem', `/problems/${photoProblemId}`],
        ['problem-comments', `/problems/${potholeId}`],
        ['problems', '/problems'],
        ['problems-map', '/problems/map'],
        ['problem-new', '/problems/new'],
      ] as const) {
        await page.goto(`${e2e.baseUrl}${url}`);
        await page.waitForLoadState('networkidle');
        // Nothing may stick out sideways on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect({ url, device, overflow }).toEqual({ url, device, overflow: 0 });
        // On a phone the header leaves the screen to the page: under 120 px, signed in with every link.
        const header = await page.locator('.site-header').boundingBox();
        if (device === 'phone') expect({ url, header: (header?.height ?? 0) < 120 }).toEqual({ url, header: true });
        await screenshot(page, `${name}-${device}`);
      }
      await page.context().close();
    }
    // A visitor's header: log-in and registration in sight, still under 120 px.
    const visitor = await pageAs(null, false, { width: 390, height: 844 });
    await visitor.goto(`${e2e.baseUrl}/problems`);
    await screenshot(visitor, 'problems-visitor-phone');
    expect(((await visitor.locator('.site-header').boundingBox())?.height ?? 0) < 120).toBe(true);
    expect(await visitor.getByRole('link', { name: 'Регистрация' }).isVisible()).toBe(true);
    await visitor.context().close();
  });
});
