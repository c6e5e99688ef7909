/**
 * The heart of Democrator in a real browser: a citizen publishes a problem and writes an appeal,
 * 50 people sign (49 through the API, one in a browser without JavaScript), and the platform
 * e-mails the appeal to a real SMTP server with a PDF that lists all 50 signatories.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, expectAccessible, type PageOptions, screenshot, useBrowserApp } from '../support/browser.ts';
import {
  apiTokenFor,
  categoryId,
  createMunicipality,
  createOrganization,
  createUser,
  openAppeal,
  sessionCookieFor,
  sign,
  surnameFor,
} from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

let smtp: SMTPServer;
const inbox: Buffer[] = [];

// The SMTP server starts first: the app's SMTP_URL names its port.
beforeAll(async () => {
  if (!chromiumAvailable) return;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inbox.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const e2e = useBrowserApp({
  env: () => ({
    SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    AUTH_RATE_LIMIT: '1000',
    RATE_LIMIT_REGISTER: '1000',
    RATE_LIMIT_SIGN: '1000',
  }),
});

describe.skipIf(!chromiumAvailable)('a collective appeal from problem to dispatch', () => {
  it('publishes, collects 50 signatures and e-mails a PDF listing all of them', async () => {
    const { t, baseUrl } = e2e;
    const municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
    const roads = await categoryId(t.ctx, 'roads');
    await createOrganization(t.ctx, {
      name: 'Администрация Оленинского муниципального округа',
      slug: 'olenino',
      kind: 'municipal_administration',
      territoryId: municipalityId,
      appealEmail: 'priemnaya@olenino.example',
      postalAddress: '172400, Тверская обл., пгт Оленино, ул. Октябрьская, д. 7',
      appealThreshold: 50,
      jurisdictions: [{ territoryId: municipalityId, categoryIds: [roads] }],
    });
    const author = await createUser(t.ctx, { surname: 'Смирнова', firstName: 'Ольга', municipalityId });

    // The author publishes the problem and writes the appeal in a browser with JavaScript.
    const page = await e2e.newPage({ cookie: await sessionCookieFor(t.ctx, author), timeoutMs: 20_000 });
    const context = page.context();
    await page.goto(`${baseUrl}/problems/new`);
    await page
      .getByLabel(/Заголовок|Название|Суть проблемы/)
      .first()
      .fill('Разбитая дорога на улице Октябрьской');
    await page
      .getByLabel(/Описание/)
      .first()
      .fill('Ямы глубиной до 20 см по всей улице, весной их заливает водой, автобус объезжает участок по встречной полосе.');
    await page
      .getByLabel(/Тема|Категория/)
      .first()
      .selectOption({ label: 'Дороги' });
    await page
      .getByLabel(/Территория|Муниципалитет/)
      .first()
      .selectOption({ label: 'Оленинский муниципальный округ' });
    await page
      .getByRole('button', { name: /Опубликовать/ })
      .first()
      .click();
    await page.waitForURL(/\/problems\/\d+$/);
    const problemUrl = page.url();
    await expectAccessible(page);

    await page.getByRole('link', { name: /Написать обращение/ }).click();
    await page.getByLabel('Адресат').selectOption({ label: 'Администрация Оленинского муниципального округа' });
    await page.getByLabel('Тема обращения').fill('О ремонте улицы Октябрьской в пгт Оленино');
    await page
      .getByLabel('Текст обращения')
      .fill(
        'Просим отремонтировать дорожное покрытие улицы Октябрьской в пгт Оленино.\n\nЯмы глубиной до 20 см, весной их заливает водой; автобус объезжает участок по встречной полосе, что опасно для пассажиров и пешеходов.\n\nПросим сообщить сроки ремонта.',
      );
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForURL(/\/appeals\/\d+$/);
    const appealUrl = page.url();
    const appealId = Number(appealUrl.split('/').pop());
    await page.getByRole('button', { name: 'Открыть сбор подписей' }).click();
    await page.waitForURL(appealUrl);
    await expect.poll(() => page.getByText(/SHA-256/).count()).toBeGreaterThan(0);
    await expectAccessible(page);

    // 49 people sign through the API.
    const signers = await Promise.all(
      Array.from({ length: 49 }, (_, i) => createUser(t.ctx, { surname: surnameFor(i), firstName: 'Иван', patronymic: 'Петрович' })),
    );
    const responses = await Promise.all(
      signers.map(async (signer, i) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/appeals/${appealId}/signatures`,
          headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, signer)}` },
          payload: {
            fullName: `${signer.surname} Иван Петрович`,
            postalAddress: `172400, пгт Оленино, ул. Мира, д. ${i + 1}`,
            consentTransfer: true,
            consentPublicName: i % 2 === 0,
          },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(49).fill(201));
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByText('49 подписей').count();
      })
      .toBeGreaterThan(0);

    // The 50th signs in a browser without JavaScript.
    const last = await createUser(t.ctx, {
      surname: 'Последний',
      firstName: 'Павел',
      patronymic: 'Павлович',
      postalAddress: '172400, пгт Оленино, ул. Лесная, д. 9',
    });
    const signerPage = await e2e.newPage({
      javaScript: false,
      cookie: await sessionCookieFor(t.ctx, last),
      viewport: { width: 1280, height: 720 },
      timeoutMs: 20_000,
    });
    const noScript = signerPage.context();
    await signerPage.goto(appealUrl);
    await expectAccessible(signerPage);
    expect(await signerPage.getByLabel('Фамилия, имя, отчество', { exact: true }).inputValue()).toBe('Последний Павел Павлович');
    expect(await signerPage.getByLabel('Почтовый адрес', { exact: true }).inputValue()).toBe('172400, пгт Оленино, ул. Лесная, д. 9');
    await signerPage.getByLabel(/Даю согласие передать/).check();
    await signerPage.getByRole('button', { name: 'Подписать' }).click();
    await signerPage.waitForURL(/#signature$/);
    await expect.poll(() => signerPage.getByRole('status').first().textContent()).toContain('Ваша подпись учтена');
    await screenshot(signerPage, 'appeal-signed-nojs');

    // The platform dispatches: the letter with the PDF reaches the SMTP server.
    const raw = await waitFor(() => inbox.find((m) => m.toString('utf8').includes('priemnaya@olenino.example')), 60_000, {
      intervalMs: 250,
      what: 'the letter to the addressee',
    });
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(`Коллективное обращение № ${appealId}: О ремонте улицы Октябрьской в пгт Оленино`);
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf).toBeDefined();
    const extracted = await extractText(await getDocumentProxy(new Uint8Array(pdf?.content as Buffer)), { mergePages: true });
    // Table cells and the addressee block wrap lines; compare with single spaces.
    const text = extracted.text.replace(/\s+/g, ' ');
    expect(text).toContain('Администрация Оленинского муниципального округа');
    expect(text).toMatch(/Приложение: список подписавших\s*—\s*50 человек/);
    for (const signer of signers) expect(text).toContain(`${signer.surname} Иван Петрович`);
    expect(text).toContain('Последний Павел Павлович');
    expect(text).toContain('ул. Лесная, д. 9');

    await page.goto(appealUrl);
    await expect.poll(() => page.getByText('Отправлено').count()).toBeGreaterThan(0);
    // Sent: the tracker checks signing and sending; the count stands alone, with no form beside it.
    expect(await page.locator('.stage[aria-current="step"]').textContent()).toContain('Отправлено');
    expect(await page.locator('#sign').count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'appeal-sent-desktop');
    await page.goto(problemUrl);
    await expectAccessible(page);
    await screenshot(page, 'problem-after-dispatch');
    await context.close();
    await noScript.close();
  }, 180_000);

  it('puts the sign form beside the count, shows the stages, the share block and the withdrawal page, on a desktop and a phone, with and without JavaScript', async () => {
    const { t, baseUrl } = e2e;
    const { appeal, author } = await openAppeal(t.ctx, { title: 'О ремонте тротуара на улице Мира', threshold: 50 });
    for (let i = 0; i < 3; i++) await sign(t.ctx, appeal.id);
    const appealUrl = `${baseUrl}/appeals/${appeal.id}`;
    const viewports = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
    const pages: Page[] = [];
    const openPage = async (options: PageOptions) => {
      const page = await e2e.newPage({ timeoutMs: 20_000, ...options });
      pages.push(page);
      return page;
    };
    const signedInPage = async (user: Parameters<typeof sessionCookieFor>[1], options: PageOptions) =>
      openPage({ ...options, cookie: await sessionCookieFor(t.ctx, user) });

    try {
      for (const [device, viewport] of Object.entries(viewports)) {
        for (const javaScript of [true, false]) {
          const variant = `${device}-${javaScript ? 'js' : 'nojs'}`;
          const signer = await createUser(t.ctx, {
            surname: 'Лесная',
            firstName: 'Вера',
            patronymic: 'Павловна',
            postalAddress: '172400, пгт Оленино, ул. Лесная, д. 9',
          });
          const page = await signedInPage(signer, {
            viewport,
            javaScript,
            ...(javaScript ? { permissions: ['clipboard-read', 'clipboard-write'] } : {}),
          });
          await page.goto(appealUrl);
          await expectAccessible(page);
          await screenshot(page, `appeal-sign-${variant}`);
          // The count and the form: side by side on a desktop, the count first and the form under it on a phone.
          const count = await page.locator('.signing-count').boundingBox();
          const form = await page.locator('#sign').boundingBox();
          if (!count || !form) throw new Error('the count or the sign form is missing');
          if (device === 'desktop') {
            expect(form.x).toBeGreaterThanOrEqual(count.x + count.width);
            expect(Math.abs(form.y - count.y)).toBeLessThan(5);
          } else expect(form.y).toBeGreaterThanOrEqual(count.y + count.height);
          expect(await page.getByRole('region', { name: 'Этапы обращения' }).count()).toBe(1);
          expect(await page.locator('.stage[aria-current="step"]').textContent()).toContain('Сбор подписей');

          await page.getByLabel(/Даю согласие передать/).check();
          await page.getByRole('button', { name: 'Подписать' }).click();
          await page.waitForURL(/#signature$/);
          await expect.poll(() => page.getByRole('heading', { name: 'Расскажите об обращении' }).count()).toBe(1);
          expect(await page.getByLabel('Ссылка на обращение').inputValue()).toBe(appealUrl);
          for (const name of ['ВКонтакте', 'Telegram', 'WhatsApp', 'Электронной почтой']) expect(await page.getByRole('link', { name }).count()).toBe(1);
          if (javaScript) {
            await page.getByRole('button', { name: 'Скопировать ссылку' }).click();
            await expect.poll(() => page.getByRole('status').filter({ hasText: 'Ссылка скопирована.' }).count()).toBe(1);
            expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(appealUrl);
          } else {
            // Without JavaScript the button would do nothing, so there is none; the link is there to select.
            expect(await page.getByRole('button', { name: 'Скопировать ссылку' }).count()).toBe(0);
          }
          await expectAccessible(page);
          await screenshot(page, `appeal-signed-${variant}`);
        }
      }

      // A visitor: the way to sign (log in) sits beside the count too.
      for (const [device, viewport] of Object.entries(viewports)) {
        const page = await openPage({ viewport });
        await page.goto(appealUrl);
        const login = page.getByRole('link', { name: 'Войдите, чтобы подписать обращение' });
        expect(await login.getAttribute('href')).toBe(`/login?return=${encodeURIComponent(`/appeals/${appeal.id}#sign`)}`);
        await expectAccessible(page);
        await screenshot(page, `appeal-visitor-${device}`);
      }

      // The author: a section of their own, the withdrawal apart at its end and behind its confirmation page.
      for (const [device, viewport] of Object.entries(viewports)) {
        const page = await signedInPage(author, { viewport });
        await page.goto(appealUrl);
        await expectAccessible(page);
        await screenshot(page, `appeal-author-${device}`);
        const section = page.getByRole('region', { name: 'Для автора обращения' });
        await section.getByRole('link', { name: 'Отозвать обращение' }).click();
        await page.waitForURL(`${appealUrl}/withdraw`);
        expect(await page.getByText('Уведомление об отзыве получат 7 человек, подписавшие обращение').count()).toBe(1);
        expect(await page.getByRole('button', { name: 'Да, отозвать обращение' }).count()).toBe(1);
        await expectAccessible(page);
        await screenshot(page, `appeal-withdraw-${device}`);
      }

      // Problem cards in a listing carry the state of their latest appeal.
      const listing = await signedInPage(author, { viewport: viewports.phone });
      await listing.goto(`${baseUrl}/problems`);
      await expect.poll(() => listing.locator('.problem-card .tag-appeal-collecting').count()).toBeGreaterThan(0);
      await expectAccessible(listing);
      await screenshot(listing, 'problems-list-phone');
    } finally {
      for (const page of pages) await page.context().close();
    }
  }, 240_000);
});
