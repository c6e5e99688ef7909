/** Problems: what a publishable problem and a comment are, how listings are sorted. No I/O. */
import type { FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

export interface ProblemInput {
  title: string;
  description: string;
  categoryId: number | null;
  territoryId: number | null;
  address: string;
  latitude: number | null;
  longitude: number | null;
  /** The author saw the 59-FZ Art. 11 warning about the text's language and publishes it anyway. */
  acknowledgeWarnings?: boolean;
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
  else if (characterCount(title) < 5) checks.add('title', 'tooShort', { limit: 5 });
  else if (characterCount(title) > 200) checks.add('title', 'tooLong', { limit: 200 });
  const description = input.description.trim();
  if (!description) checks.add('description', 'required');
  else if (characterCount(description) < 10) checks.add('description', 'tooShort', { limit: 10 });
  else if (characterCount(description) > 20_000) checks.add('description', 'tooLong', { limit: 20_000 });
  if (input.categoryId === null) checks.add('categoryId', 'required');
  else if (input.categoryId < 0) checks.add('categoryId', 'unknownCategory');
  if (input.territoryId === null) checks.add('territoryId', 'required');
  else if (input.territoryId < 0) checks.add('territoryId', 'unknownTerritory');
  if (characterCount(input.address.trim()) > 500) checks.add('address', 'tooLong', { limit: 500 });
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

/** What the author may say about how the problem was solved (DESIGN §3, «Проблема решена»): short and optional. */
export const solvedNoteMaxLength = 1000;

export function checkSolvedNote(checks: FieldChecks, note: string): void {
  if (characterCount(note.trim()) > solvedNoteMaxLength) checks.add('note', 'tooLong', { limit: solvedNoteMaxLength });
}

export function checkComment(checks: FieldChecks, body: string): void {
  const trimmed = body.trim();
  if (!trimmed) checks.add('body', 'required');
  else if (characterCount(trimmed) > commentMaxLength) checks.add('body', 'tooLong', { limit: commentMaxLength });
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
