/**
 * The directory's administration in Chromium, without JavaScript as an administrator uses it from anywhere: a new
 * topic added, the organizations CSV page, and a duplicate merged through its confirmation page, the old address
 * then leading to the survivor. axe on every page, nothing sideways on a phone; screenshots on a desktop and a phone.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Organization } from '../../src/core/db/schema.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { createOrganization, createUser, openAppeal, sessionCookieFor } from '../support/factories.ts';

const e2e = useBrowserApp();
let adminCookie = '';
let survivor: Organization;
let duplicate: Organization;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  adminCookie = await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'admin', surname: 'Админова', firstName: 'Ада' }));
  survivor = await createOrganization(t.ctx, { name: 'Администрация города Кимры', slug: 'kimry-administration' });
  duplicate = await createOrganization(t.ctx, { name: 'Администрация г. Кимры (дубль)', slug: 'kimry-duplicate' });
  await openAppeal(t.ctx, { organization: duplicate, acknowledgeWarnings: true, title: 'О ремонте моста через Кимрку' });
});

const pageAs = (viewport = { width: 1280, height: 900 }): Promise<Page> =>
  e2e.newPage({ cookie: adminCookie, javaScript: false, viewport, deviceScaleFactor: 1 });

async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
}

describe.skipIf(!chromiumAvailable)('the directory’s administration', () => {
  it('adds a topic, shows the CSV page, and merges a duplicate through its confirmation', async () => {
    const page = await pageAs();
    await e2e.visit(page, '/admin/categories');
    await expectAccessible(page);
    await page.getByLabel('Адрес (slug)').fill('yards');
    await page.getByLabel('Название по-русски').fill('Дворы');
    await page.getByLabel('Название по-английски').fill('Yards');
    await page.getByRole('button', { name: 'Добавить тему' }).click();
    expect(await page.getByText('Тема сохранена.').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Дворы' }).count()).toBe(1);
    await screenshot(page, 'admin-categories-desktop-nojs');

    await e2e.visit(page, '/admin/organizations/import');
    await expectAccessible(page);
    await screenshot(page, 'admin-organizations-import-desktop-nojs');

    await e2e.visit(page, `/admin/organizations/${duplicate.slug}/edit`);
    await page.getByRole('link', { name: 'Объединить с другой организацией (дубликат)' }).click();
    await expectAccessible(page);
    expect(await page.getByText('1 обращение').count()).toBe(1);
    await page.getByLabel('Организация, которая остаётся').selectOption(survivor.slug);
    await page.getByLabel('Почему это дубликат').fill('Одна администрация заведена дважды.');
    await page.getByRole('button', { name: 'Проверить и подтвердить' }).click();
    await expectAccessible(page);
    await screenshot(page, 'admin-merge-confirm-desktop-nojs');
    await page.getByRole('button', { name: 'Объединить' }).click();
    expect(await page.getByText('Организации объединены.').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe(`/organizations/${survivor.slug}`);
    await e2e.visit(page, `/organizations/${duplicate.slug}`);
    expect(new URL(page.url()).pathname).toBe(`/organizations/${survivor.slug}`);
    await page.context().close();

    const phone = await pageAs({ width: 390, height: 844 });
    for (const [url, name] of [
      ['/admin/categories', 'admin-categories-phone-nojs'],
      ['/admin/organizations/import', 'admin-organizations-import-phone-nojs'],
    ] as const) {
      await e2e.visit(phone, url);
      await noSidewaysScroll(phone);
      await screenshot(phone, name);
    }
    await phone.context().close();
  });
});
