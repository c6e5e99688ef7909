/** Problems: what a publishable problem and a comment are, how listings are sorted, the Atom feed. No I/O. */
import type { FieldChecks } from '../../core/errors.ts';

export interface ProblemInput {
  title: string;
  description: string;
  categoryId: number | null;
  territoryId: number | null;
  address: string;
  latitude: number | null;
  longitude: number | null;
}

export const problemSorts = ['resonant', 'new', 'solved'] as const;
export type ProblemSort = (typeof problemSorts)[number];

/** The statuses a visitor may filter by: `hidden` is moderation's and never listed. */
export const listedStatuses = ['open', 'solved', 'closed'] as const;
export type ListedStatus = (typeof listedStatuses)[number];

/** "Resonant" means most signatures in the last 30 days. */
export const resonanceWindowDays = 30;

/** Characters, as PostgreSQL's length() counts them (code points, not UTF-16 units). */
export const commentMaxLength = 10_000;

export function checkProblem(checks: FieldChecks, input: ProblemInput): void {
  const title = input.title.trim();
  if (!title) checks.add('title', 'required');
  else if (title.length < 5) checks.add('title', 'tooShort', { limit: 5 });
  else if (title.length > 200) checks.add('title', 'tooLong', { limit: 200 });
  const description = input.description.trim();
  if (!description) checks.add('description', 'required');
  else if (description.length < 10) checks.add('description', 'tooShort', { limit: 10 });
  else if (description.length > 20_000) checks.add('description', 'tooLong', { limit: 20_000 });
  if (input.categoryId === null) checks.add('categoryId', 'required');
  else if (input.categoryId < 0) checks.add('categoryId', 'unknownCategory');
  if (input.territoryId === null) checks.add('territoryId', 'required');
  else if (input.territoryId < 0) checks.add('territoryId', 'unknownTerritory');
  if (input.address.trim().length > 500) checks.add('address', 'tooLong', { limit: 500 });
  const { latitude, longitude } = input;
  if ((latitude === null) !== (longitude === null)) checks.add(latitude === null ? 'latitude' : 'longitude', 'pointIncomplete');
  else if (latitude !== null && longitude !== null) {
    if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) checks.add('latitude', 'latitudeRange');
    if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) checks.add('longitude', 'longitudeRange');
  }
}

/** A coordinate as typed: empty is "none", a comma works as the decimal separator, garbage is NaN (refused by checkProblem). */
export function parseCoordinate(value: string): number | null {
  const trimmed = value.trim().replace(',', '.');
  if (!trimmed) return null;
  return /^[+-]?\d{1,3}(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function checkComment(checks: FieldChecks, body: string): void {
  const trimmed = body.trim();
  if (!trimmed) checks.add('body', 'required');
  else if (Array.from(trimmed).length > commentMaxLength) checks.add('body', 'tooLong', { limit: commentMaxLength });
}

/** A search string as PostgreSQL's websearch_to_tsquery reads it, bounded. */
export function normalizeSearch(query: string): string {
  return query.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** The first sentences of a description, cut at a word boundary. */
export function excerpt(text: string, limit = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?—-]+$/, '')}…`;
}

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML forbids.
const notXmlChar = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(value: string): string {
  return value.replace(notXmlChar, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface AtomEntry {
  id: string;
  url: string;
  title: string;
  published: Date;
  updated: Date;
  author: string;
  category?: { term: string; label: string };
  summary: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  selfUrl: string;
  alternateUrl: string;
  language: string;
  updated: Date;
  entries: AtomEntry[];
}

/** An Atom 1.0 document (RFC 4287). Every text is escaped; every link is absolute. */
export function atomXml(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(feed.language)}">`,
    `  <id>${escapeXml(feed.id)}</id>`,
    `  <title>${escapeXml(feed.title)}</title>`,
    ...(feed.subtitle ? [`  <subtitle>${escapeXml(feed.subtitle)}</subtitle>`] : []),
    `  <updated>${feed.updated.toISOString()}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(feed.alternateUrl)}"/>`,
    '  <author><name>Democrator</name></author>',
    '  <generator>Democrator</generator>',
  ];
  for (const entry of feed.entries) {
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(entry.id)}</id>`,
      `    <title type="text">${escapeXml(entry.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(entry.url)}"/>`,
      `    <published>${entry.published.toISOString()}</published>`,
      `    <updated>${entry.updated.toISOString()}</updated>`,
      `    <author><name>${escapeXml(entry.author)}</name></author>`,
      ...(entry.category ? [`    <category term="${escapeXml(entry.category.term)}" label="${escapeXml(entry.category.label)}"/>`] : []),
      `    <summary type="text">${escapeXml(entry.summary)}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
