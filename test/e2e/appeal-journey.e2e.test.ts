/**
 * The heart of Democrator in a real browser: a citizen publishes a problem and writes an appeal,
 * 50 people sign (49 through the API, one in a browser without JavaScript), and the platform
 * e-mails the appeal to a real SMTP server with a PDF that lists all 50 signatories.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/modules/organizations/organizations.service.ts';
import { createTestApp, freePort, type TestApp } from '../support/app.ts';
import { auditWithoutScripts, chromiumAvailable, expectAccessible, launchBrowser, screenshot } from '../support/browser.ts';
import { apiTokenFor, createMunicipality, createUser, sessionCookieFor } from '../support/factories.ts';

let t: TestApp;
let browser: Browser;
let smtp: SMTPServer;
let baseUrl: string;
const inbox: Buffer[] = [];

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
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ BASE_URL: baseUrl, SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, AUTH_RATE_LIMIT: '1000' });
  await t.app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const letters = 'абвгдежзиклмнопрстуфхцчшэюя';
const surnameFor = (i: number) => `Подписантов${letters[Math.floor(i / letters.length)]}${letters[i % letters.length]}`;

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('timed out');
}

describe.skipIf(!chromiumAvailable)('a collective appeal from problem to dispatch', () => {
  it('publishes, collects 50 signatures and e-mails a PDF listing all of them', async () => {
    const municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
    const roads = (await t.ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow()).id;
    await createOrganization(t.ctx, null, {
      name: 'Администрация Оленинского муниципального округа',
      slug: 'olenino',
      kind: 'municipal_administration',
      territoryId: municipalityId,
      parentId: null,
      appealEmail: 'priemnaya@olenino.example',
      postalAddress: '172400, Тверская обл., пгт Оленино, ул. Октябрьская, д. 7',
      website: '',
      appealThreshold: 50,
      description: '',
      jurisdictions: [{ territoryId: municipalityId, categoryIds: [roads] }],
    });
    const author = await createUser(t.ctx, { surname: 'Смирнова', firstName: 'Ольга', municipalityId });

    // The author publishes the problem and writes the appeal in a browser with JavaScript.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const [name = '', value = ''] = (await sessionCookieFor(t.ctx, author)).split('=');
    await context.addCookies([{ name, value, url: baseUrl }]);
    const page = await context.newPage();
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
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    noScript.setDefaultTimeout(20_000);
    const [lastName = '', lastValue = ''] = (await sessionCookieFor(t.ctx, last)).split('=');
    await noScript.addCookies([{ name: lastName, value: lastValue, url: baseUrl }]);
    const signerPage = await noScript.newPage();
    auditWithoutScripts(signerPage, await (await browser.newContext()).newPage());
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
    const raw = await waitFor(() => inbox.find((m) => m.toString('utf8').includes('priemnaya@olenino.example')), 60_000);
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
    await page.goto(problemUrl);
    await expectAccessible(page);
    await screenshot(page, 'problem-after-dispatch');
    await context.close();
    await noScript.close();
  }, 180_000);
});
