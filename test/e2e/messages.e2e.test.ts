/**
 * The cabinet's messages to citizens in Chromium without JavaScript: an official writes to an appeal's author from the
 * cabinet, the author finds it under «Сообщения», reads the Markdown rendered and answers with the plain form, and the
 * official sees the answer first in the list, marked new. axe on both sides' pages; screenshots on a desktop and a phone.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Organization } from '../../src/core/db/schema.ts';
import { dispatchAppeal } from '../../src/modules/appeals/appeals.dispatch.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { addMember, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../support/factories.ts';

const e2e = useBrowserApp();
let organization: Organization;
let appealId = 0;
let headCookie = '';
let authorCookie = '';

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  const author = await verifiedCitizen(t.ctx, { surname: 'Письменная', firstName: 'Полина' });
  const fixture = await openAppeal(t.ctx, { author, threshold: 1, acknowledgeWarnings: true, title: 'О ремонте крыльца поликлиники' });
  organization = fixture.organization;
  appealId = fixture.appeal.id;
  await sign(t.ctx, appealId);
  expect(await dispatchAppeal(t.ctx, appealId)).toBe('sent');
  const head = await verifiedCitizen(t.ctx, { surname: 'Ответова', firstName: 'Ольга' });
  await addMember(t.ctx, organization, head, 'head', 'глава');
  headCookie = await sessionCookieFor(t.ctx, head);
  authorCookie = await sessionCookieFor(t.ctx, author);
});

const pageAs = (cookie: string, viewport = { width: 1280, height: 900 }): Promise<Page> =>
  e2e.newPage({ cookie, javaScript: false, viewport, deviceScaleFactor: 1 });

describe.skipIf(!chromiumAvailable)('messages between an organization and a citizen', () => {
  it('is written in the cabinet, read and answered by the author, and the answer comes back first in the list (no JavaScript)', async () => {
    const official = await pageAs(headCookie);
    await e2e.visit(official, `/cabinet/${organization.slug}/appeals/${appealId}`);
    await official.getByRole('link', { name: 'Переписка с автором и подписавшими' }).click();
    await expectAccessible(official);
    await official.getByLabel('Сообщение автору').fill('Уточните, пожалуйста, **какой вход** поликлиники.');
    await official.getByRole('button', { name: 'Отправить', exact: true }).click();
    await expect.poll(() => official.locator('.flash').textContent()).toContain('Сообщение отправлено');
    await expectAccessible(official);

    const citizen = await pageAs(authorCookie);
    await e2e.visit(citizen, '/');
    await citizen.getByRole('link', { name: 'Сообщения', exact: true }).click();
    await expectAccessible(citizen);
    await citizen.getByRole('link', { name: 'О ремонте крыльца поликлиники' }).click();
    expect(await citizen.locator('.message-list strong', { hasText: 'какой вход' }).count()).toBe(1);
    await citizen.getByLabel('Ваш ответ').fill('Главный вход, со стороны улицы Ленина.');
    await citizen.getByRole('button', { name: 'Отправить', exact: true }).click();
    await expect.poll(() => citizen.locator('.message-list').textContent()).toContain('со стороны улицы Ленина');
    await expectAccessible(citizen);
    await screenshot(citizen, 'messages-citizen-thread-desktop-nojs');

    await e2e.visit(official, `/cabinet/${organization.slug}/messages`);
    const first = official.locator('tbody tr').first();
    expect(await first.textContent()).toContain('О ремонте крыльца поликлиники');
    expect(await first.textContent()).toContain('новое');
    expect(await first.textContent()).toContain('Полина П.');
    await screenshot(official, 'messages-cabinet-list-desktop-nojs');
    await first.getByRole('link').click();
    expect(await official.locator('.message-list').textContent()).toContain('со стороны улицы Ленина');
    expect(await official.content()).not.toContain('Письменная');
    await expectAccessible(official);

    const phone = await pageAs(authorCookie, { width: 390, height: 844 });
    await e2e.visit(phone, '/messages');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await screenshot(phone, 'messages-citizen-list-phone-nojs');
    for (const page of [official, citizen, phone]) await page.context().close();
  });
});
