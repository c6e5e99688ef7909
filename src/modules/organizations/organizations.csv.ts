/**
 * The directory of organizations as a spreadsheet: every organization exported to CSV, and a CSV imported —
 * created or, by slug, updated — all or nothing, with every broken row reported by its line and column (a file
 * with any bad row writes nothing). The columns are the admin form's; territories are OKTMO codes, the parent
 * and the organization itself are slugs, and jurisdictions read `28701000:roads|housing; 28000000` (a territory
 * with the categories it is competent for, or with none for every category).
 */
import { parse } from 'csv-parse/sync';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Organization } from '../../core/db/schema.ts';
import { DomainError, type FieldProblem } from '../../core/errors.ts';
import { csvFile, csvValue } from '../../core/text/csv.ts';
import type { RowProblem } from '../territories/territories.rules.ts';
import { territoriesByIds, territoryIdsByOktmo } from '../territories/territories.service.ts';
import type { OrganizationInput } from './organizations.rules.ts';
import { createOrganization, updateOrganization } from './organizations.service.ts';

export const organizationColumns = [
  'slug',
  'name',
  'kind',
  'territory_oktmo',
  'parent_slug',
  'appeal_email',
  'postal_address',
  'website',
  'appeal_threshold',
  'official_email_domains',
  'description',
  'jurisdictions',
] as const;
type Column = (typeof organizationColumns)[number];

/** Every organization, parents before their children (so the file imports back as it is), one row each. */
export async function organizationsCsv(ctx: AppContext): Promise<Buffer> {
  const organizations = await ctx.db.selectFrom('organizations').selectAll().orderBy('id').execute();
  const jurisdictions = await ctx.db
    .selectFrom('organization_jurisdictions as j')
    .leftJoin('categories as c', 'c.id', 'j.category_id')
    .select(['j.organization_id', 'j.territory_id', 'c.slug as category'])
    .orderBy('j.id')
    .execute();
  const territoryIds = [...new Set([...organizations.map((o) => o.territory_id), ...jurisdictions.map((j) => j.territory_id)])];
  const oktmo = new Map((await territoriesByIds(ctx, territoryIds)).map((t) => [t.id, t.oktmo]));
  const slugOf = new Map(organizations.map((o) => [o.id, o.slug]));
  const byOrganization = new Map<number, Map<number, string[]>>();
  for (const j of jurisdictions) {
    const territories = byOrganization.get(j.organization_id) ?? new Map<number, string[]>();
    territories.set(j.territory_id, [...(territories.get(j.territory_id) ?? []), ...(j.category ? [j.category] : [])]);
    byOrganization.set(j.organization_id, territories);
  }
  // Parents first: depth by walking up, then by id.
  const parentOf = new Map(organizations.map((o) => [o.id, o.parent_id]));
  const depth = (id: number) => {
    let d = 0;
    for (let p = parentOf.get(id); p != null && d < 50; p = parentOf.get(p)) d += 1;
    return d;
  };
  const ordered = [...organizations].sort((a, b) => depth(a.id) - depth(b.id) || a.id - b.id);
  return csvFile([
    [...organizationColumns],
    ...ordered.map((o) => [
      o.slug,
      o.name,
      o.kind,
      oktmo.get(o.territory_id) ?? '',
      o.parent_id ? (slugOf.get(o.parent_id) ?? '') : '',
      o.appeal_email ?? '',
      o.postal_address ?? '',
      o.website ?? '',
      o.appeal_threshold,
      o.official_email_domains.join(' '),
      o.description ?? '',
      [...(byOrganization.get(o.id) ?? new Map<number, string[]>()).entries()]
        .map(([territoryId, categories]) => `${oktmo.get(territoryId) ?? ''}${categories.length ? `:${categories.join('|')}` : ''}`)
        .join('; '),
    ]),
  ]);
}

/** The form's field names as the file's columns, so a refused row names the column to fix. */
const columnOfField: Record<string, Column> = {
  slug: 'slug',
  name: 'name',
  kind: 'kind',
  territoryId: 'territory_oktmo',
  parentId: 'parent_slug',
  appealEmail: 'appeal_email',
  postalAddress: 'postal_address',
  website: 'website',
  appealThreshold: 'appeal_threshold',
  officialEmailDomains: 'official_email_domains',
  description: 'description',
  jurisdictions: 'jurisdictions',
};

interface ParsedRow {
  line: number;
  cells: Record<Column, string>;
  jurisdictions: { oktmo: string; categories: string[] }[];
}

/** Rolls the import's transaction back when a row was refused: nothing of a broken file is written. */
class RefusedRows extends Error {
  constructor(readonly problems: RowProblem[]) {
    super('organization import refused');
  }
}

export interface OrganizationImport {
  created: number;
  updated: number;
  problems: RowProblem[];
}

export async function importOrganizations(ctx: AppContext, actorId: number, csv: string): Promise<OrganizationImport> {
  let all: string[][];
  /** The file's line each record starts on: blank lines and cells over several lines do not shift what a problem names. */
  let startLines: number[];
  try {
    const records = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true, trim: true, relax_column_count: true, info: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    all = records.map((r) => r.record);
    startLines = records.map((r) => r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0));
  } catch (error) {
    return { created: 0, updated: 0, problems: [{ line: Number((error as { lines?: number }).lines ?? 1), field: 'file', rule: 'csvSyntax' }] };
  }
  const [rawHeader = [], ...body] = all;
  const header = rawHeader.map((cell) => cell.toLowerCase());
  const missing = (['slug', 'name', 'kind', 'territory_oktmo'] as const).filter((column) => !header.includes(column));
  if (missing.length > 0)
    return { created: 0, updated: 0, problems: [{ line: 1, field: 'header', rule: 'csvColumns', params: { columns: missing.join(', ') } }] };
  if (body.length === 0) return { created: 0, updated: 0, problems: [{ line: 1, field: 'file', rule: 'csvEmpty' }] };
  const rows: ParsedRow[] = body.map((cells, i) => {
    const get = (column: Column) => (header.includes(column) ? csvValue((cells[header.indexOf(column)] ?? '').trim()) : '');
    const values = Object.fromEntries(organizationColumns.map((column) => [column, get(column)])) as Record<Column, string>;
    const jurisdictions = values.jurisdictions
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [code = '', categories = ''] = part.split(':');
        return {
          oktmo: code.trim(),
          categories: categories
            .split('|')
            .map((c) => c.trim())
            .filter(Boolean),
        };
      });
    return { line: startLines[i + 1] ?? i + 2, cells: values, jurisdictions };
  });
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    if (!row.cells.slug) problems.push({ line: row.line, field: 'slug', rule: 'required' });
    else if (seen.has(row.cells.slug))
      problems.push({ line: row.line, field: 'slug', rule: 'csvDuplicate', params: { line: seen.get(row.cells.slug) as number } });
    else seen.set(row.cells.slug, row.line);
  }
  // Territories and categories looked up before the transaction (on the embedded database a read outside it waits for it).
  const codes = rows.flatMap((row) => [row.cells.territory_oktmo, ...row.jurisdictions.map((j) => j.oktmo)]).filter(Boolean);
  const territoryIds = await territoryIdsByOktmo(ctx, codes);
  const categoryIds = new Map((await ctx.db.selectFrom('categories').select(['id', 'slug']).execute()).map((c) => [c.slug, c.id]));
  for (const row of rows) {
    if (row.cells.territory_oktmo && !territoryIds.has(row.cells.territory_oktmo))
      problems.push({ line: row.line, field: 'territory_oktmo', rule: 'unknownTerritory' });
    for (const j of row.jurisdictions) {
      if (!territoryIds.has(j.oktmo)) problems.push({ line: row.line, field: 'jurisdictions', rule: 'unknownTerritory' });
      for (const category of j.categories) if (!categoryIds.has(category)) problems.push({ line: row.line, field: 'jurisdictions', rule: 'unknownCategory' });
    }
    if (row.cells.appeal_threshold && !/^\d{1,7}$/.test(row.cells.appeal_threshold))
      problems.push({ line: row.line, field: 'appeal_threshold', rule: 'csvInteger' });
  }
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      let created = 0;
      let updated = 0;
      for (const row of rows) {
        if (problems.some((problem) => problem.line === row.line)) continue;
        const input = await inputOf(trx, row, territoryIds, categoryIds);
        if (typeof input === 'string') {
          problems.push({ line: row.line, field: 'parent_slug', rule: input });
          continue;
        }
        const existing = await trx.selectFrom('organizations').selectAll().where('slug', '=', row.cells.slug).executeTakeFirst();
        try {
          if (existing) {
            await updateOrganization(ctx, actorId, row.cells.slug, await keepAbsentColumns(trx, input, existing, header), trx);
            updated += 1;
          } else {
            await createOrganization(ctx, actorId, input, trx);
            created += 1;
          }
        } catch (error) {
          if (!(error instanceof DomainError) || error.fields.length === 0) throw error;
          problems.push(...error.fields.map((field: FieldProblem) => ({ ...field, line: row.line, field: columnOfField[field.field] ?? field.field })));
        }
      }
      if (problems.length > 0) throw new RefusedRows(problems);
      return { created, updated, problems: [] };
    });
  } catch (error) {
    if (error instanceof RefusedRows) return { created: 0, updated: 0, problems: [...error.problems].sort((a, b) => a.line - b.line) };
    throw error;
  }
}

/**
 * An update from a file without some of the columns keeps what the organization has for them: a file that only
 * renames does not also clear the appeal e-mail, the parent, the threshold and the jurisdictions.
 */
async function keepAbsentColumns(trx: Executor, input: OrganizationInput, existing: Organization, header: readonly string[]): Promise<OrganizationInput> {
  const absent = (column: Column) => !header.includes(column);
  const kept = { ...input };
  if (absent('parent_slug')) kept.parentId = existing.parent_id;
  if (absent('appeal_email')) kept.appealEmail = existing.appeal_email ?? '';
  if (absent('postal_address')) kept.postalAddress = existing.postal_address ?? '';
  if (absent('website')) kept.website = existing.website ?? '';
  if (absent('appeal_threshold')) kept.appealThreshold = existing.appeal_threshold;
  if (absent('official_email_domains')) kept.officialEmailDomains = existing.official_email_domains.join(' ');
  if (absent('description')) kept.description = existing.description ?? '';
  if (absent('jurisdictions')) {
    const rows = await trx
      .selectFrom('organization_jurisdictions')
      .select(['territory_id', 'category_id'])
      .where('organization_id', '=', existing.id)
      .orderBy('id')
      .execute();
    const byTerritory = new Map<number, number[]>();
    for (const row of rows)
      byTerritory.set(row.territory_id, [...(byTerritory.get(row.territory_id) ?? []), ...(row.category_id === null ? [] : [row.category_id])]);
    kept.jurisdictions = [...byTerritory.entries()].map(([territoryId, categoryIds]) => ({ territoryId, categoryIds }));
  }
  return kept;
}

/** A row as the form's input; the parent by slug (an earlier row of the file or an organization already here), or why not. */
async function inputOf(
  trx: Executor,
  row: ParsedRow,
  territoryIds: ReadonlyMap<string, number>,
  categoryIds: ReadonlyMap<string, number>,
): Promise<OrganizationInput | 'unknownOrganization'> {
  const { cells } = row;
  let parentId: number | null = null;
  if (cells.parent_slug) {
    const parent = await trx.selectFrom('organizations').select('id').where('slug', '=', cells.parent_slug).executeTakeFirst();
    if (!parent) return 'unknownOrganization';
    parentId = parent.id;
  }
  return {
    name: cells.name,
    slug: cells.slug,
    kind: cells.kind,
    parentId,
    territoryId: territoryIds.get(cells.territory_oktmo) ?? null,
    appealEmail: cells.appeal_email,
    postalAddress: cells.postal_address,
    website: cells.website,
    appealThreshold: cells.appeal_threshold ? Number(cells.appeal_threshold) : 50,
    description: cells.description,
    officialEmailDomains: cells.official_email_domains,
    jurisdictions: row.jurisdictions.map((j) => ({
      territoryId: territoryIds.get(j.oktmo) as number,
      categoryIds: j.categories.map((category) => categoryIds.get(category) as number),
    })),
  };
}
