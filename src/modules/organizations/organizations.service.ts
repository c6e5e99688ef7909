/**
 * Organizations (bodies, municipalities, deputies, parties, NGOs, utilities), their hierarchy for
 * escalation, their jurisdictions for suggesting addressees, and the categories of problems.
 */
import { type Expression, sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { keptRead } from '../../core/db/kept-reads.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { Category, MemberRole, Organization, OrganizationKind, Territory } from '../../core/db/schema.ts';
import type { TableName } from '../../core/db/table-writes.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { AccountPorts } from '../accounts/accounts.ports.ts';
import { getTerritoryById, territoriesByIds, territoryReads, withinTerritory } from '../territories/territories.service.ts';
import { checkOrganization, type OrganizationInput, parseEmailDomains, slugify, wouldCycle } from './organizations.rules.ts';

export const seedCategories: { slug: string; ru: string; en: string }[] = [
  { slug: 'housing', ru: 'ЖКХ', en: 'Housing and utilities' },
  { slug: 'roads', ru: 'Дороги', en: 'Roads' },
  { slug: 'transport', ru: 'Транспорт', en: 'Public transport' },
  { slug: 'urban-improvement', ru: 'Благоустройство', en: 'Public spaces' },
  { slug: 'ecology', ru: 'Экология', en: 'Environment' },
  { slug: 'education', ru: 'Образование', en: 'Education' },
  { slug: 'healthcare', ru: 'Здравоохранение', en: 'Healthcare' },
  { slug: 'safety', ru: 'Безопасность', en: 'Public safety' },
  { slug: 'social-support', ru: 'Социальная защита', en: 'Social support' },
  { slug: 'culture-sport', ru: 'Культура и спорт', en: 'Culture and sport' },
  { slug: 'construction', ru: 'Строительство и земля', en: 'Construction and land' },
  { slug: 'other', ru: 'Другое', en: 'Other' },
];

export async function ensureCategories(executor: Executor): Promise<void> {
  for (const [position, category] of seedCategories.entries()) {
    await executor
      .insertInto('categories')
      .values({ slug: category.slug, name_ru: category.ru, name_en: category.en, position })
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
  }
}

export async function listCategories(ctx: AppContext): Promise<Category[]> {
  return ctx.db.selectFrom('categories').selectAll().orderBy('position').orderBy('id').execute();
}

/** A category's Russian name, which the Russian search configuration indexes. */
export async function categoryNameRu(ctx: AppContext, id: number): Promise<string | undefined> {
  return (await ctx.db.selectFrom('categories').select('name_ru').where('id', '=', id).executeTakeFirst())?.name_ru;
}

export interface OrganizationListItem extends Organization {
  territory_name: string;
  territory_oktmo: string;
}

export async function listOrganizations(
  ctx: AppContext,
  filter: { territoryOktmo?: string | undefined; kind?: OrganizationKind | undefined; search?: string | undefined; limit: number; offset: number },
): Promise<{ items: OrganizationListItem[]; total: number }> {
  let query = ctx.db.selectFrom('organizations as o');
  // The territory and everything within it (a region's page lists its municipalities' bodies too).
  if (filter.territoryOktmo) query = query.where(withinTerritory(sql.ref('o.territory_id'), filter.territoryOktmo));
  if (filter.kind) query = query.where('o.kind', '=', filter.kind);
  if (filter.search) {
    const term = filter.search.trim();
    query = query.where((eb) => eb.or([eb('o.name', 'ilike', `%${term.replace(/[%_\\]/g, '\\$&')}%`), sql<boolean>`o.name % ${term}`]));
  }
  const [rows, total] = await Promise.all([
    query.selectAll('o').orderBy('o.name').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  // The page's territories in one query, not one per organization (territory_id is a foreign key: always found).
  const territories = new Map(
    (
      await territoriesByIds(
        ctx,
        rows.map((row) => row.territory_id),
      )
    ).map((t) => [t.id, t]),
  );
  const items = rows.map((row) => {
    const territory = territories.get(row.territory_id);
    return { ...row, territory_name: territory?.name ?? '', territory_oktmo: territory?.oktmo ?? '' };
  });
  return { items, total: Number(total.n) };
}

export interface OrganizationDetails {
  organization: Organization;
  territory: Territory;
  parent: Organization | null;
  children: Organization[];
  jurisdictions: { territory: Pick<Territory, 'id' | 'name' | 'oktmo'>; categories: Pick<Category, 'id' | 'slug' | 'name_ru' | 'name_en'>[] }[];
}

/** An organizations row as json_agg / row_to_json give it: the same columns, the timestamp as text. */
type OrganizationJson = Omit<Organization, 'created_at'> & { created_at: string };
const organizationOfJson = (row: OrganizationJson): Organization => ({ ...row, created_at: new Date(row.created_at) });

/**
 * An organization's page: the organization with its parent, children and jurisdictions in one statement (as JSON
 * beside the row), then its territories in one more. Five round trips to the database were most of what a view of
 * the page cost under load: each statement is a system call on both sides.
 */
export async function getOrganization(ctx: AppContext, slug: string): Promise<OrganizationDetails> {
  const row = await ctx.db
    .selectFrom('organizations as o')
    .selectAll('o')
    .select([
      sql<OrganizationJson | null>`(select row_to_json(p) from organizations p where p.id = o.parent_id)`.as('parent_json'),
      sql<OrganizationJson[]>`(select coalesce(json_agg(c order by c.name), '[]') from organizations c where c.parent_id = o.id)`.as('children_json'),
      sql<{ territory_id: number; category_id: number | null; slug: string | null; name_ru: string | null; name_en: string | null }[]>`(
        select coalesce(json_agg(json_build_object('territory_id', j.territory_id, 'category_id', c.id, 'slug', c.slug, 'name_ru', c.name_ru, 'name_en', c.name_en)
                                 order by c.position), '[]')
          from organization_jurisdictions j left join categories c on c.id = j.category_id where j.organization_id = o.id)`.as('jurisdictions_json'),
    ])
    .where('o.slug', '=', slug)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found');
  const { parent_json: parentJson, children_json: childrenJson, jurisdictions_json: jurisdictionRows, ...organization } = row;
  const parent = parentJson ? organizationOfJson(parentJson) : null;
  const children = childrenJson.map(organizationOfJson);
  const [territory, jurisdictionTerritories] = await Promise.all([
    getTerritoryById(ctx, organization.territory_id),
    jurisdictionRows.length > 0
      ? territoriesByIds(
          ctx,
          jurisdictionRows.map((jurisdiction) => jurisdiction.territory_id),
        )
      : Promise.resolve([]),
  ]);
  if (!territory) throw new Error(`organization ${organization.id} names territory ${organization.territory_id}, which does not exist`);
  // The jurisdictions' territories in one query, by name: the order the page lists them in.
  const byTerritory = new Map<number, OrganizationDetails['jurisdictions'][number]>();
  for (const t of jurisdictionTerritories) {
    byTerritory.set(t.id, { territory: { id: t.id, name: t.name, oktmo: t.oktmo }, categories: [] });
  }
  for (const jurisdiction of jurisdictionRows) {
    const entry = byTerritory.get(jurisdiction.territory_id);
    if (entry && jurisdiction.category_id !== null && jurisdiction.slug && jurisdiction.name_ru && jurisdiction.name_en) {
      entry.categories.push({ id: jurisdiction.category_id, slug: jurisdiction.slug, name_ru: jurisdiction.name_ru, name_en: jurisdiction.name_en });
    }
  }
  return { organization, territory, parent, children, jurisdictions: [...byTerritory.values()] };
}

/** What getOrganization reads. */
const organizationDetailsReads: readonly TableName[] = ['organizations', 'organization_jurisdictions', 'categories', ...territoryReads];

/**
 * An organization's details for its public page, the same for every reader: kept between readers (core/db/kept-reads.ts),
 * so a change of it, its parent, children, jurisdictions or their territories' and categories' names made by this
 * process shows at once, one made by another process within keptReadMs (2 s). Forms that edit it read getOrganization.
 */
export function organizationForReaders(ctx: AppContext, slug: string): Promise<OrganizationDetails> {
  return keptRead(ctx.db, `organizations.details:${slug}`, organizationDetailsReads, () => getOrganization(ctx, slug));
}

/**
 * Organizations competent for a problem in `territoryId` of `categoryId`: those whose jurisdiction
 * names that territory (or the region containing it) for that category or for every category.
 * Closest first: a municipality's own bodies before the region's.
 */
export async function suggestAddressees(ctx: AppContext, territoryId: number, categoryId: number | null): Promise<(Organization & { match_level: number })[]> {
  const [territory] = await territoriesByIds(ctx, [territoryId]);
  if (!territory) throw new DomainError('unknown_territory');
  const territoryIds = [territory.id, ...(territory.parent_id ? [territory.parent_id] : [])];
  const rows = await ctx.db
    .selectFrom('organization_jurisdictions as j')
    .innerJoin('organizations as o', 'o.id', 'j.organization_id')
    .selectAll('o')
    .select(sql<number>`min(case when j.territory_id = ${territory.id} then 0 else 1 end)`.as('match_level'))
    .where('j.territory_id', 'in', territoryIds)
    .where((eb) => (categoryId === null ? eb('j.category_id', 'is', null) : eb.or([eb('j.category_id', 'is', null), eb('j.category_id', '=', categoryId)])))
    .groupBy('o.id')
    .orderBy('match_level')
    .orderBy('o.name')
    .execute();
  return rows as (Organization & { match_level: number })[];
}

async function resolveReferences(ctx: AppContext, executor: Executor, checks: FieldChecks, input: OrganizationInput, selfId: number | null): Promise<void> {
  const territoryIds = [...new Set(input.jurisdictions.map((j) => j.territoryId))];
  const wanted = input.territoryId !== null && input.territoryId > 0 ? [input.territoryId] : [];
  // The organization's own territory and its jurisdictions' in one lookup.
  const knownTerritories = new Set((await territoriesByIds(ctx, [...wanted, ...territoryIds], executor)).map((t) => t.id));
  if (wanted.length > 0 && !knownTerritories.has(wanted[0] as number)) checks.add('territoryId', 'unknownTerritory');
  if (input.parentId !== null && input.parentId > 0) {
    const all = await executor.selectFrom('organizations').select(['id', 'parent_id']).execute();
    const parentOf = new Map(all.map((o) => [o.id, o.parent_id]));
    if (!parentOf.has(input.parentId)) checks.add('parentId', 'unknownOrganization');
    else if (selfId !== null && wouldCycle(selfId, input.parentId, parentOf)) checks.add('parentId', 'hierarchyCycle');
  }
  if (territoryIds.some((id) => !knownTerritories.has(id))) checks.add('jurisdictions', 'unknownTerritory');
  const categoryIds = [...new Set(input.jurisdictions.flatMap((j) => j.categoryIds))];
  if (categoryIds.length > 0) {
    const found = await executor.selectFrom('categories').select('id').where('id', 'in', categoryIds).execute();
    if (found.length !== categoryIds.length) checks.add('jurisdictions', 'unknownCategory');
  }
}

async function writeJurisdictions(executor: Executor, organizationId: number, jurisdictions: OrganizationInput['jurisdictions']): Promise<void> {
  await executor.deleteFrom('organization_jurisdictions').where('organization_id', '=', organizationId).execute();
  const rows = jurisdictions.flatMap((j): { organization_id: number; territory_id: number; category_id: number | null }[] =>
    j.categoryIds.length === 0
      ? [{ organization_id: organizationId, territory_id: j.territoryId, category_id: null }]
      : [...new Set(j.categoryIds)].map((categoryId) => ({ organization_id: organizationId, territory_id: j.territoryId, category_id: categoryId })),
  );
  if (rows.length > 0)
    await executor
      .insertInto('organization_jurisdictions')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** `defaultThreshold`: the site's default (its settings), for a form that leaves the threshold empty. */
function organizationValues(input: OrganizationInput, defaultThreshold: number) {
  return {
    name: input.name.trim(),
    kind: input.kind as OrganizationKind,
    parent_id: input.parentId,
    territory_id: input.territoryId as number,
    appeal_email: input.appealEmail.trim().toLowerCase() || null,
    postal_address: input.postalAddress.trim() || null,
    website: input.website.trim() || null,
    appeal_threshold: input.appealThreshold ?? defaultThreshold,
    description: input.description.trim() || null,
    ...(input.officialEmailDomains === undefined ? {} : { official_email_domains: parseEmailDomains(input.officialEmailDomains) }),
  };
}

/** A slug in use: an organization's, or the old address of one merged into another (a redirect it must keep). */
async function slugTaken(executor: Executor, slug: string): Promise<boolean> {
  const [organization, redirect] = await Promise.all([
    executor.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst(),
    executor.selectFrom('organization_slug_redirects').select('slug').where('slug', '=', slug).executeTakeFirst(),
  ]);
  return organization !== undefined || redirect !== undefined;
}

export async function createOrganization(
  ctx: AppContext,
  actorId: number | null,
  input: OrganizationInput,
  executor: Executor = ctx.db,
): Promise<Organization> {
  const checks = new FieldChecks();
  checkOrganization(checks, input);
  await resolveReferences(ctx, executor, checks, input, null);
  checks.throwIfAny();
  const { appealThreshold } = await ctx.ports.settings.current(ctx, executor);
  const write = async (trx: Executor) => {
    const baseSlug = input.slug || slugify(input.name) || 'organization';
    let slug = baseSlug;
    for (let n = 2; await slugTaken(trx, slug); n++) {
      if (input.slug) throw new DomainError('validation_failed', {}, [{ field: 'slug', rule: 'slugTaken' }]);
      slug = `${baseSlug}-${n}`;
    }
    const organization = await trx
      .insertInto('organizations')
      .values({ ...organizationValues(input, appealThreshold), slug })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeJurisdictions(trx, organization.id, input.jurisdictions);
    await audit(trx, { actorId, action: 'organization.create', subjectType: 'organization', subjectId: organization.id, details: { name: organization.name } });
    return organization;
  };
  return executor.isTransaction ? write(executor) : ctx.db.transaction().execute(write);
}

export async function updateOrganization(
  ctx: AppContext,
  actorId: number,
  slug: string,
  input: OrganizationInput,
  executor: Executor = ctx.db,
): Promise<Organization> {
  const existing = await executor.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!existing) throw new DomainError('not_found');
  const checks = new FieldChecks();
  checkOrganization(checks, { ...input, slug: input.slug || existing.slug });
  await resolveReferences(ctx, executor, checks, input, existing.id);
  checks.throwIfAny();
  const { appealThreshold } = await ctx.ports.settings.current(ctx, executor);
  const write = async (trx: Executor) => {
    const newSlug = input.slug || existing.slug;
    if (newSlug !== existing.slug) {
      if (await slugTaken(trx, newSlug)) throw new DomainError('validation_failed', {}, [{ field: 'slug', rule: 'slugTaken' }]);
    }
    const organization = await trx
      .updateTable('organizations')
      .set({ ...organizationValues(input, appealThreshold), slug: newSlug })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeJurisdictions(trx, organization.id, input.jurisdictions);
    await audit(trx, { actorId, action: 'organization.update', subjectType: 'organization', subjectId: organization.id, details: { before: existing } });
    return organization;
  };
  return executor.isTransaction ? write(executor) : ctx.db.transaction().execute(write);
}

/** One organization by id, for the modules that address it (appeals); unknown_organization when there is none. */
export async function organizationById(executor: Executor, organizationId: number): Promise<Organization> {
  const organization = isRowId(organizationId)
    ? await executor.selectFrom('organizations').selectAll().where('id', '=', organizationId).executeTakeFirst()
    : undefined;
  if (!organization) throw new DomainError('unknown_organization');
  return organization;
}

export async function organizationExists(executor: Executor, organizationId: number): Promise<boolean> {
  if (!isRowId(organizationId)) return false;
  return (await executor.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst()) !== undefined;
}

/** Name and slug of each organization, by id: lists that name an addressee and link to it (one query for the whole list). */
/** What organizationLabels reads: a reader that keeps what it made of it names these (core/db/kept-reads.ts). */
export const organizationLabelReads: readonly TableName[] = ['organizations'];

export async function organizationLabels(ctx: AppContext, ids: readonly number[]): Promise<Map<number, { name: string; slug: string; territoryId: number }>> {
  const wanted = [...new Set(ids)].filter(isRowId);
  if (wanted.length === 0) return new Map();
  // = any(array): one parameter however many ids.
  const rows = await ctx.db
    .selectFrom('organizations')
    .select(['id', 'name', 'slug', 'territory_id'])
    .where(sql<boolean>`id = any(${wanted}::integer[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, { name: row.name, slug: row.slug, territoryId: row.territory_id }]));
}

/**
 * The id of the organization with this slug as an SQL expression (null when there is none), for a
 * listing filtered by addressee that must stay one query: the caller compares its own column to it.
 */
export function organizationIdBySlug(slug: string): Expression<number | null> {
  return sql<number | null>`(select o.id from organizations o where o.slug = ${slug})`;
}

/**
 * The ids of the organizations in a territory (and within it) and of a kind, as an SQL expression, for a
 * listing of another module's rows by organization (the league tables) that must stay one query.
 */
export function organizationIdsWhere(filter: { territoryOktmo?: string | undefined; kind?: OrganizationKind | undefined }): Expression<number> {
  const conditions = [sql`true`];
  if (filter.territoryOktmo) conditions.push(sql`${withinTerritory(sql.ref('o.territory_id'), filter.territoryOktmo)}`);
  if (filter.kind) conditions.push(sql`o.kind = ${filter.kind}`);
  return sql<number>`(select o.id from organizations o where ${sql.join(conditions, sql` and `)})`;
}

/**
 * What accounts ask of organizations (accounts.ports.ts): a person's memberships as
 * `[[organizationId, role], …]`, a correlated subquery the authentication statement places in itself.
 */
export const membershipsOf: AccountPorts['memberships'] = (userId) =>
  sql<[number, MemberRole][]>`(
    select coalesce(json_agg(json_build_array(m.organization_id, m.role)), '[]'::json)
    from organization_members m where m.user_id = ${userId}
  )`.as('memberships');

/** What categoryDisplayColumns reads: a reader that keeps what it made of it names these (core/db/kept-reads.ts). */
export const categoryReads: readonly TableName[] = ['categories'];

/**
 * The categories as other modules show them (id, slug, names), as a subquery to join: a listing that
 * names and filters by each row's category stays one query, planned like a plain join.
 */
export function categoryDisplayColumns(executor: Executor) {
  return executor.selectFrom('categories').select(['id', 'slug', 'name_ru', 'name_en']);
}

/** The id of the category a slug names, as a scalar subquery (null for none). */
export function categoryIdBySlug(slug: string): Expression<number | null> {
  return sql<number | null>`(select c.id from categories c where c.slug = ${slug})`;
}

export async function categoryExists(ctx: AppContext, categoryId: number): Promise<boolean> {
  return (await ctx.db.selectFrom('categories').select('id').where('id', '=', categoryId).executeTakeFirst()) !== undefined;
}

export async function countOrganizations(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function organizationOptions(ctx: AppContext): Promise<Pick<Organization, 'id' | 'name' | 'slug'>[]> {
  return ctx.db.selectFrom('organizations').select(['id', 'name', 'slug']).orderBy('name').execute();
}

export interface CategoryInput {
  slug: string;
  nameRu: string;
  nameEn: string;
  /** Where it stands in lists (ascending); absent: after the others. */
  position: number | null;
}

const categorySlugPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function checkCategory(checks: FieldChecks, input: CategoryInput): void {
  if (!input.slug) checks.add('slug', 'required');
  else if (input.slug.length > 60 || !categorySlugPattern.test(input.slug)) checks.add('slug', 'slug');
  for (const [field, value] of [
    ['nameRu', input.nameRu],
    ['nameEn', input.nameEn],
  ] as const) {
    if (!value.trim()) checks.add(field, 'required');
    else if ([...value.trim()].length > 100) checks.add(field, 'tooLong', { limit: 100 });
  }
  if (input.position !== null && (!Number.isInteger(input.position) || input.position < 0 || input.position > 10_000)) checks.add('position', 'csvInteger');
}

/** An administrator adds a topic; its slug is its address in filters and links, so it is unique. */
export async function createCategory(ctx: AppContext, actorId: number, input: CategoryInput): Promise<Category> {
  const checks = new FieldChecks();
  checkCategory(checks, input);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('categories').select('id').where('slug', '=', input.slug).executeTakeFirst()) {
      throw new DomainError('validation_failed', {}, [{ field: 'slug', rule: 'slugTaken' }]);
    }
    const last = await trx
      .selectFrom('categories')
      .select((eb) => eb.fn.max('position').as('max'))
      .executeTakeFirstOrThrow();
    const category = await trx
      .insertInto('categories')
      .values({ slug: input.slug, name_ru: input.nameRu.trim(), name_en: input.nameEn.trim(), position: input.position ?? Number(last.max ?? 0) + 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, { actorId, action: 'category.create', subjectType: 'category', subjectId: category.id, details: { slug: category.slug } });
    return category;
  });
}

/**
 * An administrator renames a topic or moves it in the lists; its slug stays (links and saved filters keep
 * working). `renamed` is told the old and new Russian name in the same transaction, for the problems' search.
 */
export async function updateCategory(
  ctx: AppContext,
  actorId: number,
  slug: string,
  input: Omit<CategoryInput, 'slug'>,
  renamed: (trx: Executor, categoryId: number, before: string, after: string) => Promise<void>,
): Promise<Category> {
  const checks = new FieldChecks();
  checkCategory(checks, { ...input, slug });
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('categories').selectAll().where('slug', '=', slug).forUpdate().executeTakeFirst();
    if (!existing) throw new DomainError('not_found');
    const category = await trx
      .updateTable('categories')
      .set({ name_ru: input.nameRu.trim(), name_en: input.nameEn.trim(), position: input.position ?? existing.position })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (category.name_ru !== existing.name_ru) await renamed(trx, category.id, existing.name_ru, category.name_ru);
    await audit(trx, { actorId, action: 'category.update', subjectType: 'category', subjectId: category.id, details: { before: existing } });
    return category;
  });
}

export async function getCategory(ctx: AppContext, slug: string): Promise<Category> {
  const category = await ctx.db.selectFrom('categories').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!category) throw new DomainError('not_found');
  return category;
}
