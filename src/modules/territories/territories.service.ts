/** Territories: federal subjects and municipalities, their pages and the municipalities importer. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Expression, type SqlBool, sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { Territory } from '../../core/db/schema.ts';
import type { TableName } from '../../core/db/table-writes.ts';
import { DomainError } from '../../core/errors.ts';
import { type MunicipalityRow, parseMunicipalities, parseSubjects, type RowProblem, type TerritoryEdit, territoryEditProblems } from './territories.rules.ts';

export const dataDir = path.resolve(import.meta.dirname, 'data');

export async function seedFederalSubjects(executor: Executor): Promise<number> {
  const subjects = parseSubjects(readFileSync(path.join(dataDir, 'federal-subjects.csv'), 'utf8'));
  for (const subject of subjects) {
    await executor
      .insertInto('territories')
      .values({
        parent_id: null,
        level: 'federal_subject',
        kind: subject.kind,
        name: subject.name,
        name_en: subject.nameEn,
        okato: subject.okato,
        oktmo: subject.oktmo,
        iso_code: subject.isoCode,
        federal_district: subject.federalDistrict,
        time_zone: subject.timeZone,
      })
      // Run at every start: the reference columns follow the data file, but what an administrator may edit on the
      // territory's form (its names, OKATO and zone) is only filled in where it is missing, never put back.
      .onConflict((oc) =>
        oc.column('oktmo').doUpdateSet((eb) => ({
          name_en: eb.fn.coalesce('territories.name_en', eb.ref('excluded.name_en')),
          okato: eb.fn.coalesce('territories.okato', eb.ref('excluded.okato')),
          iso_code: eb.ref('excluded.iso_code'),
          kind: eb.ref('excluded.kind'),
          federal_district: eb.ref('excluded.federal_district'),
          time_zone: eb.fn.coalesce('territories.time_zone', eb.ref('excluded.time_zone')),
        })),
      )
      .execute();
  }
  return subjects.length;
}

export interface ImportResult {
  created: number;
  updated: number;
  problems: RowProblem[];
}

/** The place words a territory's problems are searched by: its name, then its parent's (problems' problemColumns). */
function placeWords(...names: (string | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

/** A territory's problems are searched by these place words (its name, its parent's), before and after a change. */
export type PlacesRenamed = (trx: Executor, changes: readonly { territoryId: number; before: string; after: string }[]) => Promise<void>;

/**
 * Imports a municipalities CSV. All or nothing: a file with any bad row writes no row and reports
 * every problem with its line. Existing municipalities (same OKTMO) are updated in place; those whose name or
 * region changed go to `renamed` (the problems module's, so their problems are found by the new names).
 */
export async function importMunicipalities(
  ctx: Pick<AppContext, 'db'>,
  csv: string,
  options: { actorId: number | null; onProgress?: (done: number, total: number) => void; renamed: PlacesRenamed },
): Promise<ImportResult> {
  const { rows, problems } = parseMunicipalities(csv);
  if (problems.length > 0) return { created: 0, updated: 0, problems };
  if (rows.length === 0) return { created: 0, updated: 0, problems: [{ line: 1, field: 'file', rule: 'csvEmpty' }] };
  return ctx.db.transaction().execute(async (trx) => {
    const regionCodes = [...new Set(rows.map((r) => r.regionOktmo))];
    const regions = await trx
      .selectFrom('territories')
      .select(['id', 'oktmo', 'name'])
      .where('level', '=', 'federal_subject')
      .where('oktmo', 'in', regionCodes)
      .execute();
    const regionIds = new Map(regions.map((r) => [r.oktmo, r.id]));
    const unknown = rows.filter((r) => !regionIds.has(r.regionOktmo));
    if (unknown.length > 0) {
      return {
        created: 0,
        updated: 0,
        problems: unknown.map((r) => ({ line: r.line, field: 'region_oktmo', rule: 'unknownRegion', params: { code: r.regionOktmo } })),
      };
    }
    const found = await trx
      .selectFrom('territories as t')
      .leftJoin('territories as parent', 'parent.id', 't.parent_id')
      .select(['t.id', 't.oktmo', 't.level', 't.name', 'parent.name as parentName'])
      .where(
        't.oktmo',
        'in',
        rows.map((r) => r.oktmo),
      )
      .execute();
    const subjectCodes = new Set(found.filter((t) => t.level !== 'municipality').map((t) => t.oktmo));
    const clashes = rows.filter((r) => subjectCodes.has(r.oktmo));
    if (clashes.length > 0) {
      return {
        created: 0,
        updated: 0,
        problems: clashes.map((r) => ({ line: r.line, field: 'oktmo', rule: 'notMunicipalityCode', params: { code: r.oktmo } })),
      };
    }
    const existing = new Set(found.map((t) => t.oktmo));
    let created = 0;
    let updated = 0;
    const batchSize = 200;
    for (let start = 0; start < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      await trx
        .insertInto('territories')
        .values(
          batch.map((row: MunicipalityRow) => ({
            parent_id: regionIds.get(row.regionOktmo) ?? null,
            level: 'municipality' as const,
            kind: row.kind,
            name: row.name,
            okato: row.okato,
            oktmo: row.oktmo,
          })),
        )
        .onConflict((oc) =>
          oc.column('oktmo').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            okato: eb.ref('excluded.okato'),
            kind: eb.ref('excluded.kind'),
            parent_id: eb.ref('excluded.parent_id'),
          })),
        )
        .execute();
      for (const row of batch) existing.has(row.oktmo) ? updated++ : created++;
      options.onProgress?.(Math.min(start + batchSize, rows.length), rows.length);
    }
    // Renamed or moved to another region: their problems' place words change with them.
    const regionNames = new Map(regions.map((r) => [r.oktmo, r.name]));
    const before = new Map(found.map((t) => [t.oktmo, t]));
    const changes = rows.flatMap((row) => {
      const old = before.get(row.oktmo);
      const [was, now] = old ? [placeWords(old.name, old.parentName), placeWords(row.name, regionNames.get(row.regionOktmo))] : ['', ''];
      return old && was !== now ? [{ territoryId: old.id, before: was, after: now }] : [];
    });
    if (changes.length > 0) await options.renamed(trx, changes);
    await audit(trx, {
      actorId: options.actorId,
      action: 'territories.import_municipalities',
      subjectType: 'territory',
      details: { created, updated, rows: rows.length },
    });
    return { created, updated, problems: [] };
  });
}

export interface TerritorySummary extends Territory {
  children_count: number;
}

/** The federal subjects by name with their number of municipalities; `withMunicipalities` keeps only those that have some (the home page). */
export async function listFederalSubjects(ctx: AppContext, options: { withMunicipalities?: boolean } = {}): Promise<TerritorySummary[]> {
  let query = ctx.db
    .selectFrom('territories as t')
    .selectAll('t')
    .select((eb) =>
      eb
        .selectFrom('territories as c')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('c.parent_id', '=', 't.id')
        .as('children_count'),
    )
    .where('t.level', '=', 'federal_subject');
  if (options.withMunicipalities) {
    query = query.where((eb) => eb.exists(eb.selectFrom('territories as c').select('c.id').whereRef('c.parent_id', '=', 't.id')));
  }
  return query.orderBy('t.name').execute() as Promise<TerritorySummary[]>;
}

/** Every territory below a region (municipalities) with its region's name, ordered by region then name: the organization form's choices. */
export async function listMunicipalitiesWithRegion(ctx: AppContext): Promise<{ id: number; name: string; region: string }[]> {
  return ctx.db
    .selectFrom('territories as m')
    .innerJoin('territories as r', 'r.id', 'm.parent_id')
    .select(['m.id', 'm.name', 'r.name as region'])
    .orderBy('r.name')
    .orderBy('m.name')
    .execute();
}

export async function countTerritories(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('territories')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listTerritories(
  ctx: AppContext,
  filter: {
    parentOktmo?: string | undefined;
    level?: 'federal_subject' | 'municipality' | undefined;
    search?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<{ items: Territory[]; total: number }> {
  let query = ctx.db.selectFrom('territories as t');
  if (filter.parentOktmo) {
    const parent = await getTerritory(ctx, filter.parentOktmo);
    query = query.where('t.parent_id', '=', parent.id);
  }
  if (filter.level) query = query.where('t.level', '=', filter.level);
  if (filter.search) query = query.where('t.name', 'ilike', `%${filter.search.replace(/[%_\\]/g, '\\$&')}%`);
  const [items, total] = await Promise.all([
    query.selectAll('t').orderBy('t.name').limit(filter.limit).offset(filter.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export async function getTerritory(ctx: AppContext, oktmo: string): Promise<Territory> {
  const territory = /^\d{8}(\d{3})?$/.test(oktmo)
    ? await ctx.db.selectFrom('territories').selectAll().where('oktmo', '=', oktmo).executeTakeFirst()
    : undefined;
  if (!territory) throw new DomainError('not_found');
  return territory;
}

/**
 * An administrator corrects a territory: its Russian and English names, OKATO and time zone (a municipality's
 * empty zone is its subject's). Its OKTMO and its place in the tree stay. A renamed territory is found by its new
 * name: `renamed` (the problems module's) rewrites the search words of its problems and its municipalities'
 * problems in the same transaction. Deadlines already counted keep their dates: a zone applies to terms counted
 * afterwards. Audit logged as `territory.update` with what it was before.
 */
export async function updateTerritory(ctx: AppContext, actorId: number, oktmo: string, input: TerritoryEdit, renamed: PlacesRenamed): Promise<Territory> {
  const existing = await getTerritory(ctx, oktmo);
  const problems = territoryEditProblems(input, existing.level);
  if (problems.length > 0) throw new DomainError('validation_failed', {}, problems);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('territories').selectAll().where('id', '=', existing.id).forUpdate().executeTakeFirstOrThrow();
    const territory = await trx
      .updateTable('territories')
      .set({
        name: input.name.trim(),
        name_en: input.nameEn.trim() || null,
        okato: input.okato.trim() || null,
        time_zone: input.timeZone.trim() || null,
      })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (territory.name !== before.name) {
      // The place words of its problems (its name, then its parent's) and of its municipalities' (theirs, then its).
      const parent =
        before.parent_id === null ? null : await trx.selectFrom('territories').select('name').where('id', '=', before.parent_id).executeTakeFirst();
      const children = await trx.selectFrom('territories').select(['id', 'name']).where('parent_id', '=', before.id).execute();
      await renamed(trx, [
        { territoryId: territory.id, before: placeWords(before.name, parent?.name), after: placeWords(territory.name, parent?.name) },
        ...children.map((child) => ({ territoryId: child.id, before: placeWords(child.name, before.name), after: placeWords(child.name, territory.name) })),
      ]);
    }
    await audit(trx, {
      actorId,
      action: 'territory.update',
      subjectType: 'territory',
      subjectId: territory.id,
      details: { before: { name: before.name, nameEn: before.name_en, okato: before.okato, timeZone: before.time_zone } },
    });
    return territory;
  });
}

export async function getTerritoryById(ctx: AppContext, id: number): Promise<Territory | undefined> {
  return ctx.db.selectFrom('territories').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The names a place is searched by: the territory's own and its parent's (a municipality and its region). */
export async function placeNames(ctx: AppContext, id: number): Promise<string[]> {
  const row = await ctx.db
    .selectFrom('territories as t')
    .leftJoin('territories as parent', 'parent.id', 't.parent_id')
    .select(['t.name as name', 'parent.name as parentName'])
    .where('t.id', '=', id)
    .executeTakeFirst();
  return row ? [row.name, ...(row.parentName ? [row.parentName] : [])] : [];
}

/** The name of each territory, by id: lists that name a place (a signer's municipality), one query for the whole list. */
export async function territoryNames(ctx: AppContext, ids: readonly number[]): Promise<Map<number, string>> {
  return new Map((await territoriesByIds(ctx, ids)).map((territory) => [territory.id, territory.name]));
}

/** The id of each territory by OKTMO code, one query for all the codes (codes that name none are left out). */
export async function territoryIdsByOktmo(ctx: AppContext, codes: readonly string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(codes)];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('territories').select(['id', 'oktmo']).where(sql<boolean>`oktmo = any(${wanted}::text[])`).execute();
  return new Map(rows.map((row) => [row.oktmo, row.id]));
}

/** The territories with these ids, by name (an organization's jurisdictions, the territories a list names), one query for the whole list. */
export async function territoriesByIds(ctx: AppContext, ids: readonly number[], executor: Executor = ctx.db): Promise<Territory[]> {
  const wanted = [...new Set(ids)].filter(isRowId);
  if (wanted.length === 0) return [];
  return executor.selectFrom('territories').selectAll().where(sql<boolean>`id = any(${wanted}::integer[])`).orderBy('name').orderBy('id').execute();
}

/** What territoryDisplayColumns and getTerritoryById read: a reader that keeps what it made of them names these (core/db/kept-reads.ts). */
export const territoryReads: readonly TableName[] = ['territories'];

/**
 * The territories as other modules may show them (id, names, OKTMO code, parent), as a subquery to join:
 * a listing that names each row's place stays one query, and the planner flattens it like a plain join.
 */
export function territoryDisplayColumns(executor: Executor) {
  return executor.selectFrom('territories').select(['id', 'name', 'name_en', 'oktmo', 'parent_id']);
}

/**
 * True when the territory whose id is `territoryId` is the one with this OKTMO code or lies within it
 * (a region and its municipalities), as an SQL expression: a listing filtered by place stays one query.
 */
export function withinTerritory(territoryId: Expression<number>, oktmo: string): Expression<SqlBool> {
  return sql<SqlBool>`${territoryId} in (select t.id from territories t where t.oktmo = ${oktmo} or t.parent_id = (select r.id from territories r where r.oktmo = ${oktmo}))`;
}

/**
 * The ids withinTerritory() stands for: the territory of `oktmo` and, for a region, its municipalities ([] for an
 * unknown code). A query that filters a large table by them plans better with the ids than with the subquery.
 */
export async function territoryIdsWithin(executor: Executor, oktmo: string): Promise<number[]> {
  const rows = await executor
    .selectFrom('territories as t')
    .select('t.id')
    .where(sql<SqlBool>`t.oktmo = ${oktmo} or t.parent_id = (select r.id from territories r where r.oktmo = ${oktmo})`)
    .execute();
  return rows.map((row) => row.id);
}

export async function territoryExists(ctx: AppContext, territoryId: number): Promise<boolean> {
  return (await ctx.db.selectFrom('territories').select('id').where('id', '=', territoryId).executeTakeFirst()) !== undefined;
}

/**
 * The IANA time zone a territory's days are counted in: its own when set (a municipality in a subject that
 * spans zones), else its federal subject's. Moscow's for an unknown id, which the caller's foreign key rules out.
 */
export async function timeZoneOf(executor: Executor, territoryId: number): Promise<string> {
  return (await timeZonesOf(executor, [territoryId])).get(territoryId) ?? 'Europe/Moscow';
}

/** timeZoneOf, for a page. */
export function territoryTimeZone(ctx: AppContext, territoryId: number): Promise<string> {
  return timeZoneOf(ctx.db, territoryId);
}

/** timeZoneOf for many territories in one query. */
export async function timeZonesOf(executor: Executor, territoryIds: readonly number[]): Promise<Map<number, string>> {
  const wanted = [...new Set(territoryIds)].filter(isRowId);
  if (wanted.length === 0) return new Map();
  const rows = await executor
    .selectFrom('territories as t')
    .leftJoin('territories as p', 'p.id', 't.parent_id')
    .select((eb) => ['t.id', eb.fn.coalesce('t.time_zone', 'p.time_zone').as('time_zone')])
    .where(sql<boolean>`t.id = any(${wanted}::integer[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, row.time_zone ?? 'Europe/Moscow']));
}

export async function getTerritoryWithParent(
  ctx: AppContext,
  oktmo: string,
): Promise<{ territory: Territory; parent: Territory | null; children: Territory[] }> {
  const territory = await getTerritory(ctx, oktmo);
  const [parent, children] = await Promise.all([
    territory.parent_id ? getTerritoryById(ctx, territory.parent_id) : Promise.resolve(undefined),
    ctx.db.selectFrom('territories').selectAll().where('parent_id', '=', territory.id).orderBy('name').execute(),
  ]);
  return { territory, parent: parent ?? null, children };
}

export interface MunicipalityGroup {
  region: Territory;
  municipalities: Territory[];
}

/** Municipalities grouped by region, for the "where do you live" select. */
export async function municipalityGroups(ctx: AppContext): Promise<MunicipalityGroup[]> {
  const rows = await ctx.db
    .selectFrom('territories as m')
    .innerJoin('territories as r', 'r.id', 'm.parent_id')
    .selectAll('m')
    .select(['r.name as region_name', 'r.oktmo as region_oktmo', 'r.id as region_id'])
    .where('m.level', '=', 'municipality')
    .orderBy('r.name')
    .orderBy('m.name')
    .execute();
  const groups = new Map<number, MunicipalityGroup>();
  for (const row of rows) {
    const { region_name, region_oktmo, region_id, ...municipality } = row;
    let group = groups.get(region_id);
    if (!group) {
      group = { region: { ...municipality, id: region_id, name: region_name, oktmo: region_oktmo } as Territory, municipalities: [] };
      groups.set(region_id, group);
    }
    group.municipalities.push(municipality);
  }
  return [...groups.values()];
}
