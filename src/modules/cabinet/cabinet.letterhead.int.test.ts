/**
 * The organization's letterhead (issue 12): the head writes its lines, signature block and logo on the cabinet's page
 * without JavaScript or over the API; the logo is stored re-encoded, resized and without its metadata; a clerk reads
 * it and cannot change it; a bad upload is refused with a translated message and nothing is written.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { addMember, apiTokenFor, createOrganization, sessionCookieFor, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, User } from '../../core/db/schema.ts';

let t: TestApp;
let organization: Organization;
let head: User;
let clerk: User;

beforeAll(async () => {
  t = await createTestApp();
  organization = await createOrganization(t.ctx, { name: 'Администрация Бланкового района', slug: 'letterhead-district' });
  head = await verifiedCitizen(t.ctx, { surname: 'Бланкова', firstName: 'Берта' });
  clerk = await verifiedCitizen(t.ctx, { surname: 'Писарев', firstName: 'Пётр' });
  await addMember(t.ctx, organization, head, 'head', 'глава');
  await addMember(t.ctx, organization, clerk, 'clerk');
});
afterAll(() => t?.stop());

const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const as = async (user: User) => browser(t.app, await sessionCookieFor(t.ctx, user));

function cookieOf(me: Awaited<ReturnType<typeof as>>): string {
  return [...me.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A multipart body as a browser without JavaScript sends the letterhead form. */
function multipart(fields: Record<string, string>, file?: { name: string; filename: string; type: string; bytes: Buffer }) {
  const boundary = '----letterhead-form';
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
  );
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`),
    );
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function postForm(user: User, fields: Record<string, string>, file?: Parameters<typeof multipart>[1]) {
  const me = await as(user);
  const page = await me.get(`/cabinet/${organization.slug}/letterhead`);
  const body = multipart({ _csrf: csrfFrom(page.body), ...fields }, file);
  return t.app.inject({
    method: 'POST',
    url: `/cabinet/${organization.slug}/letterhead`,
    headers: { cookie: cookieOf(me), 'content-type': body.contentType },
    payload: body.payload,
  });
}

const stored = () => t.ctx.db.selectFrom('organization_letterheads').selectAll().where('organization_id', '=', organization.id).executeTakeFirst();

const headerLines = ['Администрация Бланкового района Тверской области', '170100, г. Тверь, ул. Советская, д. 1', 'Тел. (4822) 00-00-00, adm@blank.example'];

describe('the letterhead', () => {
  it('is the organization’s name alone until the head writes one, and a clerk reads it without a form', async () => {
    const page = await (await as(clerk)).get(`/cabinet/${organization.slug}/letterhead`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Бланк организации');
    expect(textOf(page.body)).toContain('Администрация Бланкового района');
    expect(textOf(page.body)).toContain('Изменить бланк может руководитель организации.');
    expect(page.body).not.toContain(`action="/cabinet/${organization.slug}/letterhead"`);
  });

  it('is written by the head without JavaScript, with a logo stored re-encoded, smaller and without its metadata', async () => {
    const logo = await sharp({ create: { width: 1600, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Copyright: 'Secret photographer', Artist: 'GPS-camera-serial-123' } } })
      .toBuffer();
    expect(logo.includes(Buffer.from('GPS-camera-serial-123'))).toBe(true);
    const saved = await postForm(
      head,
      { headerLines: headerLines.join('\r\n'), signaturePosition: 'Глава администрации', signatureName: 'Б. Б. Бланкова' },
      { name: 'logo', filename: 'герб.jpg', type: 'image/jpeg', bytes: logo },
    );
    expect(saved.statusCode).toBe(303);
    const row = await stored();
    expect(row).toMatchObject({
      header_lines: headerLines,
      signature_position: 'Глава администрации',
      signature_name: 'Б. Б. Бланкова',
      logo_content_type: 'image/jpeg',
    });
    expect([row?.logo_width, row?.logo_height]).toEqual([600, 300]);
    expect(row?.logo?.includes(Buffer.from('GPS-camera-serial-123'))).toBe(false);
    expect((await sharp(row?.logo ?? Buffer.alloc(0)).metadata()).exif).toBeUndefined();

    const page = await (await as(clerk)).get(`/cabinet/${organization.slug}/letterhead`);
    for (const line of headerLines) expect(textOf(page.body)).toContain(line);
    expect(textOf(page.body)).toContain('Глава администрации — Б. Б. Бланкова');
    const image = await (await as(clerk)).get(`/cabinet/${organization.slug}/letterhead/logo`);
    expect([image.status, image.headers['content-type']]).toEqual([200, 'image/jpeg']);
    const audited = await t.ctx.db.selectFrom('audit_log').select('actor_id').where('action', '=', 'cabinet.letterhead.update').execute();
    expect(audited).toEqual([{ actor_id: head.id }]);
  });

  it('refuses a clerk’s change on the page and over the API, and changes nothing', async () => {
    const before = await stored();
    const page = await postForm(clerk, { headerLines: 'Подменённая шапка', signaturePosition: '', signatureName: '' });
    expect(page.statusCode).toBe(403);
    const token = await apiTokenFor(t.ctx, clerk, 'clerk-letterhead');
    const api = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cabinet/${organization.slug}/letterhead`,
      headers: { authorization: `Bearer ${token}` },
      payload: { headerLines: ['Подменённая шапка'], signature: { position: '', name: '' } },
    });
    expect([api.statusCode, api.json().error.code]).toEqual([403, 'not_head']);
    expect(await stored()).toEqual(before);
  });

  it('refuses a file that is not a PNG or JPEG, a damaged one and one too large, with a translated message, and writes nothing', async () => {
    const before = await stored();
    const fields = { headerLines: 'Новая шапка, которая не должна сохраниться', signaturePosition: 'Глава', signatureName: 'Новое Имя' };
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const asSvg = await postForm(head, fields, { name: 'logo', filename: 'logo.png', type: 'image/png', bytes: svg });
    expect(asSvg.statusCode).toBe(422);
    expect(textOf(asSvg.body)).toContain('Логотип должен быть изображением PNG или JPEG.');
    // The form keeps what was typed.
    expect(textOf(asSvg.body)).toContain('Новая шапка, которая не должна сохраниться');
    const webp = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .webp()
      .toBuffer();
    expect(textOf((await postForm(head, fields, { name: 'logo', filename: 'logo.webp', type: 'image/webp', bytes: webp })).body)).toContain(
      'Логотип должен быть изображением PNG или JPEG.',
    );
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const damaged = await postForm(head, fields, { name: 'logo', filename: 'logo.png', type: 'image/png', bytes: png.subarray(0, 40) });
    expect([damaged.statusCode, textOf(damaged.body).includes('Файл логотипа повреждён или не читается')]).toEqual([422, true]);
    const large = Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024)]);
    const tooLarge = await postForm(head, fields, { name: 'logo', filename: 'logo.png', type: 'image/png', bytes: large });
    expect([tooLarge.statusCode, textOf(tooLarge.body).includes('Логотип больше 2 МБ')]).toEqual([422, true]);
    expect(await stored()).toEqual(before);
  });

  it('checks the lines: at least one, at most six of 200 characters, and a signature block whole or empty', async () => {
    const before = await stored();
    const tooMany = await postForm(head, {
      headerLines: Array.from({ length: 7 }, (_, i) => `Строка ${i + 1}`).join('\n'),
      signaturePosition: '',
      signatureName: '',
    });
    expect([tooMany.statusCode, textOf(tooMany.body).includes('Не больше 6 строк в шапке.')]).toEqual([422, true]);
    const halfSigned = await postForm(head, { headerLines: 'Шапка', signaturePosition: 'Глава администрации', signatureName: '' });
    expect(halfSigned.statusCode).toBe(422);
    const token = await apiTokenFor(t.ctx, head, 'head-letterhead');
    const long = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cabinet/${organization.slug}/letterhead`,
      headers: { authorization: `Bearer ${token}` },
      payload: { headerLines: ['я'.repeat(201)], signature: { position: '', name: '' } },
    });
    expect([long.statusCode, long.json().error.code]).toEqual([422, 'validation_failed']);
    expect(await stored()).toEqual(before);
  });

  it('is read and changed over the API by the head, the logo kept, put and removed on its own route', async () => {
    const token = await apiTokenFor(t.ctx, head, 'head-letterhead-api');
    const headers = { authorization: `Bearer ${token}` };
    const changed = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cabinet/${organization.slug}/letterhead`,
      headers,
      payload: { headerLines: ['Администрация Бланкового района', 'г. Тверь'], signature: { position: 'Заместитель главы', name: 'П. П. Петров' } },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      headerLines: ['Администрация Бланкового района', 'г. Тверь'],
      signature: { position: 'Заместитель главы', name: 'П. П. Петров' },
      logo: { contentType: 'image/jpeg', width: 600, height: 300 },
    });
    const png = await sharp({ create: { width: 120, height: 120, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const body = multipart({}, { name: 'logo', filename: 'logo.png', type: 'image/png', bytes: png });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cabinet/${organization.slug}/letterhead/logo`,
      headers: { ...headers, 'content-type': body.contentType },
      payload: body.payload,
    });
    expect([put.statusCode, put.json().logo]).toEqual([
      200,
      { url: `/cabinet/${organization.slug}/letterhead/logo`, contentType: 'image/png', width: 120, height: 120 },
    ]);
    const removed = await t.app.inject({ method: 'DELETE', url: `/api/v1/cabinet/${organization.slug}/letterhead/logo`, headers });
    expect([removed.statusCode, removed.json().logo, removed.json().headerLines]).toEqual([200, null, ['Администрация Бланкового района', 'г. Тверь']]);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/cabinet/${organization.slug}/letterhead`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, clerk, 'clerk-read')}` },
    });
    expect(read.json()).toMatchObject({ signature: { position: 'Заместитель главы', name: 'П. П. Петров' }, logo: null });
  });
});
