/**
 * The account journey in a real browser, with and without JavaScript:
 * register → verification mail in the outbox → verify → log in → edit profile → log out,
 * with axe-core on every page visited.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, expectAccessible, useBrowserApp } from '../support/browser.ts';
import { createMunicipality, createUser, factoryPassword } from '../support/factories.ts';

const e2e = useBrowserApp({
  env: { AUTH_RATE_LIMIT: '1000', RATE_LIMIT_REGISTER: '1000', ALTCHA_ENABLED: 'true' },
  async seed(t) {
    await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
    await createUser(t.ctx, { email: 'admin@example.test', role: 'admin' });
  },
});
const visit = (page: Page, url: string) => e2e.visit(page, url);

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, '/login');
  await page.getByLabel('Электронная почта').fill(email);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForURL(/\/account/);
}

/** The admin reads the outbox in the UI, as on a development install without SMTP. */
async function verificationLinkFor(adminContext: BrowserContext, email: string): Promise<string> {
  const admin = await adminContext.newPage();
  e2e.auditWithoutScripts(admin);
  await visit(admin, '/admin/outbox');
  const row = admin.getByRole('row').filter({ hasText: email });
  await row.getByRole('link', { name: 'Подтвердите почту на Democrator' }).click();
  await expectAccessible(admin);
  const link = await admin.getByRole('link', { name: /\/verify-email\?token=/ }).getAttribute('href');
  await admin.close();
  if (!link) throw new Error('no verification link in the mail');
  return link;
}

describe.skipIf(!chromiumAvailable)('account journey', () => {
  for (const javaScriptEnabled of [false, true]) {
    it(`works ${javaScriptEnabled ? 'with' : 'without'} JavaScript`, async () => {
      const email = `journey-${javaScriptEnabled ? 'js' : 'nojs'}@example.test`;
      const password = 'Берёзовая-роща-2026';
      const page = await e2e.newPage({ javaScript: javaScriptEnabled, locale: 'ru-RU', viewport: { width: 1280, height: 720 } });
      const context = page.context();
      const adminPage = await e2e.newPage({ javaScript: false, viewport: { width: 1280, height: 720 } });
      const adminContext = adminPage.context();

      // The proof of work is held back until the form is filled in, to see the form wait for it.
      let releaseChallenge = () => {};
      const challengeHeld = new Promise<void>((resolve) => {
        releaseChallenge = resolve;
      });
      if (javaScriptEnabled) {
        await page.route('**/api/v1/altcha/challenge', async (route) => {
          await challengeHeld;
          await route.continue();
        });
      }

      await visit(page, '/');
      await page.getByRole('link', { name: 'Регистрация' }).click();
      await expectAccessible(page);
      await page.getByLabel('Фамилия').fill('Соколова');
      await page.getByLabel('Имя', { exact: true }).fill('Дарья');
      await page.getByLabel(/Отчество/).fill('Игоревна');
      await page.getByLabel('Электронная почта').fill(email);
      await page.getByLabel('Пароль').fill(password);
      await page.getByLabel(/Муниципалитет/).selectOption({ label: 'Оленинский муниципальный округ' });
      if (javaScriptEnabled) {
        // The ALTCHA widget replaces the question and solves its proof of work by itself.
        await expect.poll(() => page.locator('.captcha-question').isHidden()).toBe(true);
        // Until then the form cannot be sent, neither by its button nor by Enter: no refusal about a
        // question that is not on the page, no password lost.
        const submit = page.getByRole('button', { name: 'Зарегистрироваться' });
        expect(await submit.isDisabled()).toBe(true);
        await page.getByLabel('Пароль').press('Enter');
        await page.waitForTimeout(300);
        expect(new URL(page.url()).pathname).toBe('/register');
        expect(await page.getByLabel('Пароль').inputValue()).toBe(password);
        releaseChallenge();
        await expect.poll(() => submit.isEnabled(), { timeout: 60_000 }).toBe(true);
        await page.waitForFunction(
          () => {
            const input = document.querySelector<HTMLInputElement>('input[name="altcha"]');
            return Boolean(input?.value);
          },
          undefined,
          { timeout: 60_000 },
        );
      } else {
        const question = (await page.getByText(/Сколько будет/).textContent()) ?? '';
        const words = ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять', 'десять'];
        const [, a = '', b = ''] = /Сколько будет (\S+) плюс (\S+)\?/.exec(question) ?? [];
        await page.getByLabel(/Сколько будет/).fill(String(words.indexOf(a) + words.indexOf(b)));
      }
      await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
      await page.waitForURL(/\/registered$/);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Проверьте почту');
      await expectAccessible(page);

      await logIn(adminPage, 'admin@example.test', factoryPassword);
      const link = await verificationLinkFor(adminContext, email);
      await visit(page, link);
      await page.getByRole('button', { name: 'Подтвердить почту' }).click();
      await page.waitForURL(/\/account$/);
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Почта подтверждена');
      await expectAccessible(page);

      await page.getByRole('button', { name: 'Выйти' }).click();
      await page.waitForURL(`${e2e.baseUrl}/`);
      await logIn(page, email, password);

      await page.getByLabel(/Почтовый адрес/).fill('172400, Тверская обл., пгт Оленино, ул. Мира, д. 3');
      await page.getByLabel('Имя', { exact: true }).fill('Дарина');
      await page.getByRole('button', { name: 'Сохранить' }).click();
      await page.waitForURL(/\/account$/);
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Профиль сохранён');
      await expect.poll(() => page.getByLabel('Имя', { exact: true }).inputValue()).toBe('Дарина');
      await expectAccessible(page);
      const saved = await e2e.t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      expect(saved).toMatchObject({ first_name: 'Дарина', postal_address: '172400, Тверская обл., пгт Оленино, ул. Мира, д. 3' });
      expect(saved.email_verified_at).toBeInstanceOf(Date);

      await page.getByRole('button', { name: 'Выйти' }).click();
      await page.waitForURL(`${e2e.baseUrl}/`);
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Вы вышли');
      expect(await page.getByRole('link', { name: 'Войти' }).isVisible()).toBe(true);
      await context.close();
      await adminContext.close();
    });
  }
});
