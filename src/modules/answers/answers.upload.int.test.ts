/**
 * An answer that came on paper: the author uploads it through the plain form (multipart, no JavaScript) with a
 * photo, whose EXIF and GPS are gone, and a PDF, both shown on the site; a file of another type and a
 * stranger are refused with nothing written; an administrator publishes one on the body's behalf over the API.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createUser, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { type MultipartPart, multipart } from '../../../test/support/fuzz.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.stop());

async function sentAppeal() {
  const fixture = await openAppeal(t.ctx, { threshold: 1, acknowledgeWarnings: true });
  await sign(t.ctx, fixture.appeal.id);
  expect(await dispatchAppeal(t.ctx, fixture.appeal.id)).toBe('sent');
  return fixture;
}

const photoWithGps = () =>
  sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 240, g: 240, b: 230 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'SecretCam', Model: 'X1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '56/1 51/1 2952/100' } })
    .toBuffer();
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');

/** Posts the upload form as a browser would: the page's CSRF token, then a multipart body. */
async function submitForm(cookie: string, appealId: number, parts: MultipartPart[]) {
  const visitor = browser(t.app, cookie);
  const page = await visitor.get(`/appeals/${appealId}/answer/upload`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('enctype="multipart/form-data"');
  const body = multipart([{ name: '_csrf', value: csrfFrom(page.body) }, ...parts]);
  const cookies = [...visitor.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return t.app.inject({
    method: 'POST',
    url: `/appeals/${appealId}/answer/upload`,
    headers: { cookie: cookies, 'content-type': body.contentType },
    payload: body.payload,
  });
}

const lettersOf = (appealId: number) => t.ctx.db.selectFrom('appeal_letters').select('id').where('appeal_id', '=', appealId).execute();

describe('an answer on paper', () => {
  it('is uploaded by the author with its scans: published, marked, in review, the photo stripped of its EXIF', async () => {
    const { appeal, author } = await sentAppeal();
    const cookie = await sessionCookieFor(t.ctx, author);
    const original = await photoWithGps();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const appealPage = await browser(t.app, cookie).get(`/appeals/${appeal.id}`);
    expect(appealPage.body).toContain(`href="/appeals/${appeal.id}/answer/upload"`);

    const response = await submitForm(cookie, appeal.id, [
      { name: 'text', value: 'Ремонт двора включён в план работ на июнь.' },
      { name: 'outgoingNumber', value: '01-12/345' },
      { name: 'outgoingDate', value: '05.03.2026' },
      { name: 'files', value: original, filename: 'IMG_0001.jpg', contentType: 'image/jpeg' },
      { name: 'files', value: pdf, filename: 'otvet.pdf', contentType: 'application/pdf' },
    ]);
    expect([response.statusCode, response.headers.location]).toEqual([303, `/appeals/${appeal.id}#letters`]);
    const row = await getAppealRow(t.ctx, appeal.id);
    expect(row.status).toBe('review');
    expect(row.review_closes_at).not.toBeNull();

    const publicPage = await browser(t.app).get(`/appeals/${appeal.id}`);
    expect(publicPage.body).toContain('Ремонт двора включён в план работ на июнь.');
    expect(publicPage.body).toContain('загружен автором');
    expect(publicPage.body).toContain('Исходящий № 01-12/345');
    const [letter] = await lettersOf(appeal.id);
    const scanUrl = `/appeals/${appeal.id}/letters/${letter?.id}/attachments`;
    expect(publicPage.body).toContain(`<img class="letter-scan" src="${scanUrl}/0"`);

    const photo = await t.app.inject({ method: 'GET', url: `${scanUrl}/0` });
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(photo.headers['content-disposition']).toMatch(/^inline/);
    expect(photo.headers['x-content-type-options']).toBe('nosniff');
    const metadata = await sharp(photo.rawPayload).metadata();
    expect([metadata.format, metadata.exif]).toEqual(['jpeg', undefined]);
    expect(photo.rawPayload.includes(Buffer.from('SecretCam'))).toBe(false);
    const scan = await t.app.inject({ method: 'GET', url: `${scanUrl}/1` });
    expect([scan.headers['content-type'], scan.rawPayload.equals(pdf)]).toEqual(['application/pdf', true]);
  });

  it('refuses a file of another type and a stranger, writing nothing', async () => {
    const { appeal, author } = await sentAppeal();
    const refused = await submitForm(await sessionCookieFor(t.ctx, author), appeal.id, [
      { name: 'text', value: 'Ответ со сканом в формате GIF' },
      { name: 'files', value: pdf, filename: 'otvet.pdf', contentType: 'application/pdf' },
      { name: 'files', value: gif, filename: 'scan.jpg', contentType: 'image/jpeg' },
    ]);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Файл 2: подходят только PDF, JPEG или PNG.');
    expect(refused.body).toContain('Ответ со сканом в формате GIF');

    const api = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/answer`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, author)}`, 'content-type': 'application/json' },
      payload: { text: '' },
    });
    expect(api.statusCode).toBe(422);

    const stranger = await verifiedCitizen(t.ctx);
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, stranger));
    expect((await visitor.get(`/appeals/${appeal.id}/answer/upload`)).status).toBe(403);
    const strangerApi = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appeal.id}/answer`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, stranger)}`, 'content-type': 'application/json' },
      payload: { text: 'Чужой ответ' },
    });
    expect([strangerApi.statusCode, strangerApi.json().error.code]).toEqual([403, 'not_author']);

    expect(await lettersOf(appeal.id)).toEqual([]);
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('sent');
  });

  it('is published by an administrator on the body’s behalf over the API, once', async () => {
    const { appeal, author } = await sentAppeal();
    const admin = await createUser(t.ctx, { role: 'admin', verified: true });
    const token = await apiTokenFor(t.ctx, admin);
    const publish = async (bearer: string, url: string, parts: MultipartPart[]) => {
      const body = multipart(parts);
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': body.contentType },
        payload: body.payload,
      });
      return { status: response.statusCode, json: response.json() };
    };
    const wrongType = await publish(token, `/api/v1/admin/appeals/${appeal.id}/answer`, [
      { name: 'text', value: 'Ответ' },
      { name: 'files', value: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), filename: 'a.png', contentType: 'image/png' },
    ]);
    expect([wrongType.status, wrongType.json.error.code]).toEqual([422, 'upload_wrong_type']);

    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 1, g: 2, b: 3 } } })
      .png()
      .toBuffer();
    const published = await publish(token, `/api/v1/admin/appeals/${appeal.id}/answer`, [
      { name: 'text', value: 'Ответ организации, переданный на бумаге.' },
      { name: 'files', value: png, filename: 'scan.png', contentType: 'image/png' },
    ]);
    expect(published.status).toBe(201);
    expect(published.json).toMatchObject({ source: 'admin', decision: 'answer', attachments: [{ position: 0, contentType: 'image/png' }] });
    expect((await getAppealRow(t.ctx, appeal.id)).status).toBe('review');
    expect((await browser(t.app).get(`/appeals/${appeal.id}`)).body).toContain('опубликован администратором от имени организации');

    const again = await publish(await apiTokenFor(t.ctx, author), `/api/v1/appeals/${appeal.id}/answer`, [{ name: 'text', value: 'Второй ответ' }]);
    expect([again.status, again.json.error.code]).toEqual([409, 'appeal_already_answered']);
    expect(await lettersOf(appeal.id)).toHaveLength(1);
  });
});
