/**
 * Demo content for a fresh installation: the municipalities of two regions (through the same
 * importer an admin uses), organizations with their hierarchy and jurisdictions, and a few users.
 * Loaded into an empty database only (SEED_DEMO=auto), never over real data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../core/context.ts';
import type { OrganizationKind } from '../../core/db/schema.ts';
import { hashPassword } from '../accounts/accounts.service.ts';
import { createOrganization } from '../organizations/organizations.service.ts';
import { dataDir, importMunicipalities } from '../territories/territories.service.ts';

/** Known to anyone who reads the README: demo accounts are for trying the site locally. */
export const demoPassword = 'demo-Democrator-2026';

export const demoUsers = [
  { email: 'admin@democrator.local', surname: 'Администраторова', first: 'Анна', patronymic: 'Сергеевна', role: 'admin' as const },
  { email: 'moderator@democrator.local', surname: 'Модестов', first: 'Михаил', patronymic: 'Ильич', role: 'moderator' as const },
  { email: 'ivan@democrator.local', surname: 'Петров', first: 'Иван', patronymic: 'Андреевич', role: 'citizen' as const },
  { email: 'olga@democrator.local', surname: 'Смирнова', first: 'Ольга', patronymic: 'Викторовна', role: 'citizen' as const },
];

interface DemoOrganization {
  key: string;
  name: string;
  kind: OrganizationKind;
  territory: string;
  parent?: string;
  email?: string;
  address?: string;
  website?: string;
  threshold?: number;
  /** Territories (OKTMO) under its jurisdiction, with category slugs (none: all). */
  jurisdictions: { oktmo: string; categories?: string[] }[];
}

const organizations: DemoOrganization[] = [
  {
    key: 'tver-government',
    name: 'Правительство Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    address: '170100, г. Тверь, Советская ул., д. 44',
    website: 'https://tverreg.ru',
    email: 'priemnaya@tver.demo',
    threshold: 100,
    jurisdictions: [{ oktmo: '28000000' }],
  },
  {
    key: 'tver-roads',
    name: 'Министерство транспорта Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    parent: 'tver-government',
    email: 'mintrans@tver.demo',
    address: '170100, г. Тверь, ул. Новоторжская, д. 24',
    jurisdictions: [{ oktmo: '28000000', categories: ['roads', 'transport'] }],
  },
  {
    key: 'tver-housing',
    name: 'Министерство энергетики и ЖКХ Тверской области',
    kind: 'regional_body',
    territory: '28000000',
    parent: 'tver-government',
    email: 'mingkh@tver.demo',
    jurisdictions: [{ oktmo: '28000000', categories: ['housing'] }],
  },
  {
    key: 'tver-assembly',
    name: 'Законодательное Собрание Тверской области',
    kind: 'legislative_body',
    territory: '28000000',
    email: 'zsto@tver.demo',
    jurisdictions: [],
  },
  {
    key: 'tver-city',
    name: 'Администрация города Твери',
    kind: 'municipal_administration',
    territory: '28701000',
    parent: 'tver-government',
    email: 'adm@tver-city.demo',
    address: '170100, г. Тверь, ул. Советская, д. 11',
    jurisdictions: [{ oktmo: '28701000' }],
  },
  {
    key: 'olenino',
    name: 'Администрация Оленинского муниципального округа',
    kind: 'municipal_administration',
    territory: '28544000',
    parent: 'tver-government',
    email: 'olenino@tver.demo',
    address: '172400, Тверская обл., пгт Оленино, ул. Октябрьская, д. 7',
    threshold: 50,
    jurisdictions: [{ oktmo: '28544000' }],
  },
  {
    key: 'tver-water',
    name: 'ООО «Тверь Водоканал»',
    kind: 'utility',
    territory: '28701000',
    email: 'info@tvervoda.demo',
    jurisdictions: [{ oktmo: '28701000', categories: ['housing'] }],
  },
  {
    key: 'yaroslavl-government',
    name: 'Правительство Ярославской области',
    kind: 'regional_body',
    territory: '78000000',
    email: 'priemnaya@yar.demo',
    threshold: 100,
    jurisdictions: [{ oktmo: '78000000' }],
  },
  {
    key: 'yaroslavl-city',
    name: 'Мэрия города Ярославля',
    kind: 'municipal_administration',
    territory: '78701000',
    parent: 'yaroslavl-government',
    email: 'mayor@yar-city.demo',
    jurisdictions: [{ oktmo: '78701000' }],
  },
  {
    key: 'ecology-ngo',
    name: 'Общественная экологическая инициатива «Чистая Волга»',
    kind: 'ngo',
    territory: '78000000',
    email: 'volga@ngo.demo',
    jurisdictions: [
      { oktmo: '78000000', categories: ['ecology'] },
      { oktmo: '28000000', categories: ['ecology'] },
    ],
  },
];

export async function isDatabaseEmpty(ctx: AppContext): Promise<boolean> {
  const users = await ctx.db.selectFrom('users').select('id').limit(1).execute();
  const organizationsFound = await ctx.db.selectFrom('organizations').select('id').limit(1).execute();
  return users.length === 0 && organizationsFound.length === 0;
}

export async function seedDemo(ctx: AppContext): Promise<void> {
  for (const file of ['municipalities-tver.csv', 'municipalities-yaroslavl.csv']) {
    const result = await importMunicipalities(ctx, readFileSync(path.join(dataDir, file), 'utf8'), { actorId: null });
    if (result.problems.length > 0) throw new Error(`demo data ${file} is invalid: ${JSON.stringify(result.problems.slice(0, 5))}`);
  }
  const passwordHash = await hashPassword(demoPassword);
  await ctx.db.transaction().execute(async (trx) => {
    const territories = new Map((await trx.selectFrom('territories').select(['id', 'oktmo']).execute()).map((t) => [t.oktmo, t.id]));
    const categories = new Map((await trx.selectFrom('categories').select(['id', 'slug']).execute()).map((c) => [c.slug, c.id]));
    const territoryId = (oktmo: string) => {
      const id = territories.get(oktmo);
      if (!id) throw new Error(`demo data names unknown territory ${oktmo}`);
      return id;
    };
    const ids = new Map<string, number>();
    for (const o of organizations) {
      const created = await createOrganization(
        ctx,
        null,
        {
          name: o.name,
          slug: '',
          kind: o.kind,
          territoryId: territoryId(o.territory),
          parentId: o.parent ? (ids.get(o.parent) ?? null) : null,
          appealEmail: o.email ?? '',
          postalAddress: o.address ?? '',
          website: o.website ?? '',
          appealThreshold: o.threshold ?? null,
          description: '',
          jurisdictions: o.jurisdictions.map((j) => ({
            territoryId: territoryId(j.oktmo),
            categoryIds: (j.categories ?? []).map((slug) => categories.get(slug) as number),
          })),
        },
        trx,
      );
      ids.set(o.key, created.id);
    }
    const tverCity = territoryId('28701000');
    const olenino = territoryId('28544000');
    for (const [i, u] of demoUsers.entries()) {
      await trx
        .insertInto('users')
        .values({
          email: u.email,
          password_hash: passwordHash,
          surname: u.surname,
          first_name: u.first,
          patronymic: u.patronymic,
          role: u.role,
          municipality_id: i % 2 === 0 ? tverCity : olenino,
          postal_address: i % 2 === 0 ? `170100, г. Тверь, ул. Советская, д. ${10 + i}, кв. ${i + 1}` : `172400, пгт Оленино, ул. Мира, д. ${i + 2}`,
          email_verified_at: new Date(),
        })
        .execute();
    }
  });
}
