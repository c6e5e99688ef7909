/**
 * An answer by e-mail in Chromium: the platform sends an appeal, the addressee's registration notice and
 * answer come back over SMTP to the inbound listener, the author sees the pending letter (and nobody else
 * does), marks it the answer with a plain form post (no JavaScript), and every visitor then reads it on the
 * appeal page; the admins see a forged reply in the inbound list. axe on every page, nothing sideways on a
 * phone; screenshots on a desktop and a phone go to test-results/screenshots.
 */

import { sql } from 'kysely';
import { createTransport } from 'nodemailer';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appeal, User } from '../../src/core/db/schema.ts';
import { closeEndedReviews } from '../../src/modules/answers/answers.review.ts';
import { dispatchAppeal } from '../../src/modules/appeals/appeals.dispatch.ts';
import { replyAddress } from '../../src/modules/appeals/appeals.reply-address.ts';
import { chromiumAvailable, expectAccessible, screenshot, useBrowserApp } from '../support/browser.ts';
import { apiTokenFor, createOrganization, createUser, openAppeal, sessionCookieFor, sign } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

const domain = 'reply.democrator.test';
let appeal: Appeal;
let authorCookie: string;
let adminCookie: string;
let signerCookies: string[];
let secondSignerToken: string;
let organizationSlug: string;
let organizationName: string;

const e2e = useBrowserApp({ env: { INBOUND_MAIL_DOMAIN: domain, INBOUND_SMTP_PORT: '0' } });

beforeAll(async () => {
  if (!chromiumAvailable) return;
  const { t } = e2e;
  // The addressee has a parent: the journey ends with an escalation to it.
  const parent = await createOrganization(t.ctx, { name: 'Правительство Тверской области (журнал)', slug: 'journey-region', appealThreshold: 2 });
  const addressee = await createOrganization(t.ctx, {
    name: 'Администрация округа (журнал)',
    slug: 'journey-district',
    parentId: parent.id,
    appealThreshold: 2,
  });
  const fixture = await openAppeal(t.ctx, {
    organization: addressee,
    threshold: 2,
    acknowledgeWarnings: true,
    title: 'О ремонте дороги и тротуаров на улице Октябрьской',
  });
  appeal = fixture.appeal;
  organizationSlug = fixture.organization.slug;
  organizationName = fixture.organization.name;
  const signers = [(await sign(t.ctx, appeal.id, undefined, { consentPublicName: true })).signer, (await sign(t.ctx, appeal.id)).signer];
  signerCookies = [await sessionCookieFor(t.ctx, signers[0]!)];
  secondSignerToken = await apiTokenFor(t.ctx, signers[1]!);
  // The second signature reaches the threshold: the dispatch job may have sent it already (it acts once).
  await dispatchAppeal(t.ctx, appeal.id);
  await waitFor(
    async () =>
      (await t.ctx.db
        .selectFrom('mail_messages')
        .select('id')
        .where('to_address', '=', fixture.organization.appeal_email as string)
        .executeTakeFirst())
        ? true
        : undefined,
    30_000,
    { what: 'the appeal letter' },
  );
  const author: User = fixture.author;
  const admin = await createUser(t.ctx, { role: 'admin' });
  authorCookie = await sessionCookieFor(t.ctx, author);
  adminCookie = await sessionCookieFor(t.ctx, admin);

  const smtp = createTransport({ host: '127.0.0.1', port: t.inboundSmtp!.port, secure: false, ignoreTLS: true });
  const to = replyAddress(appeal.id, t.ctx.config.secret, domain);
  const from = fixture.organization.appeal_email as string;
  await smtp.sendMail({
    from,
    to,
    subject: 'Уведомление о регистрации обращения',
    text: `Ваше обращение зарегистрировано за № 01-15/2345 от ${new Date().toLocaleDateString('ru-RU')}.`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  await smtp.sendMail({
    from,
    to,
    subject: `Ответ на коллективное обращение № ${appeal.id}`,
    text: 'Уважаемые заявители!\n\nРемонт дороги и тротуаров на улице Октябрьской включён в план дорожных работ на май. Подрядчик определён, работы начнутся после схода снега.\n\nЗаместитель главы администрации\nИ. И. Петрова',
    attachments: [{ filename: 'otvet-01-15-2345.pdf', content: Buffer.from('%PDF-1.4 ответ'), contentType: 'application/pdf' }],
  });
  await smtp.sendMail({
    from: 'stranger@example.test',
    to: `appeal-${appeal.id}-0000000000000000@${domain}`,
    subject: 'Письмо на поддельный адрес',
    text: 'Текст.',
  });
  await waitFor(
    async () => {
      const rows = await t.ctx.db.selectFrom('inbound_messages').select('status').execute();
      return rows.length === 3 && rows.every((row) => row.status !== 'received') ? rows : undefined;
    },
    30_000,
    { what: 'the three inbound messages to be filed' },
  );
});

const devices = [
  ['desktop', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
] as const;

const pageAs = (cookie: string | null, javaScript: boolean, viewport: { width: number; height: number }): Promise<Page> =>
  e2e.newPage({ cookie, javaScript, viewport, deviceScaleFactor: 1 });

async function look(page: Page, url: string, name: string): Promise<string> {
  const response = await page.goto(`${e2e.baseUrl}${url}`);
  expect(response?.status()).toBe(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect({ url, overflow }).toEqual({ url, overflow: 0 });
  await expectAccessible(page);
  await screenshot(page, name);
  return (await page.locator('main').textContent()) ?? '';
}

describe.skipIf(!chromiumAvailable)('an answer by e-mail', () => {
  it('shows the pending letter to the author alone, on a desktop and a phone, with and without JavaScript', async () => {
    for (const javaScript of [true, false]) {
      for (const [device, viewport] of devices) {
        const author = await pageAs(authorCookie, javaScript, viewport);
        const text = await look(author, `/appeals/${appeal.id}`, `appeal-letter-pending-${device}-${javaScript ? 'js' : 'nojs'}`);
        expect(text).toContain('включён в план дорожных работ на май');
        expect(text).toContain('Это ответ на обращение');
        expect(text).toContain('01-15/2345');
        await author.context().close();
      }
    }
    const visitor = await pageAs(null, false, { width: 1280, height: 900 });
    const text = await look(visitor, `/appeals/${appeal.id}`, 'appeal-letter-visitor-before');
    expect(text).not.toContain('включён в план дорожных работ на май');
    expect(text).toContain('01-15/2345');
    await visitor.context().close();
  });

  it('publishes the answer when the author says so with a plain form post, for every visitor to read', async () => {
    const author = await pageAs(authorCookie, false, { width: 390, height: 844 });
    await author.goto(`${e2e.baseUrl}/appeals/${appeal.id}`);
    await author.getByRole('button', { name: 'Это ответ на обращение' }).click();
    await author.waitForURL(`${e2e.baseUrl}/appeals/${appeal.id}#letters`);
    expect(await author.locator('main').textContent()).toContain('Ответ опубликован');
    await author.context().close();
    for (const [device, viewport] of devices) {
      const visitor = await pageAs(null, false, viewport);
      const text = await look(visitor, `/appeals/${appeal.id}`, `appeal-answer-${device}-nojs`);
      expect(text).toContain('Ответ адресата');
      expect(text).toContain('включён в план дорожных работ на май');
      expect(text).toContain('otvet-01-15-2345.pdf');
      await visitor.context().close();
    }
  });

  it('lets a signer rate the answer with a plain form, and shows the ratings live to a page with JavaScript', async () => {
    // Without JavaScript: radios, a comment, a POST and the redirect back to the review.
    const signer = await pageAs(signerCookies[0]!, false, { width: 390, height: 844 });
    await look(signer, `/appeals/${appeal.id}`, 'appeal-review-form-phone-nojs');
    await signer.locator('#review').getByLabel('4', { exact: true }).check();
    await signer.locator('#review').getByLabel('Частично').check();
    await signer.locator('#review').getByLabel('Комментарий к ответу').fill('Обещают на май — посмотрим, сделают ли.');
    await signer.locator('#review').getByRole('button', { name: 'Сохранить оценку' }).click();
    await signer.waitForURL(`${e2e.baseUrl}/appeals/${appeal.id}#review`);
    const saved = await signer.locator('main').textContent();
    expect(saved).toContain('Оценка сохранена');
    expect(saved).toContain('1 оценка, средний балл — 4,0 из 5.');
    expect(saved).toContain('Обещают на май — посмотрим, сделают ли.');
    await screenshot(signer, 'appeal-review-rated-phone-nojs');
    await signer.context().close();

    // With JavaScript: a visitor's page follows another signer's rating without a reload.
    const visitor = await pageAs(null, true, { width: 1280, height: 900 });
    await look(visitor, `/appeals/${appeal.id}`, 'appeal-review-desktop-js');
    const rated = await e2e.t.app.inject({
      method: 'PUT',
      url: `/api/v1/appeals/${appeal.id}/review/mine`,
      headers: { authorization: `Bearer ${secondSignerToken}` },
      payload: { score: 2, solved: 'no' },
    });
    expect(rated.statusCode).toBe(200);
    await visitor.locator('[data-review-summary]').filter({ hasText: '2 оценки, средний балл — 3,0 из 5.' }).waitFor({ timeout: 15_000 });
    expect(await visitor.locator('[data-verdict-count="no"]').textContent()).toBe('1 (50 %)');
    await screenshot(visitor, 'appeal-review-live-desktop-js');
    await visitor.context().close();
  });

  it('closes the review, and the organization’s rating and its place in the league table show the verdict', async () => {
    const { t } = e2e;
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);
    expect(await closeEndedReviews(t.ctx)).toBe(1);
    for (const [device, viewport] of devices) {
      for (const javaScript of [true, false]) {
        const visitor = await pageAs(null, javaScript, viewport);
        const organizationText = await look(visitor, `/organizations/${organizationSlug}`, `organization-rating-${device}-${javaScript ? 'js' : 'nojs'}`);
        expect(organizationText).toContain('Рейтинг организации');
        // One «частично», one «нет»: a tie goes to the less favourable verdict.
        expect(organizationText).toContain('Закрыты: не решена1');
        const leagueText = await look(visitor, '/ratings', `ratings-league-${device}-${javaScript ? 'js' : 'nojs'}`);
        expect(leagueText).toContain(organizationName);
        await visitor.context().close();
      }
    }
    const visitor = await pageAs(null, false, { width: 1280, height: 900 });
    const formula = await look(visitor, '/ratings/formula', 'ratings-formula-desktop-nojs');
    expect(formula).toContain('W = v / (v + m) · R + m / (v + m) · C');
    const appealText = await look(visitor, `/appeals/${appeal.id}`, 'appeal-closed-desktop-nojs');
    expect(appealText).toContain('по мнению подписавших и автора, проблема не решена');
    await visitor.context().close();
  });

  it('lets the author escalate the unresolved appeal to the parent, and an earlier signer sign the new text with one form', async () => {
    const author = await pageAs(authorCookie, false, { width: 390, height: 844 });
    await author.goto(`${e2e.baseUrl}/appeals/${appeal.id}`);
    await author.getByRole('link', { name: 'Обратиться в вышестоящую организацию' }).click();
    await look(author, new URL(author.url()).pathname, 'appeal-escalate-phone-nojs');
    expect(await author.getByLabel('Кому направить').inputValue()).not.toBe('');
    await author.getByRole('button', { name: 'Начать новое обращение' }).click();
    await author.waitForURL(/\/appeals\/\d+\/edit$/);
    const escalatedId = Number(/\/appeals\/(\d+)\/edit$/.exec(author.url())?.[1]);
    await author.goto(`${e2e.baseUrl}/appeals/${escalatedId}`);
    await author.getByRole('button', { name: 'Открыть сбор подписей' }).click();
    await author.context().close();

    // The earlier signer's invitation is in the site's list; the new appeal's page has the sign form filled in.
    const { t } = e2e;
    await t.ctx.jobs.drain('appeals.invite-earlier-signers');
    const signer = await pageAs(signerCookies[0]!, false, { width: 390, height: 844 });
    const notifications = await look(signer, '/notifications', 'notifications-escalated-phone-nojs');
    expect(notifications).toContain('начато новое обращение');
    const text = await look(signer, `/appeals/${escalatedId}`, 'appeal-escalated-phone-nojs');
    expect(text).toContain('Цепочка обращений');
    // One form: the name and address come filled in from the profile; the consent is given anew.
    await signer.getByLabel(/Даю согласие передать мои фамилию/).check();
    await signer.getByRole('button', { name: 'Подписать', exact: true }).click();
    await signer.waitForURL(new RegExp(`/appeals/${escalatedId}`));
    expect(await t.ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', escalatedId).execute()).toHaveLength(1);
    await signer.context().close();
  });

  it('lists the reply to a forged address for the admins', async () => {
    for (const [device, viewport] of devices) {
      const admin = await pageAs(adminCookie, false, viewport);
      const text = await look(admin, '/admin/inbound-mail', `admin-inbound-mail-${device}-nojs`);
      expect(text).toContain('Письмо на поддельный адрес');
      expect(text).toContain('подпись адреса неверна');
      await admin.context().close();
    }
  });
});
