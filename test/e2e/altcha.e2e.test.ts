/**
 * ALTCHA in Chromium: with JavaScript the widget on the sign form solves its proof of work and the signature counts;
 * without JavaScript the same form signs all the same, and the signature waits for a moderator (no_proof_of_work).
 * The widget on the sign, publish and registration forms, desktop (1280) and phone (390) screenshots with and
 * without JavaScript, axe on every page.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSignatures } from '../../src/modules/appeals/appeals.signing.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { openAppeal, sessionCookieFor, verifiedCitizen } from '../support/factories.ts';

const e2e = useBrowserApp({ env: { ALTCHA_ENABLED: 'true' } });
let appealId = 0;
const cookies: Record<'js' | 'nojs', string> = { js: '', nojs: '' };
const viewports = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  appealId = (await openAppeal(t.ctx, { threshold: 50 })).appeal.id;
  cookies.js = await sessionCookieFor(t.ctx, await verifiedCitizen(t.ctx, { surname: 'Скриптова', firstName: 'Юлия' }));
  cookies.nojs = await sessionCookieFor(t.ctx, await verifiedCitizen(t.ctx, { surname: 'Простова', firstName: 'Нина' }));
});

async function signatureOf(surname: string) {
  return e2e.t.ctx.db
    .selectFrom('signatures')
    .innerJoin('users', 'users.id', 'signatures.user_id')
    .select(['signatures.flag_reasons', 'signatures.flagged_at'])
    .where('signatures.appeal_id', '=', appealId)
    .where('users.surname', '=', surname)
    .executeTakeFirst();
}

async function fillSignForm(page: Page, fullName: string): Promise<void> {
  await page.getByLabel('Фамилия, имя, отчество').fill(fullName);
  await page.getByRole('textbox', { name: 'Почтовый адрес' }).fill('172400, Тверская обл., пгт Оленино, ул. Мира, д. 3');
  await page.getByLabel(/Даю согласие передать/).check();
}

describe.skipIf(!chromiumAvailable)('ALTCHA on the sign form', () => {
  it('with JavaScript: the widget solves the proof of work and the signature counts', async () => {
    const page = await e2e.newPage({ cookie: cookies.js, viewport: viewports.desktop });
    await e2e.visit(page, `/appeals/${appealId}`);
    // The widget is on the page, in Russian, before anything is typed; it starts when the person starts on the form.
    await expect.poll(() => page.locator('#sign altcha-widget').count()).toBe(1);
    expect(await page.locator('#sign altcha-widget').getByText('Я не робот').count()).toBe(1);
    await fillSignForm(page, 'Скриптова Юлия Петровна');
    await page.waitForFunction(() => Boolean(document.querySelector<HTMLInputElement>('#sign input[name="altcha"]')?.value), undefined, { timeout: 60_000 });
    expect(await page.locator('#sign altcha-widget').getByText('Проверка пройдена').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'altcha-sign-desktop-js');
    await page.getByRole('button', { name: 'Подписать' }).click();
    await page.waitForURL(/#signature$/);
    expect(await page.getByText('Спасибо! Ваша подпись учтена.').count()).toBe(1);
    await expectAccessible(page);
    expect(await signatureOf('Скриптова')).toMatchObject({ flag_reasons: [], flagged_at: null });
    expect(await countSignatures(e2e.t.ctx.db, appealId)).toBe(1);
    await page.context().close();
  }, 90_000);

  it('with JavaScript, sent at once: the form waits for the proof, then goes', async () => {
    const { t } = e2e;
    const hurried = await verifiedCitizen(t.ctx, { surname: 'Торопова', firstName: 'Ада' });
    const page = await e2e.newPage({ cookie: await sessionCookieFor(t.ctx, hurried), viewport: viewports.desktop });
    await e2e.visit(page, `/appeals/${appealId}`);
    await fillSignForm(page, 'Торопова Ада Ильинична');
    // Enter in the name field, before the widget could have finished.
    await page.getByLabel('Фамилия, имя, отчество').press('Enter');
    await page.waitForURL(/#signature$/, { timeout: 60_000 });
    expect(await signatureOf('Торопова')).toMatchObject({ flag_reasons: [], flagged_at: null });
    expect(await countSignatures(t.ctx.db, appealId)).toBe(2);
    await page.context().close();
  }, 90_000);

  it('without JavaScript: the form signs all the same, and the signature waits for a moderator', async () => {
    const page = await e2e.newPage({ cookie: cookies.nojs, javaScript: false, viewport: viewports.desktop });
    await e2e.visit(page, `/appeals/${appealId}`);
    // Nothing of the widget shows: its holder stays hidden.
    expect(await page.locator('#sign .captcha-widget').isHidden()).toBe(true);
    await fillSignForm(page, 'Простова Нина Олеговна');
    await screenshot(page, 'altcha-sign-desktop-nojs');
    await page.getByRole('button', { name: 'Подписать' }).click();
    await page.waitForURL(/#signature$/);
    // The signer sees the ordinary success.
    expect(await page.getByText('Спасибо! Ваша подпись учтена.').count()).toBe(1);
    await expectAccessible(page);
    expect(await signatureOf('Простова')).toMatchObject({ flag_reasons: ['no_proof_of_work'] });
    expect((await signatureOf('Простова'))?.flagged_at).not.toBeNull();
    expect(await countSignatures(e2e.t.ctx.db, appealId)).toBe(2);
    await page.context().close();
  }, 60_000);
});

describe.skipIf(!chromiumAvailable)('the widget in the layout', () => {
  for (const [size, viewport] of Object.entries(viewports)) {
    for (const javaScript of [true, false]) {
      it(`fits the sign, publish and registration forms (${size}, ${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
        const { t } = e2e;
        const person = await verifiedCitizen(t.ctx);
        const signedIn = await e2e.newPage({ cookie: await sessionCookieFor(t.ctx, person), javaScript, viewport });
        const visitor = await e2e.newPage({ javaScript, viewport });
        const name = `${size}-${javaScript ? 'js' : 'nojs'}`;
        for (const [page, url, form, shot] of [
          [signedIn, `/appeals/${appealId}`, '#sign', 'sign'],
          [signedIn, '/problems/new', 'form.problem-form', 'publish'],
          [visitor, '/register', 'form[action="/register"]', 'register'],
        ] as const) {
          await e2e.visit(page, url);
          if (javaScript) {
            await expect.poll(() => page.locator(`${form} altcha-widget`).count()).toBe(1);
            // The widget solves on focus on the sign and publish forms, at once on the registration form.
            await page.locator(`${form} input:visible, ${form} textarea:visible`).first().focus();
            await page.waitForFunction((selector) => Boolean(document.querySelector<HTMLInputElement>(`${selector} input[name="altcha"]`)?.value), form, {
              timeout: 60_000,
            });
          } else {
            expect(await page.locator(`${form} altcha-widget`).count()).toBe(0);
          }
          await expectAccessible(page);
          // No part of the page wider than the screen: the widget keeps within the form's column.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${url} scrolls sideways`).toBeLessThanOrEqual(0);
          if (javaScript) {
            const box = await page.locator(`${form} altcha-widget`).boundingBox();
            const formBox = await page.locator(form).boundingBox();
            expect(box && formBox && box.x >= formBox.x - 1 && box.x + box.width <= formBox.x + formBox.width + 1, `${url}: the widget within its form`).toBe(
              true,
            );
          }
          await screenshot(page, `altcha-${shot}-${name}`);
        }
        await signedIn.context().close();
        await visitor.context().close();
      }, 120_000);
    }
  }
});
