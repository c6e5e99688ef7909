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

/** How many listed problems a listing counts exactly; past it the total reads «более 10 000». */
export const listingCountCap = 10_000;

/** The first day (UTC) whose signatures count as recent at `now`: the day `now - resonanceWindowDays` falls on. */
export function resonanceWindowStart(now: Date): string {
  return new Date(now.getTime() - resonanceWindowDays * 24 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Where a page of a listing ends, in the listing's own order: the last problem's sort key and id. A time is
 * microseconds since 1970 (PostgreSQL keeps microseconds, a JavaScript Date only milliseconds), so the next page
 * starts exactly after it. `solved_at` is null for a problem not solved (the solved sort puts those last).
 */
export type ListingCursor =
  | { sort: 'new'; createdMicros: number; id: number }
  | { sort: 'solved'; solvedMicros: number | null; id: number }
  | { sort: 'resonant'; recent: number; signatures: number; id: number };

const sortLetters = { new: 'n', solved: 's', resonant: 'r' } as const;
const maxInt = 2_147_483_647;

/** The cursor as the `after` and `before` parameters carry it: opaque to people, who only follow links. */
export function encodeCursor(cursor: ListingCursor): string {
  const keys =
    cursor.sort === 'new'
      ? [cursor.createdMicros, cursor.id]
      : cursor.sort === 'solved'
        ? [cursor.solvedMicros ?? '', cursor.id]
        : [cursor.recent, cursor.signatures, cursor.id];
  return Buffer.from(`${sortLetters[cursor.sort]}.${keys.join('.')}`).toString('base64url');
}

function whole(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= max ? value : null;
}

/** The cursor of a listing sorted by `sort`, or null when the text is not one (damaged, made up, or of another sort). */
export function decodeCursor(text: string, sort: ProblemSort): ListingCursor | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return null;
  const cursor = parseCursor(text, sort);
  // Only the spelling encodeCursor writes: a cursor has one text, so a link cannot be varied into another.
  return cursor && encodeCursor(cursor) === text ? cursor : null;
}

function parseCursor(text: string, sort: ProblemSort): ListingCursor | null {
  const parts = Buffer.from(text, 'base64url').toString('latin1').split('.');
  if (parts[0] !== sortLetters[sort]) return null;
  // Times from 1970 to 2100, in microseconds.
  const maxMicros = 4_102_444_800_000_000;
  if (sort === 'new' && parts.length === 3) {
    const createdMicros = whole(parts[1], maxMicros);
    const id = whole(parts[2], maxInt);
    return createdMicros === null || id === null ? null : { sort, createdMicros, id };
  }
  if (sort === 'solved' && parts.length === 3) {
    const solvedMicros = parts[1] === '' ? null : whole(parts[1], maxMicros);
    const id = whole(parts[2], maxInt);
    return (solvedMicros === null && parts[1] !== '') || id === null ? null : { sort, solvedMicros, id };
  }
  if (sort === 'resonant' && parts.length === 4) {
    const recent = whole(parts[1], maxInt);
    const signatures = whole(parts[2], maxInt);
    const id = whole(parts[3], maxInt);
    return recent === null || signatures === null || id === null ? null : { sort, recent, signatures, id };
  }
  return null;
}
