/**
 * The notification pages in Chromium, with and without JavaScript: the list and the settings pass axe,
 * nothing sticks out sideways on a phone, marking read and saving settings work by plain form posts;
 * screenshots on a desktop and a phone go to test-results/screenshots.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/core/db/schema.ts';
import { seedDemo } from '../../src/modules/demo/demo.seed.ts';
import { notify } from '../../src/modules/notifications/notifications.service.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { createAppeal, createProblem, followProblem, sessionCookieFor, verifiedCitizen } from '../support/factories.ts';

let cookie: string;

const e2e = useBrowserApp({ seed: (t) => seedDemo(t.ctx) });

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  // A citizen of her own, not a demo user: the demo content's jobs may still be telling Ivan of the appeal he
  // signed while this test counts his unread notifications. The three below are hers, and all of them.
  const citizen: User = await verifiedCitizen(t.ctx, { surname: 'Уведомлённая', firstName: 'Ульяна' });
  cookie = await sessionCookieFor(t.ctx, citizen);
  const problem = await createProblem(t.ctx, { author: citizen, title: 'Разбитая дорога на улице Советской' });
  await followProblem(t.ctx, citizen, problem.id);
  const organization = await t.ctx.db.selectFrom('organizations').selectAll().orderBy('id').executeTakeFirstOrThrow();
  const { appeal } = await createAppeal(t.ctx, {
    author: citizen,
    problem,
    organization,
    title: 'О ремонте дороги и тротуаров на улице Советской',
    text: 'Просим отремонтировать дорогу и тротуары на улице Советской: ямы глубиной до 20 см, пешеходы идут по проезжей части.',
  });
  const data = { title: appeal.title, organization: organization.name, answerDueAt: '2026-03-05T09:00:00.000Z' };
  await t.ctx.db.transaction().execute(async (trx) => {
    await notify(t.ctx, trx, { kind: 'appeal.threshold_reached', problemId: problem.id, appealId: appeal.id, data: { title: appeal.title, count: 52 } }, [
      { userId: citizen.id, reason: 'author' },
    ]);
    await notify(t.ctx, trx, { kind: 'appeal.sent', problemId: problem.id, appealId: appeal.id, data }, [{ userId: citizen.id, reason: 'author' }]);
    await notify(t.ctx, trx, { kind: 'problem.solved', problemId: problem.id, data: { title: problem.title } }, [{ userId: citizen.id, reason: 'follower' }]);
  });
});

const pageAs = (javaScript: boolean, viewport: { width: number; height: number }): Promise<Page> =>
  e2e.newPage({ cookie, javaScript, viewport, deviceScaleFactor: 1 });

const devices = [
  ['desktop', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describe.skipIf(!chromiumAvailable)('notification pages', () => {
  for (const javaScript of [true, false]) {
    const js = javaScript ? 'js' : 'nojs';
    it(`shows the list and the settings accessibly on a desktop and a phone ${javaScript ? 'with' : 'without'} JavaScript`, async () => {
      for (const [device, viewport] of devices) {
        const page = await pageAs(javaScript, viewport);
        for (const [name, url] of [
          ['notifications', '/notifications'],
          ['notification-preferences', '/account/notifications'],
        ] as const) {
          const response = await page.goto(`${e2e.baseUrl}${url}`);
          expect(response?.status()).toBe(200);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect({ url, device, overflow }).toEqual({ url, device, overflow: 0 });
          // A Russian date ends with «г.», which also ends the sentence: no second full stop.
          expect(await page.locator('main').textContent()).not.toContain('г..');
          await expectAccessible(page);
          await screenshot(page, `${name}-${device}-${js}`);
        }
        await page.context().close();
      }
    });
  }

  it('marks one read and saves settings by plain form posts, without JavaScript', async () => {
    const { baseUrl } = e2e;
    const page = await pageAs(false, { width: 390, height: 844 });
    await page.goto(`${baseUrl}/notifications`);
    const unread = async () => (await page.locator('[data-testid="unread-count"] [aria-hidden="true"]').textContent()) ?? '';
    expect(await unread()).toBe('3');
    await page.getByRole('button', { name: /^Отметить прочитанным: Проблема/ }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Уведомление отмечено прочитанным.');
    expect(await unread()).toBe('2');

    await page.goto(`${baseUrl}/account/notifications`);
    await page.getByRole('group', { name: 'Обращение отправлено адресату' }).getByLabel('В ежедневной сводке').check();
    await page.getByRole('button', { name: 'Сохранить настройки' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Настройки уведомлений сохранены.');
    expect(await page.getByRole('group', { name: 'Обращение отправлено адресату' }).getByLabel('В ежедневной сводке').isChecked()).toBe(true);

    await page.goto(`${baseUrl}/notifications`);
    await page.getByRole('button', { name: 'Отметить все прочитанными' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Все уведомления отмечены прочитанными.');
    expect(await page.locator('[data-testid="unread-count"]').count()).toBe(0);
    await page.context().close();
  });
});
