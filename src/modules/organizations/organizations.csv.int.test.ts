/**
 * The organizations directory as CSV: the export imports back unchanged (every row updated, nothing new); a file
 * with broken rows — unknown territory, unknown parent, a slug twice, a bad kind, a threshold in words — writes
 * nothing and lists every mistake by line and column; a good file creates organizations with parents from
 * earlier rows and jurisdictions; the same over the API as text/csv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiTokenFor, createOrganization, createUser, defaultMunicipality, sessionCookieFor } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import type { User } from '../../core/db/schema.ts';
import { importOrganizations, organizationsCsv } from './organizations.csv.ts';

let t: TestApp;
let admin: User;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.ctx, { role: 'admin' });
});
afterAll(() => t?.stop());

const header =
  'slug,name,kind,territory_oktmo,parent_slug,appeal_email,postal_address,website,appeal_threshold,official_email_domains,description,jurisdictions';
const count = async () =>
  Number(
    (
      await t.ctx.db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('organizations as CSV', () => {
  it('exports a file that imports back as it is', async () => {
    const parent = await createOrganization(t.ctx, { name: 'Правительство Тверской области (CSV)', slug: 'csv-tver-government' });
    await createOrganization(t.ctx, { name: 'Министерство транспорта (CSV)', slug: 'csv-tver-transport', parentId: parent.id });
    const before = await count();
    const csv = (await organizationsCsv(t.ctx)).toString('utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain('"csv-tver-transport","Министерство транспорта (CSV)"');
    const result = await importOrganizations(t.ctx, admin.id, csv);
    expect(result).toEqual({ created: 0, updated: before, problems: [] });
    expect(await count()).toBe(before);
  });

  it('refuses a file with broken rows whole, naming each line and column, and then takes the corrected file', async () => {
    const before = await count();
    const broken = [
      header,
      'csv-new-okrug,Администрация округа (CSV),municipal_administration,28701000,,okrug@example.test,,,50,,,28701000:roads|housing',
      'csv-new-school,Школа № 1 (CSV),school,28701000,csv-nobody,,,,50,,,',
      'csv-new-okrug,Дубль строки,municipal_administration,28701000,,,,,50,,,',
      'csv-new-unit,Отдел (CSV),nonsense_kind,99999999,,,,,пятьдесят,,,28701000:no-such-topic',
    ].join('\n');
    const refused = await importOrganizations(t.ctx, admin.id, broken);
    expect(refused.created).toBe(0);
    expect(refused.problems.map((p) => `${p.line}:${p.field}:${p.rule}`)).toEqual(
      expect.arrayContaining([
        '3:parent_slug:unknownOrganization',
        '4:slug:csvDuplicate',
        '5:territory_oktmo:unknownTerritory',
        '5:jurisdictions:unknownCategory',
        '5:appeal_threshold:csvInteger',
      ]),
    );
    // Nothing of it was written, not even the good first line.
    expect(await count()).toBe(before);
    expect(await t.ctx.db.selectFrom('organizations').select('id').where('slug', '=', 'csv-new-okrug').execute()).toEqual([]);

    // The page shows the same list; the corrected file goes through, the child finding its parent from the line above.
    const page = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const boundary = 'csv-boundary';
    const multipart = async (text: string) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${await csrf()}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="o.csv"\r\nContent-Type: text/csv\r\n\r\n${text}\r\n--${boundary}--\r\n`,
      );
    const cookie = () => [...page.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    async function csrf() {
      const form = await page.get('/admin/organizations/import');
      return /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    }
    const upload = async (text: string) => {
      const payload = await multipart(text);
      return t.app.inject({
        method: 'POST',
        url: '/admin/organizations/import',
        headers: { cookie: cookie(), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
    };
    const shown = await upload(broken);
    expect(shown.statusCode).toBe(422);
    expect(shown.body).toContain('Ничего не изменено');
    expect(shown.body).toContain('Этот адрес страницы уже встречался в файле, в строке 2.');
    const corrected = [
      header,
      'csv-new-okrug,Администрация округа (CSV),municipal_administration,28701000,,okrug@example.test,,,40,,,28701000:roads|housing',
      'csv-new-school,Школа № 1 (CSV),utility,28701000,csv-new-okrug,,,,50,,,',
    ].join('\n');
    const done = await upload(corrected);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Готово: создано 2, обновлено 0.');
    const okrug = await t.ctx.db.selectFrom('organizations').select(['id', 'appeal_threshold']).where('slug', '=', 'csv-new-okrug').executeTakeFirstOrThrow();
    expect(okrug.appeal_threshold).toBe(40);
    const school = await t.ctx.db.selectFrom('organizations').select('parent_id').where('slug', '=', 'csv-new-school').executeTakeFirstOrThrow();
    expect(school.parent_id).toBe(okrug.id);
    const jurisdictions = await t.ctx.db.selectFrom('organization_jurisdictions').select('category_id').where('organization_id', '=', okrug.id).execute();
    expect(jurisdictions).toHaveLength(2);
  });

  it('imports over the API as text/csv, with the refused rows as fields', async () => {
    const token = await apiTokenFor(t.ctx, admin);
    const send = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/admin/organizations/import',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload,
      });
    const refused = await send(`${header}\ncsv-api,,municipal_administration,28701000,,,,,50,,,\n`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'import_failed', fields: [{ field: 'line 2: name', rule: 'required' }] });
    const created = await send(`${header}\ncsv-api,Организация из API (CSV),municipal_administration,28701000,,,,,50,,,\n`);
    expect(created.json()).toEqual({ created: 1, updated: 0 });
  });
});

describe('a file with only some of the columns', () => {
  it('renames an organization and keeps what the file has no column for', async () => {
    const parent = await createOrganization(t.ctx, { name: 'Правительство (частичный CSV)', slug: 'csv-part-parent' });
    const roads = (await t.ctx.db.selectFrom('categories').select('id').where('slug', '=', 'roads').executeTakeFirstOrThrow()).id;
    const organization = await createOrganization(t.ctx, {
      name: 'Дорожное управление (частичный CSV)',
      slug: 'csv-part-roads',
      parentId: parent.id,
      appealThreshold: 7,
      appealEmail: 'dorogi@example.test',
      description: 'Ремонт и содержание дорог',
    });
    await t.ctx.db.updateTable('organization_jurisdictions').set({ category_id: roads }).where('organization_id', '=', organization.id).execute();
    const oktmo = (await t.ctx.db.selectFrom('territories').select('oktmo').where('id', '=', organization.territory_id).executeTakeFirstOrThrow()).oktmo;
    const result = await importOrganizations(
      t.ctx,
      admin.id,
      ['slug,name,kind,territory_oktmo', `csv-part-roads,Управление дорог (частичный CSV),${organization.kind},${oktmo}`].join('\n'),
    );
    expect(result).toEqual({ created: 0, updated: 1, problems: [] });
    const after = await t.ctx.db.selectFrom('organizations').selectAll().where('id', '=', organization.id).executeTakeFirstOrThrow();
    expect(after.name).toBe('Управление дорог (частичный CSV)');
    expect({ parent: after.parent_id, threshold: after.appeal_threshold, email: after.appeal_email, description: after.description }).toEqual({
      parent: parent.id,
      threshold: 7,
      email: 'dorogi@example.test',
      description: 'Ремонт и содержание дорог',
    });
    const jurisdictions = await t.ctx.db
      .selectFrom('organization_jurisdictions')
      .select(['territory_id', 'category_id'])
      .where('organization_id', '=', organization.id)
      .execute();
    expect(jurisdictions).toEqual([{ territory_id: organization.territory_id, category_id: roads }]);
  });
});

describe('a cell the export made inert for spreadsheets', () => {
  it('imports back as it was, without the apostrophe the export put before it', async () => {
    const organization = await createOrganization(t.ctx, {
      name: 'Управление благоустройства (CSV)',
      slug: 'csv-inert-cells',
      description: '- ремонт дворов\n- освещение',
    });
    const csv = (await organizationsCsv(t.ctx)).toString('utf8');
    expect(csv).toContain(`"'- ремонт дворов`);
    const result = await importOrganizations(t.ctx, admin.id, csv);
    expect(result.problems).toEqual([]);
    const after = await t.ctx.db.selectFrom('organizations').select('description').where('id', '=', organization.id).executeTakeFirstOrThrow();
    expect(after.description).toBe('- ремонт дворов\n- освещение');
  });
});

describe('a file with blank lines and a cell over two lines', () => {
  it('names the line of the file a broken row is on', async () => {
    const territory = await defaultMunicipality(t.ctx);
    const { oktmo } = await t.ctx.db.selectFrom('territories').select('oktmo').where('id', '=', territory).executeTakeFirstOrThrow();
    const refused = await importOrganizations(
      t.ctx,
      admin.id,
      [
        header,
        '',
        `csv-lines-one,Администрация (строки),municipal_administration,${oktmo},,,"ул. Советская,\nд. 11",,50,,,`,
        '',
        'csv-lines-two,Школа (строки),school,99999999,,,,,50,,,',
      ].join('\n'),
    );
    expect(refused.problems.map((p) => `${p.line}:${p.field}:${p.rule}`)).toEqual(['6:territory_oktmo:unknownTerritory']);
  });
});
