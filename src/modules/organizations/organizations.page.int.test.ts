/**
 * The organization page keeps its public parts between readers (its details, the problems' cards, the rating):
 * what this process changes shows at once, what another process changes within the kept parts' renewal, and
 * nothing of one viewer's own (the admin's edit button, a member's cabinet link, the header's name) reaches another.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  createOrganization,
  createUser,
  defaultMunicipality,
  openAppeal,
  sessionCookieFor,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import { keptReadMs } from '../../core/db/kept-reads.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { takeControl } from '../cabinet/cabinet.control.ts';
import { hideProblem } from '../problems/problems.moderation.ts';
import { updateProblem } from '../problems/problems.service.ts';
import { updateOrganization } from './organizations.service.ts';

let t: TestApp;
let admin: User;
let territory: number;

beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t.ctx, { role: 'admin' });
  territory = await defaultMunicipality(t.ctx);
});
afterAll(() => t?.stop());

const anonymous = () => browser(t.app);
const page = async (slug: string, cookie?: string) => {
  const response = await browser(t.app, cookie).get(`/organizations/${slug}`);
  expect(response.status).toBe(200);
  return response.body;
};

/** A write this process does not see, as another app node's would be: straight to the database, under the app's driver. */
async function writeElsewhere(statement: string): Promise<void> {
  const target = t.database.target;
  if (target.kind === 'postgres') {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  } else {
    const pglite = t.database.pglite;
    if (!pglite) throw new Error('a PGlite database without its instance');
    await pglite.lock.run(() => pglite.instance.query(statement));
  }
}

async function renamed(organization: Organization, name: string): Promise<void> {
  await updateOrganization(t.ctx, admin.id, organization.slug, {
    name,
    slug: organization.slug,
    kind: organization.kind,
    territoryId: organization.territory_id,
    parentId: organization.parent_id,
    appealEmail: organization.appeal_email ?? '',
    postalAddress: organization.postal_address ?? '',
    website: organization.website ?? '',
    appealThreshold: organization.appeal_threshold,
    description: organization.description ?? '',
    officialEmailDomains: organization.official_email_domains.join(', '),
    jurisdictions: [],
  });
}

describe('a change made by this process', () => {
  it('shows on the organization page at once: its name, a new child, a problem addressed to it, its edits, a control and a hide', async () => {
    const body = await createOrganization(t.ctx, { name: 'Администрация Кешируемого округа', kind: 'municipal_administration', territoryId: territory });
    const overseer = await createOrganization(t.ctx, { name: 'Контрольное управление', kind: 'regional_body', territoryId: territory });
    expect(await page(body.slug)).toContain('<h1>Администрация Кешируемого округа</h1>');

    await renamed(body, 'Администрация Обновлённого округа');
    expect(await page(body.slug)).toContain('<h1>Администрация Обновлённого округа</h1>');

    const child = await createOrganization(t.ctx, { name: 'Подведомственное МУП', kind: 'utility', territoryId: territory, parentId: body.id });
    expect(await page(body.slug)).toContain(`<a href="/organizations/${child.slug}">Подведомственное МУП</a>`);

    expect(await page(body.slug)).not.toContain('Провал асфальта на Кешевой');
    const { problem, author } = await openAppeal(t.ctx, { organization: body, title: 'О провале асфальта' });
    await updateProblem(t.ctx, actorOf(author), problem.id, {
      title: 'Провал асфальта на Кешевой улице',
      description: 'Провал асфальта на Кешевой улице, глубиной до полуметра.',
      categoryId: problem.category_id,
      territoryId: problem.territory_id,
      address: '',
      latitude: null,
      longitude: null,
    });
    expect(await page(body.slug)).toContain('Провал асфальта на Кешевой улице');

    const official = await verifiedCitizen(t.ctx);
    await addMember(t.ctx, overseer, official);
    await takeControl(t.ctx, actorOf(official, { memberships: new Map([[overseer.id, 'clerk']]) }), overseer, problem.id);
    expect(await page(body.slug)).toMatch(/<span class="badge badge-control">[^<]*<\/span> Контрольное управление/);
    await renamed(overseer, 'Контрольный комитет');
    expect(await page(body.slug)).toMatch(/<span class="badge badge-control">[^<]*<\/span> Контрольный комитет/);

    await hideProblem(t.ctx.db, problem.id, 'test');
    expect(await page(body.slug)).not.toContain('Провал асфальта на Кешевой улице');
  });

  it('shows in English for an English reader after a Russian one', async () => {
    const body = await createOrganization(t.ctx, { name: 'Двуязычная администрация', kind: 'municipal_administration', territoryId: territory });
    expect(await page(body.slug)).toContain('Проблем с обращениями к этой организации пока нет.');
    const english = await browser(t.app, 'locale=en').get(`/organizations/${body.slug}`);
    expect(english.body).toContain('No problems with appeals to this organization yet.');
    expect(english.body).not.toContain('Проблем с обращениями');
    expect(english.body).toContain('municipal administration');
  });
});

describe('a change made by another process', () => {
  it('is not seen while the page is kept, and shows once it is renewed', async () => {
    const body = await createOrganization(t.ctx, { name: 'Администрация другого узла', kind: 'municipal_administration', territoryId: territory });
    expect(await page(body.slug)).toContain('<h1>Администрация другого узла</h1>');
    await writeElsewhere(`update organizations set name = 'Администрация, переименованная на другом узле' where id = ${body.id}`);
    // The page's details are kept: the process did not see that write.
    expect(await page(body.slug)).toContain('<h1>Администрация другого узла</h1>');
    await new Promise((resolve) => setTimeout(resolve, keptReadMs + 50));
    // The first reader past that age renews it (and is served the kept one meanwhile); then it shows.
    await expect.poll(async () => page(body.slug), { timeout: 3000, interval: 50 }).toContain('<h1>Администрация, переименованная на другом узле</h1>');
  });
});

describe('what differs between viewers', () => {
  it('is never served from one viewer to another: the edit button, the cabinet link, the join link, the header', async () => {
    const body = await createOrganization(t.ctx, { name: 'Администрация разных читателей', kind: 'municipal_administration', territoryId: territory });
    const member = await verifiedCitizen(t.ctx, { firstName: 'Марина', surname: 'Служащая' });
    await addMember(t.ctx, body, member);
    const citizen = await verifiedCitizen(t.ctx, { firstName: 'Игорь', surname: 'Посторонний' });
    const adminCookie = await sessionCookieFor(t.ctx, admin);
    const memberCookie = await sessionCookieFor(t.ctx, member);
    const citizenCookie = await sessionCookieFor(t.ctx, citizen);
    const edit = `href="/admin/organizations/${body.slug}/edit"`;
    const cabinet = `href="/cabinet/${body.slug}"`;
    const join = `href="/organizations/${body.slug}/join"`;

    // Each viewer right after another, twice over, so that any part kept for one would reach the next.
    for (let round = 0; round < 2; round++) {
      const asAdmin = await page(body.slug, adminCookie);
      expect(asAdmin).toContain(edit);
      const asMember = await page(body.slug, memberCookie);
      expect(asMember).toContain(cabinet);
      expect(asMember).not.toContain(join);
      expect(asMember).not.toContain(edit);
      expect(asMember).toContain('Марина');
      const asCitizen = await page(body.slug, citizenCookie);
      expect(asCitizen).toContain(join);
      expect(asCitizen).not.toContain(cabinet);
      expect(asCitizen).not.toContain(edit);
      expect(asCitizen).not.toContain('Марина');
      expect(asCitizen).toContain('Игорь');
      const asAnonymous = (await anonymous().get(`/organizations/${body.slug}`)).body;
      expect(asAnonymous).toContain(join);
      expect(asAnonymous).not.toContain(cabinet);
      expect(asAnonymous).not.toContain(edit);
      expect(asAnonymous).not.toContain('Игорь');
      expect(asAnonymous).not.toContain('Марина');
    }
  });

  it('answers an unknown slug with 404 each time, and a slug created since with its page', async () => {
    expect((await anonymous().get('/organizations/not-yet-there')).status).toBe(404);
    const body = await createOrganization(t.ctx, {
      name: 'Поздно созданная администрация',
      slug: 'not-yet-there',
      kind: 'municipal_administration',
      territoryId: territory,
    });
    expect(await page(body.slug)).toContain('<h1>Поздно созданная администрация</h1>');
  });
});
