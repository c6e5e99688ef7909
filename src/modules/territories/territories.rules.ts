/**
 * Territories: the federal subjects of Russia and their municipalities, identified by OKTMO.
 * This file reads and checks the CSV formats without touching the database.
 */
import { parse } from 'csv-parse/sync';
import type { Territory, TerritoryKind } from '../../core/db/schema.ts';
import { DomainError, type FieldProblem } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

export const subjectKinds = ['republic', 'krai', 'oblast', 'federal_city', 'autonomous_oblast', 'autonomous_okrug'] as const;
export const municipalityKinds = ['municipal_district', 'municipal_okrug', 'urban_okrug'] as const;
export const federalDistricts = ['central', 'northwestern', 'southern', 'north_caucasian', 'volga', 'ural', 'siberian', 'far_eastern'] as const;

/** A territory's name in the reader's language: English where the reference data has one, else Russian. */
export function territoryName(territory: Pick<Territory, 'name' | 'name_en'>, locale: string): string {
  return locale === 'en' && territory.name_en ? territory.name_en : territory.name;
}

export interface SubjectRow {
  okato: string;
  oktmo: string;
  isoCode: string | null;
  name: string;
  nameEn: string;
  kind: TerritoryKind;
  federalDistrict: string;
  /** IANA zone of the subject's capital: 59-FZ terms are counted in its days. */
  timeZone: string;
}

export interface MunicipalityRow {
  line: number;
  regionOktmo: string;
  oktmo: string;
  okato: string | null;
  name: string;
  kind: TerritoryKind;
}

/** The documented columns of a municipalities CSV (README, "Importing municipalities"). */
export const municipalityColumns = ['region_oktmo', 'oktmo', 'okato', 'name', 'kind'] as const;

export interface RowProblem extends FieldProblem {
  line: number;
}

/** A refused CSV import as the API answers it: `import_failed`, its first hundred problems as fields «line N: column». */
export function importRefused(problems: readonly RowProblem[]): DomainError {
  return new DomainError(
    'import_failed',
    { count: problems.length },
    problems.slice(0, 100).map((p) => ({ field: `line ${p.line}: ${p.field}`, rule: p.rule, ...(p.params ? { params: p.params } : {}) })),
  );
}

function records(csv: string): { header: string[]; rows: string[][] } {
  const all = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  const [header = [], ...rows] = all;
  return { header: header.map((h) => h.toLowerCase()), rows };
}

export function parseSubjects(csv: string): SubjectRow[] {
  const { rows } = records(csv);
  return rows.map(([okato = '', oktmo = '', iso = '', name = '', nameEn = '', kind = '', district = '', timeZone = '']) => ({
    okato,
    oktmo,
    isoCode: iso || null,
    name,
    nameEn,
    kind: kind as TerritoryKind,
    federalDistrict: district,
    timeZone,
  }));
}

/** Parses and checks every row; returns the rows and the problems, each with its line number. */
export function parseMunicipalities(csv: string): { rows: MunicipalityRow[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  let parsed: { header: string[]; rows: string[][] };
  try {
    parsed = records(csv);
  } catch (error) {
    const line = Number((error as { lines?: number }).lines ?? 1);
    return { rows: [], problems: [{ line, field: 'file', rule: 'csvSyntax' }] };
  }
  const missing = municipalityColumns.filter((column) => !parsed.header.includes(column));
  if (missing.length > 0) {
    return { rows: [], problems: [{ line: 1, field: 'header', rule: 'csvColumns', params: { columns: missing.join(', ') } }] };
  }
  const index = Object.fromEntries(municipalityColumns.map((c) => [c, parsed.header.indexOf(c)])) as Record<(typeof municipalityColumns)[number], number>;
  const seen = new Set<string>();
  const rows: MunicipalityRow[] = [];
  parsed.rows.forEach((cells, i) => {
    const line = i + 2;
    const get = (column: (typeof municipalityColumns)[number]) => (cells[index[column]] ?? '').trim();
    const row: MunicipalityRow = {
      line,
      regionOktmo: get('region_oktmo'),
      oktmo: get('oktmo'),
      okato: get('okato') || null,
      name: get('name'),
      kind: get('kind') as TerritoryKind,
    };
    const before = problems.length;
    if (!/^\d{8}$/.test(row.regionOktmo)) problems.push({ line, field: 'region_oktmo', rule: 'oktmo' });
    if (!/^\d{8}(\d{3})?$/.test(row.oktmo)) problems.push({ line, field: 'oktmo', rule: 'oktmo' });
    else if (row.oktmo.slice(0, 2) !== row.regionOktmo.slice(0, 2)) problems.push({ line, field: 'oktmo', rule: 'oktmoRegion' });
    else if (seen.has(row.oktmo)) problems.push({ line, field: 'oktmo', rule: 'duplicate' });
    if (row.okato && !/^\d{2,11}$/.test(row.okato)) problems.push({ line, field: 'okato', rule: 'okato' });
    if (!row.name) problems.push({ line, field: 'name', rule: 'required' });
    else if (characterCount(row.name) > 300) problems.push({ line, field: 'name', rule: 'tooLong', params: { limit: 300 } });
    if (!(municipalityKinds as readonly string[]).includes(row.kind)) problems.push({ line, field: 'kind', rule: 'notAllowed' });
    seen.add(row.oktmo);
    if (problems.length === before) rows.push(row);
  });
  return { rows, problems };
}

/**
 * The IANA zones of Russia (the RU lines of the tz database's zone1970.tab, with Europe/Simferopol, which it
 * lists for RU and UA). Every federal subject's zone is one of them; a municipality may have its own where it
 * differs from its subject's (Yakutia spans three zones).
 */
export const russianTimeZones = [
  'Europe/Kaliningrad',
  'Europe/Moscow',
  'Europe/Simferopol',
  'Europe/Kirov',
  'Europe/Volgograd',
  'Europe/Astrakhan',
  'Europe/Saratov',
  'Europe/Ulyanovsk',
  'Europe/Samara',
  'Asia/Yekaterinburg',
  'Asia/Omsk',
  'Asia/Novosibirsk',
  'Asia/Barnaul',
  'Asia/Tomsk',
  'Asia/Novokuznetsk',
  'Asia/Krasnoyarsk',
  'Asia/Irkutsk',
  'Asia/Chita',
  'Asia/Yakutsk',
  'Asia/Khandyga',
  'Asia/Vladivostok',
  'Asia/Ust-Nera',
  'Asia/Magadan',
  'Asia/Sakhalin',
  'Asia/Srednekolymsk',
  'Asia/Kamchatka',
  'Asia/Anadyr',
] as const;

export function isRussianTimeZone(value: string): boolean {
  return (russianTimeZones as readonly string[]).includes(value);
}

/** «UTC+5» for a zone, at `at`: what the form shows beside each zone's name. */
export function utcOffsetLabel(timeZone: string, at: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  const offset = part?.value.replace('GMT', '') ?? '';
  return `UTC${offset || '+0'}`;
}

/** What an administrator may change of a territory: its names, OKATO and time zone; its OKTMO and place in the tree stay. */
export interface TerritoryEdit {
  name: string;
  nameEn: string;
  okato: string;
  /** An IANA zone of Russia; empty for a municipality that keeps its subject's. */
  timeZone: string;
}

export function territoryEditProblems(input: TerritoryEdit, level: Territory['level']): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const name = input.name.trim();
  // A name of invisible characters (a bell, a zero-width space) names nothing.
  if (!name || !/[\p{L}\p{N}]/u.test(name)) problems.push({ field: 'name', rule: 'required' });
  else if (characterCount(name) > 300) problems.push({ field: 'name', rule: 'tooLong', params: { limit: 300 } });
  if (characterCount(input.nameEn.trim()) > 300) problems.push({ field: 'nameEn', rule: 'tooLong', params: { limit: 300 } });
  const okato = input.okato.trim();
  if (okato && !/^\d{2,11}$/.test(okato)) problems.push({ field: 'okato', rule: 'okato' });
  const zone = input.timeZone.trim();
  if (!zone && level === 'federal_subject') problems.push({ field: 'timeZone', rule: 'required' });
  else if (zone && !isRussianTimeZone(zone)) problems.push({ field: 'timeZone', rule: 'notAllowed' });
  return problems;
}
