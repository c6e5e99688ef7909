/**
 * The service cabinet in Chromium, the way officials use it: an official asks to join from the organization's
 * page and an administrator approves (both without JavaScript); the head registers an appeal the platform sent,
 * assigns it to the new clerk and extends its term; the clerk prepares the answer from a template and submits it
 * (with JavaScript); the head approves it (without); citizens see each step on the public timeline under the
 * organization's name, and a signer opens the answer's letter on the letterhead and rates it; the review closes and the
 * rating reaches the oversight page of the city above the district; the head forwards another appeal to the competent body after a
 * confirmation and citizens follow it to the new appeal (without JavaScript). axe on every page, nothing sideways on a phone; screenshots
 * of the inbox and the appeal on a desktop and a phone, with and without JavaScript.
 */
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appeal, Organization, User } from '../../src/core/db/schema.ts';
import { closeEndedReviews } from '../../src/modules/answers/answers.review.ts';
import { dispatchAppeal } from '../../src/modules/appeals/appeals.dispatch.ts';
import { getAppealRow } from '../../src/modules/appeals/appeals.service.ts';
import { saveTemplate } from '../../src/modules/cabinet/cabinet.answers.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { actorOf, addMember, createOrganization, createUser, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../support/factories.ts';

const e2e = useBrowserApp();
let organization: Organization;
let appeal: Appeal;
let problemId: number;
let headCookie: string;
let adminCookie: string;
let applicant: User;
let applicantCookie: string;
let signerCookie: string;
/** Sent to the district, and forwarded by its head to the competent body. */
let forwardable: Appeal;
let competent: Organization;
/** The district's parent body, and its head's session. */
let cityOrganization: Organization;
let cityHeadCookie: string;
/** The document the head issued on the letterhead (its public page). */
let documentUrl = '';

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  // The city above the district: its head judges the district by the citizens' ratings on the oversight page.
  const city = await createOrganization(t.ctx, { name: 'Администрация города Твери', slug: 'tver-city' });
  organization = await createOrganization(t.ctx, {
    name: 'Администрация Заволжского района г. Твери',
    slug: 'zavolzhsky',
    appealThreshold: 2,
    parentId: city.id,
  });
  // Two bodies below it, for the oversight dashboard.
  const schools = await createOrganization(t.ctx, { name: 'Управление образования Заволжского района', slug: 'zavolzhsky-schools', parentId: organization.id });
  await createOrganization(t.ctx, { name: 'Школа № 17 г. Твери', slug: 'tver-school-17', parentId: schools.id });
  const head = await verifiedCitizen(t.ctx, { surname: 'Руководова', firstName: 'Римма' });
  await addMember(t.ctx, organization, head, 'head', 'глава администрации');
  await saveTemplate(t.ctx, actorOf(head, { memberships: new Map([[organization.id, 'head']]) }), organization, null, {
    title: 'Ремонт дорог: включено в план',
    body: 'Уважаемые заявители!\n\nПо обращению {номер} сообщаем: ремонт включён в план работ на **май**.',
  });
  const fixture = await openAppeal(t.ctx, { organization, threshold: 2, acknowledgeWarnings: true, title: 'О ремонте дороги на улице Горького' });
  appeal = fixture.appeal;
  problemId = fixture.problem.id;
  const signer = (await sign(t.ctx, appeal.id, undefined, { consentPublicName: true })).signer;
  await sign(t.ctx, appeal.id);
  await dispatchAppeal(t.ctx, appeal.id);
  expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('sent');
  // A few more appeals, so that the inbox has rows to sort and select.
  for (const title of ['О вывозе мусора во дворе дома 12', 'Об освещении набережной', 'О скамейках в сквере']) {
    const more = await openAppeal(t.ctx, { organization, threshold: 2, acknowledgeWarnings: true, title });
    await sign(t.ctx, more.appeal.id);
    await sign(t.ctx, more.appeal.id);
    await dispatchAppeal(t.ctx, more.appeal.id);
    forwardable = more.appeal;
  }
  competent = await createOrganization(t.ctx, { name: 'Министерство транспорта Тверской области', slug: 'tver-transport' });
  headCookie = await sessionCookieFor(t.ctx, head);
  const cityHead = await verifiedCitizen(t.ctx, { surname: 'Городская', firstName: 'Галина' });
  await addMember(t.ctx, city, cityHead, 'head', 'глава города');
  cityHeadCookie = await sessionCookieFor(t.ctx, cityHead);
  cityOrganization = city;
  adminCookie = await sessionCookieFor(t.ctx, await createUser(t.ctx, { role: 'admin' }));
  applicant = await verifiedCitizen(t.ctx, { surname: 'Новикова', firstName: 'Нина' });
  applicantCookie = await sessionCookieFor(t.ctx, applicant);
  signerCookie = await sessionCookieFor(t.ctx, signer);
});

const pageAs = (cookie: string | null, javaScript: boolean, viewport = { width: 1280, height: 900 }): Promise<Page> =>
  e2e.newPage({ cookie, javaScript, viewport, deviceScaleFactor: 1 });

async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
}

describe.skipIf(!chromiumAvailable)('the service cabinet', () => {
  it('joins, registers, assigns, extends, prepares from a template, approves; citizens see it all', async () => {
    // 1. The applicant asks from the organization's page (no JavaScript).
    const applicantPage = await pageAs(applicantCookie, false);
    await e2e.visit(applicantPage, `/organizations/${organization.slug}`);
    await applicantPage.getByRole('link', { name: 'подключиться к кабинету' }).click();
    await expectAccessible(applicantPage);
    await applicantPage.getByLabel('Ваша должность').fill('ведущий специалист по обращениям');
    await applicantPage.getByLabel('Комментарий для администратора').fill('Служебный телефон 8 (4822) 00-00-00');
    await applicantPage.getByRole('button', { name: 'Отправить заявку' }).click();
    expect(await applicantPage.getByText('ждёт проверки администратором').count()).toBe(1);
    await expectAccessible(applicantPage);
    await screenshot(applicantPage, 'cabinet-join-pending-desktop-nojs');

    // 2. The administrator approves it as a clerk (no JavaScript).
    const adminPage = await pageAs(adminCookie, false);
    await e2e.visit(adminPage, '/admin/memberships');
    await screenshot(adminPage, 'cabinet-admin-memberships-desktop-nojs');
    await adminPage.getByLabel('Роль в кабинете').selectOption('clerk');
    await adminPage.getByRole('button', { name: 'Одобрить' }).click();
    expect(await adminPage.getByText('Заявка одобрена').count()).toBe(1);
    await adminPage.context().close();

    // 3. The head registers the appeal, assigns it to the new clerk and extends its term (no JavaScript).
    const headPage = await pageAs(headCookie, false);
    await e2e.visit(headPage, `/cabinet/${organization.slug}`);
    await headPage.getByRole('link', { name: `№ ${appeal.id}. О ремонте дороги на улице Горького` }).click();
    await expectAccessible(headPage);
    const today = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow' }).format(new Date());
    await headPage.getByLabel('Регистрационный номер').fill('ОГ-2026/1234');
    await headPage.locator('#register').getByLabel('Дата регистрации').fill(today);
    await headPage.getByRole('button', { name: 'Зарегистрировать' }).click();
    expect(await headPage.getByText('Обращение зарегистрировано').count()).toBe(1);
    await headPage.getByLabel('Поручить обращение').selectOption({ label: 'Новикова Нина Петровна' });
    await headPage.locator('#assign').getByRole('button', { name: 'Сохранить' }).click();
    expect(await headPage.getByText('Поручение сохранено').count()).toBe(1);
    await headPage.getByLabel('На сколько дней').fill('15');
    await headPage.getByLabel('Причина продления').fill('Нужен выезд комиссии на место для обследования дороги.');
    await headPage.getByRole('button', { name: 'Продлить срок' }).click();
    expect(await headPage.getByText('Срок ответа продлён').count()).toBe(1);
    // The head requires approval of clerks' answers from now on.
    await e2e.visit(headPage, `/cabinet/${organization.slug}/members`);
    await headPage.getByLabel('Ответы исполнителей публикуются только после утверждения руководителем').check();
    await headPage.getByRole('button', { name: 'Сохранить настройки' }).click();
    await expectAccessible(headPage);
    await screenshot(headPage, 'cabinet-members-desktop-nojs');

    // 4. The clerk finds it assigned, prepares the answer from the template and submits it (JavaScript on).
    const clerkPage = await pageAs(applicantCookie, true);
    await e2e.visit(clerkPage, `/cabinet/${organization.slug}?assignee=${applicant.id}`);
    expect(await clerkPage.getByRole('link', { name: `№ ${appeal.id}. О ремонте дороги на улице Горького` }).count()).toBe(1);
    await clerkPage.getByRole('link', { name: `№ ${appeal.id}. О ремонте дороги на улице Горького` }).click();
    await clerkPage.getByLabel('Шаблон').selectOption({ label: 'Ремонт дорог: включено в план' });
    await clerkPage.getByRole('button', { name: 'Вставить шаблон' }).click();
    expect(await clerkPage.getByLabel('Текст ответа').inputValue()).toContain('По обращению ОГ-2026/1234 сообщаем');
    await clerkPage.getByLabel('Исходящий номер').fill('01-15/778');
    await clerkPage.getByRole('button', { name: 'Отправить на утверждение' }).click();
    expect(await clerkPage.getByText('Ответ отправлен на утверждение руководителю').count()).toBeGreaterThan(0);
    await expectAccessible(clerkPage);
    await clerkPage.context().close();

    // 5. The head approves and publishes it (no JavaScript).
    await e2e.visit(headPage, `/cabinet/${organization.slug}/appeals/${appeal.id}`);
    await headPage.getByRole('button', { name: 'Утвердить и опубликовать' }).click();
    expect(await headPage.getByText('Ответ опубликован').count()).toBe(1);
    expect((await getAppealRow(e2e.t.ctx, appeal.id)).status).toBe('review');
    await headPage.context().close();
    // The answer is set on the organization's letterhead: its first file on the appeal page, a PDF.
    await e2e.t.jobs.drain('cabinet.answer-pdf');

    // 6. Citizens see every step on the timeline, under the organization's name; a signer rates the answer.
    const visitor = await pageAs(null, false);
    await e2e.visit(visitor, `/problems/${problemId}`);
    const timeline = (await visitor.locator('.timeline').textContent()) ?? '';
    expect(timeline).toContain('Адресат зарегистрировал обращение');
    expect(timeline).toMatch(/Адресат продлил срок ответа на 15 дней/);
    expect(timeline).toContain('Причина продления: Нужен выезд комиссии');
    expect(timeline).toContain('ответил на обращение, ответ опубликован');
    expect(timeline).toContain('Администрация Заволжского района г. Твери');
    expect(timeline).not.toContain('Новикова');
    await e2e.visit(visitor, `/appeals/${appeal.id}`);
    expect(await visitor.getByText('опубликован организацией в служебном кабинете').count()).toBe(1);
    expect(await visitor.locator('.letter-rich strong').textContent()).toBe('май');
    await visitor.context().close();
    const signerPage = await pageAs(signerCookie, false);
    await e2e.visit(signerPage, `/appeals/${appeal.id}`);
    const letterhead = signerPage.getByRole('link', { name: 'Письмо на бланке организации' });
    expect(await letterhead.count()).toBe(1);
    const pdf = await e2e.t.app.inject({ method: 'GET', url: String(await letterhead.getAttribute('href')) });
    expect([pdf.statusCode, pdf.headers['content-type']]).toEqual([200, 'application/pdf']);
    const printed = (await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(printed).toContain('Администрация Заволжского района г. Твери');
    expect(printed).toContain('№ 01-15/778');
    expect(printed).toContain('ремонт включён в план работ на май');
    await signerPage.getByLabel('4', { exact: true }).check();
    await signerPage.getByLabel('частично').check();
    await signerPage.getByRole('button', { name: 'Сохранить оценку' }).click();
    expect(await signerPage.getByText('Оценка сохранена').count()).toBe(1);
    await signerPage.context().close();

    // 7. The review window closes; the signer's rating reaches the city's dashboard of the bodies below it.
    const cityPage = await pageAs(cityHeadCookie, false);
    const districtRow = () => cityPage.locator('.oversight-table tbody tr', { hasText: organization.name });
    await e2e.visit(cityPage, `/cabinet/${cityOrganization.slug}/oversight`);
    expect(await districtRow().locator('td').first().textContent()).toContain('нет данных');
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(e2e.t.ctx.db);
    expect(await closeEndedReviews(e2e.t.ctx)).toBeGreaterThanOrEqual(1);
    await e2e.visit(cityPage, `/cabinet/${cityOrganization.slug}/oversight`);
    const quality = (await districtRow().locator('td').first().textContent()) ?? '';
    expect(quality).not.toContain('нет данных');
    expect(quality).toMatch(/\d,\d/);
    await expectAccessible(cityPage);
    await screenshot(cityPage, 'cabinet-oversight-parent-desktop-nojs');
    await cityPage.context().close();
    await applicantPage.context().close();
  });

  it('forwards an appeal to the competent body after a confirmation, and citizens follow it there (no JavaScript)', async () => {
    const headPage = await pageAs(headCookie, false);
    await e2e.visit(headPage, `/cabinet/${organization.slug}/appeals/${forwardable.id}`);
    await headPage.getByRole('link', { name: 'Переадресовать…' }).click();
    await expectAccessible(headPage);
    await headPage.getByLabel('Компетентный орган').selectOption({ label: competent.name });
    await headPage.getByLabel('Причина переадресации').fill('Скамейки в сквере на набережной содержит область, а не район.');
    await headPage.getByRole('button', { name: 'Продолжить' }).click();
    expect(await headPage.getByRole('heading', { name: `Переадресовать обращение в организацию «${competent.name}»?` }).count()).toBe(1);
    await expectAccessible(headPage);
    await screenshot(headPage, 'cabinet-forward-confirm-desktop-nojs');
    await headPage.getByRole('button', { name: 'Переадресовать', exact: true }).click();
    expect(await headPage.getByText('Обращение переадресовано;').count()).toBe(1);
    expect(await headPage.locator('#forwarding').getByText('в срок', { exact: true }).count()).toBe(1);
    await expectAccessible(headPage);
    await headPage.context().close();
    const forwarded = await getAppealRow(e2e.t.ctx, forwardable.id);
    expect(forwarded.status).toBe('forwarded');

    const visitor = await pageAs(null, false);
    await e2e.visit(visitor, `/appeals/${forwardable.id}`);
    expect(await visitor.locator('.appeal-meta').getByText('переадресовано').count()).toBe(1);
    expect(await visitor.getByText('Причина: Скамейки в сквере').count()).toBe(1);
    await expectAccessible(visitor);
    await visitor.getByRole('link', { name: `Обращение № ${forwarded.forwarded_appeal_id}: там теперь ждут ответа` }).click();
    expect(await visitor.getByRole('heading', { name: 'Поступило по переадресации' }).count()).toBe(1);
    expect(await visitor.getByRole('link', { name: `обращение № ${forwardable.id}` }).count()).toBe(1);
    await visitor.context().close();
  });

  it('makes an organization API token without JavaScript, shows it once, and revokes it behind a confirmation', async () => {
    const headPage = await pageAs(headCookie, false);
    await e2e.visit(headPage, `/cabinet/${organization.slug}`);
    await headPage.getByRole('link', { name: 'Токены API' }).click();
    await expectAccessible(headPage);
    await headPage.getByLabel('Название').fill('СЭД «Дело» канцелярии');
    await headPage.getByLabel('Изменять').check();
    await headPage.getByRole('button', { name: 'Создать токен' }).click();
    const secret = (await headPage.getByTestId('new-token').textContent()) ?? '';
    expect(secret).toMatch(/^dm_/);
    await expectAccessible(headPage);
    await screenshot(headPage, 'cabinet-tokens-desktop-nojs');
    const used = await e2e.t.app.inject({ method: 'GET', url: `/api/v1/cabinet/${organization.slug}/appeals`, headers: { authorization: `Bearer ${secret}` } });
    expect(used.statusCode).toBe(200);
    await e2e.visit(headPage, `/cabinet/${organization.slug}/tokens`);
    expect(await headPage.getByText(secret).count()).toBe(0);
    await headPage.getByRole('link', { name: 'Отозвать токен «СЭД «Дело» канцелярии»' }).click();
    await expectAccessible(headPage);
    await headPage.getByRole('button', { name: 'Да, отозвать' }).click();
    expect(await headPage.getByText('Токен отозван').count()).toBe(1);
    const refused = await e2e.t.app.inject({
      method: 'GET',
      url: `/api/v1/cabinet/${organization.slug}/appeals`,
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.statusCode).toBe(401);
    await headPage.context().close();
  });

  it('issues a document on the letterhead about a problem without JavaScript, public with its PDF', async () => {
    const headPage = await pageAs(headCookie, false);
    await e2e.visit(headPage, `/problems/${problemId}`);
    await headPage.getByRole('link', { name: /Документ на бланке/ }).click();
    await expectAccessible(headPage);
    await headPage.getByLabel('Заголовок').fill('Запрос о сроках ремонта дороги на улице Горького');
    await headPage.getByLabel('Кому').fill('Министру транспорта Тверской области\nИ. И. Иванову');
    await headPage
      .getByLabel('Текст документа')
      .fill('Прошу сообщить, когда будет отремонтирована дорога на улице Горького.\n\n- ямы глубиной до **20 см**;\n- нет освещения.');
    await headPage.getByRole('button', { name: 'Выпустить документ' }).click();
    expect(headPage.url()).toMatch(/\/documents\/\d+$/);
    await expectAccessible(headPage);
    await e2e.t.jobs.drain('cabinet.document-pdf');
    await headPage.reload();
    const pdfLink = headPage.getByRole('link', { name: 'PDF на бланке' });
    expect(await pdfLink.count()).toBe(1);
    const pdf = await e2e.t.app.inject({ method: 'GET', url: String(await pdfLink.getAttribute('href')) });
    expect([pdf.statusCode, pdf.headers['content-type']]).toEqual([200, 'application/pdf']);
    documentUrl = new URL(headPage.url()).pathname;
    await screenshot(headPage, 'document-public-desktop-nojs');
    await headPage.context().close();
  });

  it('is axe-clean on every cabinet page, with and without JavaScript', { timeout: 240_000 }, async () => {
    for (const javaScript of [false, true]) {
      const page = await pageAs(headCookie, javaScript);
      for (const url of [
        '/cabinet',
        `/cabinet/${organization.slug}?state=all`,
        `/cabinet/${organization.slug}/appeals/${appeal.id + 1}`,
        `/cabinet/${organization.slug}/appeals/${appeal.id + 1}/messages`,
        `/cabinet/${organization.slug}/register?ids=${appeal.id + 1}`,
        `/cabinet/${organization.slug}/messages`,
        `/cabinet/${organization.slug}/problems`,
        `/cabinet/${organization.slug}/problems/${problemId}/statement`,
        `/cabinet/${organization.slug}/problems/${problemId}/document`,
        `/cabinet/${organization.slug}/members`,
        `/cabinet/${organization.slug}/templates`,
        `/cabinet/${organization.slug}/letterhead`,
        `/cabinet/${organization.slug}/documents`,
        `/cabinet/${organization.slug}/oversight`,
        `/cabinet/${organization.slug}/webhooks`,
        `/cabinet/${organization.slug}/tokens`,
        documentUrl,
      ]) {
        await e2e.visit(page, url);
        await expectAccessible(page);
      }
      await page.context().close();
    }
  });

  it('looks right on a desktop and a phone, with and without JavaScript', async () => {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      for (const javaScript of [true, false]) {
        const page = await pageAs(headCookie, javaScript, viewport);
        const suffix = `${device}-${javaScript ? 'js' : 'nojs'}`;
        for (const [name, url] of [
          ['cabinet-inbox', `/cabinet/${organization.slug}?state=all`],
          ['cabinet-appeal', `/cabinet/${organization.slug}/appeals/${appeal.id + 1}`],
          ['cabinet-templates', `/cabinet/${organization.slug}/templates`],
          ['cabinet-oversight', `/cabinet/${organization.slug}/oversight`],
          ['cabinet-problems', `/cabinet/${organization.slug}/problems`],
          ['cabinet-tokens', `/cabinet/${organization.slug}/tokens`],
          ['cabinet-documents', `/cabinet/${organization.slug}/documents`],
          ['cabinet-document-form', `/cabinet/${organization.slug}/problems/${problemId}/document`],
          ['document-public', documentUrl],
        ] as const) {
          await e2e.visit(page, url);
          await noSidewaysScroll(page);
          await screenshot(page, `${name}-${suffix}`);
        }
        await page.context().close();
      }
    }
  });
});
