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

/*
 * The map's grid (problems.markers.ts, migration 0033). A viewport's problems come back as points when there are
 * few, otherwise as clusters: the cells of 64 screen pixels of a grid over the Web Mercator world, 4·2^zoom cells
 * per axis (a 256-pixel tile holds 4 × 4). The database computes a point's cell with map_cell_x / map_cell_y;
 * these functions give the cells a viewport covers and a cell's corners.
 */
export const mapMaxZoom = 19;
/** At most this many points in a response; more in the viewport and it comes as clusters (or, from mapPointsZoom, truncated). */
export const mapPointLimit = 400;
/** From this zoom on (a few streets wide) the points come individually even when there are more than mapPointLimit. */
export const mapPointsZoom = 17;
/** A viewport may cover at most this many cells of its zoom (about 2,000 × 2,000 pixels); a larger one is taken at a lower zoom. */
export const mapMaxCells = 1024;
/** The levels whose cells problem_map_cells keeps; a zoom reads the first level at or above it, none past the last. */
export const mapCellLevels = [2, 5, 8, 10, 12, 14] as const;
/** The finest level whose cells are counted per category too (migration 0033); a category's finer zooms group its problems as read. */
export const mapCellCategoryLevel = 12;
/** The zoom of a request without one: the whole country fits a screen about 1,000 pixels wide. */
export const mapDefaultZoom = 3;
const mercatorLimit = 85.0511287798;

export interface MapBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Everything the map can show: the square Web Mercator world. */
export const wholeMap: MapBox = { west: -180, south: -mercatorLimit, east: 180, north: mercatorLimit };

/** `west,south,east,north` in degrees (west < east: a box across the 180th meridian is two requests), or null. */
export function parseMapBox(text: string): MapBox | null {
  const parts = text.split(',');
  if (parts.length !== 4 || parts.some((part) => !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(part))) return null;
  const [west, south, east, north] = parts.map(Number) as [number, number, number, number];
  if (west < -180 || east > 180 || south < -90 || north > 90 || !(west < east) || !(south < north)) return null;
  return { west, south, east, north };
}

export function mapCells(zoom: number): number {
  return 4 * 2 ** zoom;
}

function clampCell(value: number, cells: number): number {
  return Math.min(cells - 1, Math.max(0, Math.floor(value)));
}

export function mapCellX(longitude: number, cells: number): number {
  return clampCell(((longitude + 180) / 360) * cells, cells);
}

export function mapCellY(latitude: number, cells: number): number {
  const radians = (Math.max(-mercatorLimit, Math.min(mercatorLimit, latitude)) * Math.PI) / 180;
  return clampCell(((1 - Math.log(Math.tan(radians) + 1 / Math.cos(radians)) / Math.PI) / 2) * cells, cells);
}

/** The corners of the cells from (xFrom, yFrom) to (xTo, yTo) inclusive; y grows southwards. */
export function mapCellsBox(xFrom: number, yFrom: number, xTo: number, yTo: number, cells: number): MapBox {
  const latitude = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / cells))) * 180) / Math.PI;
  return { west: (xFrom / cells) * 360 - 180, east: ((xTo + 1) / cells) * 360 - 180, north: latitude(yFrom), south: latitude(yTo + 1) };
}

/** The zoom at which the box fills about 1,000 pixels across, for a request that gives a box and no zoom. */
export function mapZoomFor(box: MapBox): number {
  const pixelsPerDegree = 1024 / (box.east - box.west);
  return Math.max(0, Math.min(mapMaxZoom, Math.floor(Math.log2((pixelsPerDegree * 360) / 256))));
}

export interface MapGrid {
  zoom: number;
  cells: number;
  xFrom: number;
  xTo: number;
  yFrom: number;
  yTo: number;
  /** The cells' union: what the answer covers (the whole cells the viewport touches). */
  box: MapBox;
}

/** The cells of `zoom` the box touches; a box of more than mapMaxCells of them is taken at the highest zoom where it is not. */
export function mapGrid(box: MapBox, zoom: number): MapGrid {
  for (let z = Math.max(0, Math.min(mapMaxZoom, Math.floor(zoom))); ; z--) {
    const cells = mapCells(z);
    const xFrom = mapCellX(box.west, cells);
    const xTo = mapCellX(box.east, cells);
    const yFrom = mapCellY(box.north, cells);
    const yTo = mapCellY(box.south, cells);
    if ((xTo - xFrom + 1) * (yTo - yFrom + 1) <= mapMaxCells || z === 0)
      return { zoom: z, cells, xFrom, xTo, yFrom, yTo, box: mapCellsBox(xFrom, yFrom, xTo, yTo, cells) };
  }
}

/** The stored level a zoom reads its cells from, or null past the last level (the points are grouped as they are read). */
export function mapCellLevel(zoom: number): number | null {
  return mapCellLevels.find((level) => level >= zoom) ?? null;
}
