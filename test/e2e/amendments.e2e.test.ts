/**
 * Amendments in Chromium, without JavaScript as the forms are: a citizen proposes an amendment of a collecting appeal
 * and the author accepts it; the signer of the old version finds his signature waiting, reads what changed and signs
 * the new version with one form. axe on every page; screenshots on a desktop and a phone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appeal, User } from '../../src/core/db/schema.ts';
import { freshCount } from '../../src/modules/appeals/appeals.signing.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../support/factories.ts';

const e2e = useBrowserApp();
const phone = { width: 390, height: 844 };
let appeal: Appeal;
let author: User;
let signer: User;
let proposer: User;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  const fixture = await openAppeal(t.ctx, { title: 'О ремонте дороги на улице Октябрьской', threshold: 50 });
  appeal = fixture.appeal;
  author = fixture.author;
  signer = await verifiedCitizen(t.ctx, { surname: 'Старова', firstName: 'Вера' });
  proposer = await verifiedCitizen(t.ctx, { surname: 'Поправкина', firstName: 'Нина' });
  await sign(t.ctx, appeal.id, signer);
});

describe.skipIf(!chromiumAvailable)('amendments of a collecting appeal', () => {
  it('goes from a proposal to a new version, and the old signer signs it again, all without JavaScript', async () => {
    const page = await e2e.newPage({ javaScript: false, cookie: await sessionCookieFor(e2e.t.ctx, proposer) });
    await e2e.visit(page, `/appeals/${appeal.id}`);
    await page.getByRole('link', { name: 'Предложить поправку' }).first().click();
    await expectAccessible(page);
    const text = page.locator('#field-text');
    await text.fill((await text.inputValue()).replace('в пгт Оленино', 'в пгт Оленино до 1 июня'));
    await page.locator('#field-reason').fill('Без срока ответят «в плановом порядке».');
    await screenshot(page, 'amendment-form-desktop-nojs');
    await page.getByRole('button', { name: 'Предложить поправку' }).click();
    expect(await page.locator('.flash').innerText()).toContain('Поправка предложена');
    expect((await page.locator('.word-diff ins').allInnerTexts()).map((words) => words.trim())).toEqual(['до 1 июня']);
    await expectAccessible(page);
    await page.locator('#field-body').fill('Срок важнее всего.');
    await page.getByRole('button', { name: 'Отправить комментарий' }).click();
    expect(await page.locator('.comments').innerText()).toContain('Срок важнее всего.');
    await page.context().close();

    const authorPage = await e2e.newPage({ javaScript: false, cookie: await sessionCookieFor(e2e.t.ctx, author) });
    await e2e.visit(authorPage, `/appeals/${appeal.id}/amendments/1`);
    expect(await authorPage.locator('.amendment-decide').innerText()).toContain('Сейчас под обращением 1 подпись');
    await screenshot(authorPage, 'amendment-decide-desktop-nojs');
    await authorPage.locator('#field-reason').fill('Согласна: срок нужен.');
    await authorPage.getByRole('button', { name: 'Принять поправку' }).click();
    expect(await authorPage.locator('.flash').innerText()).toContain('Поправка принята');
    expect(await authorPage.locator('.hash').innerText()).toContain('Редакция 2');
    await authorPage.context().close();

    const signerPage = await e2e.newPage({ javaScript: false, cookie: await sessionCookieFor(e2e.t.ctx, signer), viewport: phone });
    await e2e.visit(signerPage, `/appeals/${appeal.id}`);
    expect(await signerPage.locator('#superseded').innerText()).toContain('Вы подписали редакцию 1');
    await screenshot(signerPage, 'amendment-resign-phone-nojs');
    await signerPage.getByRole('link', { name: 'Что изменилось с редакции 1' }).click();
    expect((await signerPage.locator('.word-diff ins').allInnerTexts()).map((words) => words.trim())).toContain('до 1 июня');
    await signerPage.goBack();
    await signerPage.locator('#field-consentTransfer').check();
    await signerPage.getByRole('button', { name: 'Подписать новую редакцию' }).click();
    expect(await signerPage.locator('.flash').innerText()).toContain('Спасибо');
    expect(await signerPage.locator('#superseded').count()).toBe(0);
    expect(await freshCount(e2e.t.ctx, appeal.id)).toBe(1);
    await signerPage.context().close();

    const list = await e2e.newPage({ javaScript: true, viewport: phone });
    await e2e.visit(list, `/appeals/${appeal.id}/amendments`);
    expect(await list.locator('.amendment-status').innerText()).toContain('Принята');
    await screenshot(list, 'amendment-list-phone');
    await list.context().close();
  });
});
