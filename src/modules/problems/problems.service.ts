/**
 * Problems: publishing (with photos), similar problems before publishing, listings and search,
 * the problem page's data (timeline, comments, followers), following, marking solved.
 * Each use case is one transaction; every change is an event on the problem's public timeline.
 * Appeals build on problems, so what problems show of appeals (signature counts, the appeals named by
 * the timeline, the addressee filter) comes through ctx.ports.problems (problems.ports.ts), not an import.
 * The names shown beside a problem (its place, category, author) are joined from subqueries their owners
 * export (territoryDisplayColumns, categoryDisplayColumns, userNameColumns), so listings stay one query.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { keptCount } from '../../core/db/kept-counts.ts';
import { keptRead } from '../../core/db/kept-reads.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { AppealStatus, Problem, ProblemStatus } from '../../core/db/schema.ts';
import { DomainError, FieldChecks, type FieldProblem } from '../../core/errors.ts';
import { PhotoRejected, type ProcessedPhoto, photoLimits, processPhoto } from '../../core/images/photos.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { renderMarkdown } from '../../core/text/markdown.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import { getUser, userNameColumns, userNameReads } from '../accounts/accounts.service.ts';
import { categoryDisplayColumns, categoryExists, categoryIdBySlug, categoryNameRu, categoryReads } from '../organizations/organizations.service.ts';
import { placeNames, territoryDisplayColumns, territoryExists, territoryIdsWithin, territoryReads } from '../territories/territories.service.ts';
import { refuseProhibitedLanguage } from './problems.language.ts';
import './problems.policy.ts';
import type { EventAppeal, ProblemController } from './problems.ports.ts';
import {
  checkComment,
  checkProblem,
  checkSolvedNote,
  excerpt,
  type ListingCursor,
  listedStatuses,
  listingCountCap,
  normalizeSearch,
  type ProblemInput,
  type ProblemSort,
} from './problems.rules.ts';

export async function recordEvent(
  executor: Executor,
  event: { problemId: number; appealId?: number | null; kind: string; actorId: number | null; data?: Record<string, unknown> },
): Promise<void> {
  await executor
    .insertInto('problem_events')
    .values({
      problem_id: event.problemId,
      appeal_id: event.appealId ?? null,
      kind: event.kind,
      actor_id: event.actorId,
      data: JSON.stringify(event.data ?? {}),
    })
    .execute();
}

async function checkReferences(ctx: AppContext, checks: FieldChecks, input: ProblemInput): Promise<void> {
  if (input.categoryId !== null && input.categoryId > 0 && !(await categoryExists(ctx, input.categoryId))) checks.add('categoryId', 'unknownCategory');
  if (input.territoryId !== null && input.territoryId > 0 && !(await territoryExists(ctx, input.territoryId))) checks.add('territoryId', 'unknownTerritory');
}

/** Every problem with the typed fields (rules and references), without writing anything: forms show them together with photo problems. */
export async function checkProblemInput(ctx: AppContext, input: ProblemInput): Promise<FieldProblem[]> {
  const checks = new FieldChecks();
  checkProblem(checks, input);
  await checkReferences(ctx, checks, input);
  return checks.problems;
}

function photoProblem(rejection: PhotoRejected, number: number): FieldProblem {
  const params: Record<string, number> = { number };
  if (rejection.limits?.maxBytes) params.megabytes = Math.round(rejection.limits.maxBytes / (1024 * 1024));
  if (rejection.limits?.maxPixels) params.megapixels = Math.round(rejection.limits.maxPixels / 1_000_000);
  return { field: 'photos', rule: rejection.problem, params };
}

/**
 * Re-encodes uploaded photos one at a time (bounded memory and CPU); every refused file becomes a
 * field problem naming its number, so the form can say which one is wrong and why.
 */
export async function processPhotos(uploads: Buffer[]): Promise<{ photos: ProcessedPhoto[]; problems: FieldProblem[] }> {
  const photos: ProcessedPhoto[] = [];
  const problems: FieldProblem[] = [];
  for (const [index, upload] of uploads.entries()) {
    try {
      photos.push(await processPhoto(upload));
    } catch (error) {
      if (!(error instanceof PhotoRejected)) throw error;
      problems.push(photoProblem(error, index + 1));
    }
  }
  return { photos, problems };
}

/** The columns of a checked photo, the same in problem_photos and in pending_photos. */
export function photoColumns(photo: ProcessedPhoto) {
  return {
    content_type: photo.contentType,
    width: photo.width,
    height: photo.height,
    image: photo.image,
    thumbnail: photo.thumbnail,
    thumbnail_content_type: photo.thumbnailContentType,
  };
}

async function insertPhotos(trx: Executor, problemId: number, firstPosition: number, photos: ProcessedPhoto[]): Promise<void> {
  for (const [index, photo] of photos.entries()) {
    await trx
      .insertInto('problem_photos')
      .values({ problem_id: problemId, position: firstPosition + index, ...photoColumns(photo) })
      .execute();
  }
}

/** The columns a checked ProblemInput writes, the same on publishing and on editing. */
async function problemColumns(ctx: AppContext, input: ProblemInput) {
  const territoryId = input.territoryId as number;
  const categoryId = input.categoryId as number;
  const [places, category] = await Promise.all([placeNames(ctx, territoryId), categoryNameRu(ctx, categoryId)]);
  return {
    // Searched with the address, below title and description (migration 0007).
    search_places: [...places, category ?? ''].join(' ').trim(),
    title: input.title.trim(),
    description: input.description.trim(),
    category_id: categoryId,
    territory_id: territoryId,
    address: input.address.trim() || null,
    latitude: input.latitude,
    longitude: input.longitude,
  };
}

export async function createProblem(ctx: AppContext, asker: Actor | null, input: ProblemInput, photos: ProcessedPhoto[] = []): Promise<Problem> {
  const actor = authorize(asker, 'problem.create');
  const checks = new FieldChecks();
  checkProblem(checks, input);
  if (photos.length > photoLimits.maxPerProblem) checks.add('photos', 'tooManyPhotos', { limit: photoLimits.maxPerProblem });
  await checkReferences(ctx, checks, input);
  checks.throwIfAny();
  refuseProhibitedLanguage({ title: input.title, description: input.description }, input.acknowledgeWarnings === true);
  const columns = await problemColumns(ctx, input);
  return ctx.db.transaction().execute(async (trx) => {
    const problem = await trx
      .insertInto('problems')
      .values({
        ...columns,
        author_id: actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertPhotos(trx, problem.id, 0, photos);
    await trx.insertInto('problem_follows').values({ user_id: actor.id, problem_id: problem.id }).execute();
    await recordEvent(trx, { problemId: problem.id, kind: 'problem.published', actorId: actor.id, data: photos.length ? { photos: photos.length } : {} });
    return problem;
  });
}

/** A problem its author may change (`problem.update` says which). */
async function editableProblem(ctx: AppContext, actor: Actor | null, problemId: number): Promise<{ problem: Problem; actor: Actor }> {
  const problem = await getProblemRow(ctx, problemId);
  return { problem, actor: authorize(actor, 'problem.update', problem) };
}

/** The fields an edit changed, named as the form names them; the timeline shows them. */
function changedFields(before: Problem, input: ProblemInput): string[] {
  const after = {
    title: input.title.trim(),
    description: input.description.trim(),
    categoryId: input.categoryId,
    territoryId: input.territoryId,
    address: input.address.trim() || null,
    point: input.latitude === null ? null : `${input.latitude},${input.longitude}`,
  };
  const was = {
    title: before.title,
    description: before.description,
    categoryId: before.category_id,
    territoryId: before.territory_id,
    address: before.address,
    point: before.latitude === null ? null : `${before.latitude},${before.longitude}`,
  };
  return (Object.keys(after) as (keyof typeof after)[]).filter((key) => after[key] !== was[key]);
}

/** Changes a problem and optionally adds photos (up to the limit in all), in one transaction. */
export async function updateProblem(
  ctx: AppContext,
  asker: Actor | null,
  problemId: number,
  input: ProblemInput,
  photos: ProcessedPhoto[] = [],
): Promise<Problem> {
  const { actor } = await editableProblem(ctx, asker, problemId);
  const checks = new FieldChecks();
  checkProblem(checks, input);
  await checkReferences(ctx, checks, input);
  checks.throwIfAny();
  refuseProhibitedLanguage({ title: input.title, description: input.description }, input.acknowledgeWarnings === true);
  const columns = await problemColumns(ctx, input);
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('problems').selectAll().where('id', '=', problemId).forUpdate().executeTakeFirstOrThrow();
    if (locked.status !== 'open') throw new DomainError('conflict', { reason: 'problem_not_open' });
    const firstPosition = await nextPhotoPosition(trx, problemId, photos.length);
    const changed = changedFields(locked, input);
    let updated = locked;
    if (changed.length > 0) {
      updated = await trx
        .updateTable('problems')
        .set({
          ...columns,
          updated_at: ctx.now(),
        })
        .where('id', '=', problemId)
        .returningAll()
        .executeTakeFirstOrThrow();
    } else if (photos.length > 0) {
      updated = await trx.updateTable('problems').set({ updated_at: ctx.now() }).where('id', '=', problemId).returningAll().executeTakeFirstOrThrow();
    }
    await insertPhotos(trx, problemId, firstPosition, photos);
    if (photos.length > 0) changed.push('photos');
    if (changed.length > 0)
      await recordEvent(trx, { problemId, kind: 'problem.edited', actorId: actor.id, data: { changed, ...(photos.length ? { photos: photos.length } : {}) } });
    return updated;
  });
}

/** Where the next photos go; refuses (nothing written) when they would make more than the limit. Call inside the transaction that holds the problem's row lock. */
async function nextPhotoPosition(trx: Executor, problemId: number, adding: number): Promise<number> {
  const existing = await trx
    .selectFrom('problem_photos')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('position').as('last')])
    .where('problem_id', '=', problemId)
    .executeTakeFirstOrThrow();
  const count = Number(existing.n);
  if (adding > 0 && count + adding > photoLimits.maxPerProblem) {
    const checks = new FieldChecks();
    checks.add('photos', 'tooManyPhotos', { limit: photoLimits.maxPerProblem, remaining: Math.max(0, photoLimits.maxPerProblem - count) });
    checks.throwIfAny();
  }
  return existing.last === null ? 0 : Number(existing.last) + 1;
}

/** The author adds photos to an open problem (the API's separate upload): all of them or none. */
export async function addPhotos(ctx: AppContext, asker: Actor | null, problemId: number, photos: ProcessedPhoto[]): Promise<void> {
  const { actor } = await editableProblem(ctx, asker, problemId);
  if (photos.length === 0) {
    const checks = new FieldChecks();
    checks.add('photos', 'required');
    checks.throwIfAny();
  }
  await ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('problems').select('status').where('id', '=', problemId).forUpdate().executeTakeFirstOrThrow();
    if (locked.status !== 'open') throw new DomainError('conflict', { reason: 'problem_not_open' });
    await insertPhotos(trx, problemId, await nextPhotoPosition(trx, problemId, photos.length), photos);
    await trx.updateTable('problems').set({ updated_at: ctx.now() }).where('id', '=', problemId).execute();
    await recordEvent(trx, { problemId, kind: 'problem.edited', actorId: actor.id, data: { changed: ['photos'], photos: photos.length } });
  });
}

/**
 * The author says the problem is solved. With `withdrawOpenAppeals`, its appeals still in draft or
 * collecting are withdrawn in the same transaction (the appeals module does it, through the port);
 * signers and followers are told. The author's short note on how it was solved (optional) is kept with the
 * problem, on its timeline and in what the signers are told. Returns the ids of the appeals withdrawn.
 */
export async function markSolved(
  ctx: AppContext,
  asker: Actor | null,
  problemId: number,
  options: { withdrawOpenAppeals?: boolean; note?: string } = {},
): Promise<number[]> {
  const problem = await getProblemRow(ctx, problemId);
  const actor = authorize(asker, 'problem.markSolved', problem);
  const checks = new FieldChecks();
  checkSolvedNote(checks, options.note ?? '');
  checks.throwIfAny();
  const note = options.note?.trim() || null;
  return ctx.db.transaction().execute(async (trx) => {
    const solved = await trx
      .updateTable('problems')
      .set({ status: 'solved', solved_at: ctx.now(), solved_by: actor.id, solved_note: note, updated_at: ctx.now() })
      .where('id', '=', problemId)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    if (!solved) throw new DomainError('conflict', { reason: 'problem_not_open' });
    await recordEvent(trx, { problemId, kind: 'problem.solved', actorId: actor.id, data: note ? { note } : {} });
    await audit(trx, { actorId: actor.id, action: 'problem.mark_solved', subjectType: 'problem', subjectId: problemId });
    return ctx.ports.problems.appeals.problemSolved(ctx, trx, { problemId, actorId: actor.id, withdrawOpen: options.withdrawOpenAppeals === true });
  });
}

/**
 * Whether the problem `problemId` lies in one of `territoryIds` (null: anywhere; territoryIdsWithin gives a region
 * with its municipalities) and has the category (null: any): the cabinet's inbox filters its appeals by their
 * problem's place and topic without reading this module's tables itself. One probe of problems_place_idx per row,
 * so a list walked in its own order stops after its page.
 */
export function problemIn(problemId: Expression<number>, filter: { territoryIds: readonly number[] | null; categorySlug: string | null }): Expression<SqlBool> {
  const conditions = [sql`mp.id = ${problemId}`];
  if (filter.territoryIds) conditions.push(sql`mp.territory_id = any(${[...filter.territoryIds]}::int[])`);
  if (filter.categorySlug) conditions.push(sql`mp.category_id = ${categoryIdBySlug(filter.categorySlug)}`);
  return sql<SqlBool>`exists (select from problems mp where ${sql.join(conditions, sql` and `)})`;
}

/** Whether the problem's timeline has an event of these kinds recorded for the organization (its `organizationId` in the event's data). */
export async function hasOrganizationEvent(executor: Executor, problemId: number, kinds: readonly string[], organizationId: number): Promise<boolean> {
  const row = await executor
    .selectFrom('problem_events')
    .select('id')
    .where('problem_id', '=', problemId)
    .where('kind', 'in', [...kinds])
    .where(sql<boolean>`data->>'organizationId' = ${String(organizationId)}`)
    .executeTakeFirst();
  return row !== undefined;
}

export async function getProblemRow(ctx: AppContext, problemId: number, executor: Executor = ctx.db): Promise<Problem> {
  const problem =
    Number.isInteger(problemId) && problemId > 0 ? await executor.selectFrom('problems').selectAll().where('id', '=', problemId).executeTakeFirst() : undefined;
  if (!problem) throw new DomainError('not_found');
  return problem;
}

export interface ProblemDetails {
  problem: Omit<Problem, 'search' | 'search_places' | 'hidden_reason' | 'status_before_hidden' | 'support_signatures' | 'support_recent'>;
  category: { id: number; slug: string; name_ru: string; name_en: string };
  territory: { id: number; oktmo: string; name: string; name_en: string | null };
  region: { oktmo: string; name: string; name_en: string | null } | null;
  authorName: string | null;
  /** Who marked the problem solved, as the public sees the name (null before, or for a deleted account). */
  solvedByName: string | null;
  photos: { position: number; width: number; height: number; content_type: string }[];
  counts: { comments: number; followers: number; signatures: number };
}

/** A problem as its page and the API show it. Hidden problems do not exist for visitors. */
export async function getProblemDetails(ctx: AppContext, problemId: number): Promise<ProblemDetails> {
  if (!isRowId(problemId)) throw new DomainError('not_found');
  const row = await ctx.db
    .selectFrom('problems as p')
    .innerJoin(categoryDisplayColumns(ctx.db).as('c'), 'c.id', 'p.category_id')
    .innerJoin(territoryDisplayColumns(ctx.db).as('t'), 't.id', 'p.territory_id')
    .leftJoin(territoryDisplayColumns(ctx.db).as('r'), 'r.id', 't.parent_id')
    .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 'p.author_id')
    .leftJoin(userNameColumns(ctx.db).as('sb'), 'sb.id', 'p.solved_by')
    .select([
      'p.id',
      'p.title',
      'p.description',
      'p.category_id',
      'p.territory_id',
      'p.address',
      'p.latitude',
      'p.longitude',
      'p.author_id',
      'p.status',
      'p.created_at',
      'p.updated_at',
      'p.solved_at',
      'p.solved_by',
      'p.solved_note',
      'p.hidden_reason',
      'sb.first_name as solved_by_first_name',
      'sb.surname as solved_by_surname',
      'c.slug as category_slug',
      'c.name_ru as category_ru',
      'c.name_en as category_en',
      't.oktmo as territory_oktmo',
      't.name as territory_name',
      't.name_en as territory_name_en',
      'r.oktmo as region_oktmo',
      'r.name as region_name',
      'r.name_en as region_name_en',
      'u.first_name as author_first_name',
      'u.surname as author_surname',
      sql<number>`(select count(*) from comments cm where cm.problem_id = p.id and cm.hidden_at is null)::int`.as('comments'),
      sql<number>`(select count(*) from problem_follows f where f.problem_id = p.id)::int`.as('followers'),
      ctx.ports.problems.appeals.signatureCount(sql.ref('p.id')).as('signatures'),
    ])
    .where('p.id', '=', problemId)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found');
  // What moderation hid gives way to its reason, for everyone (410: it was here); hidden without one, it never was.
  if (row.status === 'hidden') throw row.hidden_reason ? new DomainError('content_hidden', { reason: row.hidden_reason }) : new DomainError('not_found');
  const photos = await problemPhotos(ctx, problemId);
  return {
    problem: {
      id: row.id,
      title: row.title,
      description: row.description,
      category_id: row.category_id,
      territory_id: row.territory_id,
      address: row.address,
      latitude: row.latitude,
      longitude: row.longitude,
      author_id: row.author_id,
      status: row.status,
      created_at: row.created_at,
      updated_at: row.updated_at,
      solved_at: row.solved_at,
      solved_by: row.solved_by,
      solved_note: row.solved_note,
    },
    category: { id: row.category_id, slug: row.category_slug, name_ru: row.category_ru, name_en: row.category_en },
    territory: { id: row.territory_id, oktmo: row.territory_oktmo, name: row.territory_name, name_en: row.territory_name_en },
    region: row.region_oktmo && row.region_name ? { oktmo: row.region_oktmo, name: row.region_name, name_en: row.region_name_en } : null,
    authorName: row.author_first_name && row.author_surname ? publicName(row.author_first_name, row.author_surname) : null,
    solvedByName: row.solved_by_first_name && row.solved_by_surname ? publicName(row.solved_by_first_name, row.solved_by_surname) : null,
    photos,
    counts: { comments: row.comments, followers: row.followers, signatures: row.signatures },
  };
}

export interface ProblemListItem {
  id: number;
  title: string;
  status: ProblemStatus;
  created_at: Date;
  updated_at: Date;
  solved_at: Date | null;
  category_id: number;
  category_slug: string;
  category_ru: string;
  category_en: string;
  territory_id: number;
  territory_name: string;
  territory_oktmo: string;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  excerpt: string;
  author_name: string | null;
  photos: number;
  signatures: number;
  recent_signatures: number;
  /** Where the latest public appeal stands (a subquery of this listing's one query), null before the first. */
  latest_appeal_status: AppealStatus | null;
  /** The organizations holding it «на контроль» now. */
  controlled_by: ProblemController[];
}

export interface ProblemFilter {
  territoryOktmo?: string | undefined;
  categorySlug?: string | undefined;
  organizationSlug?: string | undefined;
  /** The same filter as organizationSlug, for a caller that has the organization (its page). */
  organizationId?: number | undefined;
  status?: ProblemStatus | undefined;
  search?: string | undefined;
  /** Only problems with a point on the map. */
  withPoint?: boolean | undefined;
  /** Only these problems (the ones an organization holds «на контроль»). */
  ids?: readonly number[] | undefined;
  sort: ProblemSort;
  limit: number;
  /** Rows to skip (the old `?page=N` links); a cursor is cheaper: it starts where the last page ended. */
  offset: number;
  /** The page after this cursor (a «next» link), or the one before it (a «previous» link). Of the listing's own sort. */
  after?: ListingCursor | undefined;
  before?: ListingCursor | undefined;
  /** false: no count (a preview that only needs to know whether there is more asks for one row more); total is then the rows' number. */
  withTotal?: boolean | undefined;
}

export interface ProblemListing {
  items: ProblemListItem[];
  /** Exact up to listingCountCap; past it listingCountCap, with totalCapped: «более 10 000». */
  total: number;
  totalCapped: boolean;
  /** Where the pages after and before this one start (null: there is none). */
  next: ListingCursor | null;
  previous: ListingCursor | null;
}

/** A time as the cursor keeps it (microseconds since 1970, exact), and back. */
const micros = (column: Expression<Date | null>) => sql<string | null>`(extract(epoch from ${column}) * 1000000)::bigint::text`;
const fromMicros = (value: number) => sql`(timestamptz 'epoch' + ${value}::bigint * interval '1 microsecond')`;

/**
 * A listing's order, keys and cursor condition; `alias` names the table (the region's merge orders its branches' rows
 * again). Descending for the listing, ascending to read a «previous» page backwards.
 */
function listingOrder(sort: ProblemSort, alias: string, descending: boolean) {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  const direction = sql.raw(descending ? 'desc' : 'asc');
  if (sort === 'resonant') return sql`${column('support_recent')} ${direction}, ${column('support_signatures')} ${direction}, ${column('id')} ${direction}`;
  if (sort === 'solved') return sql`${column('solved_at')} ${sql.raw(descending ? 'desc nulls last' : 'asc nulls first')}, ${column('id')} ${direction}`;
  return sql`${column('created_at')} ${direction}, ${column('id')} ${direction}`;
}

/** The columns a page's candidates carry: the id and the sort's keys, nothing more (the territory index then answers alone). */
function keyColumns(sort: ProblemSort) {
  if (sort === 'resonant') return sql`p.id, p.support_recent, p.support_signatures`;
  if (sort === 'solved') return sql`p.id, p.solved_at`;
  return sql`p.id, p.created_at`;
}

/**
 * The page's candidates with their cursor's time in microseconds, computed for those rows alone: computed as the rows
 * are read, it was most of a deep page's work (11 of 19 ms for the 20,000 rows an old ?page=1000 skips).
 */
function withCursorKeys(sort: ProblemSort, candidates: RawBuilder<Candidate>, forward: boolean): RawBuilder<Candidate> {
  const keys =
    sort === 'resonant'
      ? sql`y.*`
      : sort === 'solved'
        ? sql`y.*, ${micros(sql.ref('y.solved_at'))} as solved_micros`
        : sql`y.*, ${micros(sql.ref('y.created_at'))} as created_micros`;
  return sql<Candidate>`select ${keys} from (${candidates}) y order by ${listingOrder(sort, 'y', forward)}`;
}

/** Rows past the cursor in the listing's order (`after`), or before it (`before`, read backwards). */
function cursorCondition(cursor: ListingCursor, after: boolean): Expression<SqlBool> {
  const beyond = sql.raw(after ? '<' : '>');
  if (cursor.sort === 'resonant')
    return sql<SqlBool>`(p.support_recent, p.support_signatures, p.id) ${beyond} (${cursor.recent}, ${cursor.signatures}, ${cursor.id})`;
  if (cursor.sort === 'new') return sql<SqlBool>`(p.created_at, p.id) ${beyond} (${fromMicros(cursor.createdMicros)}, ${cursor.id})`;
  // Solved: the unsolved come last, by id.
  if (cursor.solvedMicros === null)
    return after ? sql<SqlBool>`(p.solved_at is null and p.id < ${cursor.id})` : sql<SqlBool>`(p.solved_at is not null or p.id > ${cursor.id})`;
  return after
    ? sql<SqlBool>`((p.solved_at, p.id) < (${fromMicros(cursor.solvedMicros)}, ${cursor.id}) or p.solved_at is null)`
    : sql<SqlBool>`(p.solved_at, p.id) > (${fromMicros(cursor.solvedMicros)}, ${cursor.id})`;
}

interface Candidate {
  id: number;
  created_micros?: string;
  solved_micros?: string | null;
  support_recent?: number;
  support_signatures?: number;
}

function cursorOf(sort: ProblemSort, row: Candidate): ListingCursor {
  if (sort === 'resonant') return { sort, recent: Number(row.support_recent), signatures: Number(row.support_signatures), id: row.id };
  if (sort === 'solved') return { sort, solvedMicros: row.solved_micros == null ? null : Number(row.solved_micros), id: row.id };
  return { sort, createdMicros: Number(row.created_micros), id: row.id };
}

/**
 * Listings: by territory (a region includes its municipalities), category, addressee, status; searched in Russian.
 * In two steps, so that no column is read and no subquery run for a row that is not shown: the page's ids in the
 * listing's order from an index (a region's from each municipality's index, merged), then the page's columns. A search
 * finds its matches newest first and ranks the page's (a title's match first) instead of ranking every match before
 * the limit. The total is counted up to listingCountCap.
 */
export async function listProblems(ctx: AppContext, filter: ProblemFilter): Promise<ProblemListing> {
  const [listing] = await listProblemsTogether(ctx, [filter]);
  return listing as ProblemListing;
}

/**
 * Several listings for one page (the home page's three): each picks its page's ids, then the columns of all of them
 * are read in one query and the organizations holding them in another, instead of two queries per listing.
 */
export async function listProblemsTogether<const Filters extends readonly ProblemFilter[]>(
  ctx: AppContext,
  filters: Filters,
): Promise<{ [K in keyof Filters]: ProblemListing }> {
  const pages = await Promise.all(filters.map((filter) => pageOf(ctx, filter)));
  const byRank = new Map<string, number[]>();
  for (const page of pages) byRank.set(page.rankBy, [...(byRank.get(page.rankBy) ?? []), ...page.ids]);
  const read = await Promise.all([...byRank].map(([rankBy, ids]) => pageItems(ctx, [...new Set(ids)], rankBy)));
  const items = new Map(read.flat().map((item) => [item.id, item]));
  const controls = await ctx.ports.problems.officials.controls(ctx, [...items.keys()]);
  const listings = pages.map(({ ids, rankBy, ...listing }) => {
    const rows = ids.flatMap((id) => {
      const item = items.get(id);
      return item ? [{ ...item, controlled_by: controls.get(id) ?? [] }] : [];
    });
    // A search's page goes by its rank, then by the listing's order (pageItems ranked it; keep that per listing).
    if (rankBy) {
      const position = new Map(ids.map((id, index) => [id, index]));
      rows.sort((a, b) => b.rank - a.rank || (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
    }
    return { ...listing, items: rows.map(({ rank: _rank, ...item }) => item) };
  });
  return listings as { [K in keyof Filters]: ProblemListing };
}

interface PickedPage extends Omit<ProblemListing, 'items'> {
  ids: number[];
  rankBy: string;
}

/** The conditions on `p` (problems) of a listing's filters, and its municipalities; null when nothing can match. */
export type ListingFilters = Pick<
  ProblemFilter,
  'territoryOktmo' | 'categorySlug' | 'organizationSlug' | 'organizationId' | 'status' | 'search' | 'withPoint' | 'ids'
>;
export async function listingConditions(
  ctx: AppContext,
  filter: ListingFilters,
): Promise<{ conditions: Expression<SqlBool>[]; search: string; territoryIds: number[] | null } | null> {
  const conditions: Expression<SqlBool>[] = [
    // Literals, not parameters: the planner then proves the predicates of the partial indexes (migrations 0015, 0032, 0033).
    sql<SqlBool>`p.status in (${sql.join(listedStatuses.map((status) => sql.lit(status)))})`,
  ];
  // A literal too: problems_resonant_idx holds the open problems, problems_solved_idx the solved ones.
  if (filter.status) {
    if (!(listedStatuses as readonly string[]).includes(filter.status)) return null;
    conditions.push(sql<SqlBool>`p.status = ${sql.lit(filter.status)}`);
  }
  if (filter.categorySlug) conditions.push(sql<SqlBool>`p.category_id = ${categoryIdBySlug(filter.categorySlug)}`);
  if (filter.organizationSlug) conditions.push(ctx.ports.problems.appeals.addressedTo(sql.ref('p.id'), filter.organizationSlug));
  if (filter.organizationId !== undefined) conditions.push(ctx.ports.problems.appeals.addressedTo(sql.ref('p.id'), { id: filter.organizationId }));
  if (filter.withPoint) conditions.push(sql<SqlBool>`p.latitude is not null`);
  if (filter.ids) conditions.push(filter.ids.length ? sql<SqlBool>`p.id = any(${[...filter.ids]}::int[])` : sql<SqlBool>`false`);
  const search = filter.search ? normalizeSearch(filter.search) : '';
  if (search) conditions.push(sql<SqlBool>`p.search @@ websearch_to_tsquery('russian', ${search})`);
  const territoryIds = filter.territoryOktmo ? await territoryIdsWithin(ctx.db, filter.territoryOktmo) : null;
  if (territoryIds && territoryIds.length === 0) return null;
  return { conditions, search, territoryIds };
}

/** A listing's page of ids (in its order), its cursors and its count. */
async function pageOf(ctx: AppContext, filter: ProblemFilter): Promise<PickedPage> {
  const matching = await listingConditions(ctx, filter);
  if (!matching) return { ids: [], rankBy: '', total: 0, totalCapped: false, next: null, previous: null };
  const { conditions, search, territoryIds } = matching;
  const single = territoryIds?.length === 1 ? territoryIds[0] : undefined;
  if (single !== undefined) conditions.push(sql<SqlBool>`p.territory_id = ${single}`);

  const { sort, limit } = filter;
  const cursor = filter.before ?? filter.after;
  const forward = filter.before === undefined;
  const offset = cursor ? 0 : filter.offset;
  // A region's first pages and its pages by cursor merge its municipalities' lists, each read from its own index. An
  // old deep `?page=N` link of the newest first would read offset + 20 rows of each of them: it walks the listed
  // problems from the newest instead (problems_listed_created_idx carries the territory, migration 0051), or the
  // planner sorts the region's rows when it holds few of them.
  const merged = territoryIds !== null && single === undefined && (offset === 0 || sort !== 'new');
  const walked = territoryIds !== null && single === undefined && !merged ? [sql<SqlBool>`p.territory_id = any(${territoryIds}::int[])`] : [];
  const where = sql.join([...conditions, ...walked, ...(cursor ? [cursorCondition(cursor, forward)] : [])], sql` and `);
  const wanted = limit + 1;
  const candidates = withCursorKeys(
    sort,
    merged
      ? sql<Candidate>`select x.* from unnest(${territoryIds}::int[]) as tid(id) cross join lateral (
          select ${keyColumns(sort)} from problems p where p.territory_id = tid.id and ${where}
          order by ${listingOrder(sort, 'p', forward)} limit ${offset + wanted}) x
        order by ${listingOrder(sort, 'x', forward)} limit ${wanted} offset ${offset}`
      : sql<Candidate>`select ${keyColumns(sort)} from problems p where ${where}
        order by ${listingOrder(sort, 'p', forward)} limit ${wanted} offset ${offset}`,
    forward,
  );
  const counted = sql.join(
    [...conditions, ...(territoryIds && single === undefined ? [sql<SqlBool>`p.territory_id = any(${territoryIds}::int[])`] : [])],
    sql` and `,
  );
  const countQuery = sql<{ n: number }>`select count(*)::int as n from (select from problems p where ${counted} limit ${listingCountCap + 1}) matches`;
  const [found, total] = await Promise.all([candidates.execute(ctx.db), filter.withTotal === false ? null : listingCount(ctx, countQuery)]);
  const more = found.rows.length > limit;
  const page = forward ? found.rows.slice(0, limit) : found.rows.slice(0, limit).reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const next = last && (forward ? more : true) ? cursorOf(sort, last) : null;
  const previous = first && (forward ? cursor !== undefined || offset > 0 : more) ? cursorOf(sort, first) : null;
  const ids = page.map((row) => row.id);
  const counts = total ?? offset + ids.length + (more ? 1 : 0);
  return {
    ids,
    rankBy: search && sort === 'new' ? search : '',
    total: Math.min(counts, listingCountCap),
    totalCapped: counts > listingCountCap,
    next,
    previous,
  };
}

/**
 * A listing's capped count. Counting up to the cap reads up to 10,001 index entries, or rows for a search (13–20 ms at
 * 200,000 problems): a count of a thousand or more is kept for 30 seconds in this process (core/db/kept-counts.ts),
 * since «более 10 000» or «4 512» a few seconds old tells the reader as much.
 */
async function listingCount(ctx: AppContext, query: RawBuilder<{ n: number }>): Promise<number> {
  const compiled = query.compile(ctx.db);
  return keptCount(ctx.db, `problems ${compiled.sql} ${JSON.stringify(compiled.parameters)}`, { seconds: 30, keepFrom: 1000 }, async () =>
    Number((await query.execute(ctx.db)).rows[0]?.n ?? 0),
  );
}

/**
 * What a page makes of a listing's cards for every reader (the organization page's problems), kept between readers
 * (core/db/kept-reads.ts): made again as soon as this process writes a table the cards show — the problems (their
 * status, text, support counts), their appeals, categories, territories, the organizations holding them «на
 * контроль» — and at least every keptReadMs (2 s) for another process's changes. The cards show no author and no
 * photo, so users and photos are not among them.
 */
export function keptWithListing<T>(ctx: AppContext, key: string, make: () => Promise<T>): Promise<T> {
  const { appeals, officials } = ctx.ports.problems;
  return keptRead(
    ctx.db,
    `problems.listing:${key}`,
    ['problems', ...categoryReads, ...territoryReads, ...appeals.listingReads, ...officials.controlsReads],
    make,
  );
}

/**
 * What a page makes of a problem's discussion for every visitor who is not signed in, kept between readers
 * (core/db/kept-reads.ts): made again as soon as this process writes the comments (a new one, an edit, a moderator's
 * hiding) or the people named as their authors, and at least every keptReadMs (2 s) for another process's changes.
 */
export function keptWithComments<T>(ctx: AppContext, key: string, make: () => Promise<T>): Promise<T> {
  return keptRead(ctx.db, `problems.comments:${key}`, ['comments', ...userNameReads], make);
}

/**
 * What a problem's page shows every visitor who is not signed in (its details, appeals, timeline, discussion and the
 * organizations holding it «на контроль»), kept between them like keptWithComments: made again as soon as this
 * process writes any table those parts are read from, and at least every keptReadMs (2 s) for another process's.
 */
export function keptWithProblemPage<T>(ctx: AppContext, key: string, make: () => Promise<T>): Promise<T> {
  const { appeals, officials } = ctx.ports.problems;
  return keptRead(
    ctx.db,
    `problems.page:${key}`,
    [
      'problems',
      'comments',
      'problem_follows',
      'problem_photos',
      'problem_events',
      ...userNameReads,
      ...categoryReads,
      ...territoryReads,
      ...appeals.pageReads,
      ...officials.controlsReads,
    ],
    make,
  );
}

/** The columns of these problems (their rank for the search `rankBy`), in no order; the organizations holding them are the caller's. */
async function pageItems(ctx: AppContext, ids: number[], rankBy: string): Promise<(Omit<ProblemListItem, 'controlled_by'> & { rank: number })[]> {
  if (ids.length === 0) return [];
  const { latestStatus } = ctx.ports.problems.appeals;
  const rows = await ctx.db
    .selectFrom('problems as p')
    .innerJoin(categoryDisplayColumns(ctx.db).as('c'), 'c.id', 'p.category_id')
    .innerJoin(territoryDisplayColumns(ctx.db).as('t'), 't.id', 'p.territory_id')
    .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 'p.author_id')
    .select([
      'p.id',
      'p.title',
      'p.status',
      'p.created_at',
      'p.updated_at',
      'p.solved_at',
      'p.category_id',
      'c.slug as category_slug',
      'c.name_ru as category_ru',
      'c.name_en as category_en',
      'p.territory_id',
      't.name as territory_name',
      't.oktmo as territory_oktmo',
      'p.latitude',
      'p.longitude',
      'p.address',
      sql<string>`left(p.description, 400)`.as('description_start'),
      'u.first_name as author_first_name',
      'u.surname as author_surname',
      sql<number>`(select count(*) from problem_photos ph where ph.problem_id = p.id)::int`.as('photos'),
      // The support counts the signature fold keeps on the problem (appeals.counts.ts): about a second behind signing.
      'p.support_signatures as signatures',
      'p.support_recent as recent_signatures',
      latestStatus(sql.ref('p.id')).as('latest_appeal_status'),
      (rankBy ? sql<number>`ts_rank(p.search, websearch_to_tsquery('russian', ${rankBy}))` : sql<number>`0`).as('rank'),
    ])
    .where(sql<SqlBool>`p.id = any(${ids}::int[])`)
    .execute();
  return rows.map(({ description_start, author_first_name, author_surname, ...row }) => ({
    ...row,
    rank: Number(row.rank),
    excerpt: excerpt(description_start, 380),
    author_name: author_first_name && author_surname ? publicName(author_first_name, author_surname) : null,
  })) as (Omit<ProblemListItem, 'controlled_by'> & { rank: number })[];
}

export interface SimilarProblem {
  id: number;
  title: string;
  territory_name: string;
  signatures: number;
  score: number;
}

/**
 * Open problems like the one being written, in the same municipality (or region): full-text match on
 * title and description, or a similar title by trigrams — so people join instead of duplicating.
 */
export async function similarProblems(
  ctx: AppContext,
  draft: { title: string; description: string; territoryId: number | null },
  limit = 5,
): Promise<SimilarProblem[]> {
  const title = draft.title.trim().slice(0, 200);
  if (title.length < 3 || draft.territoryId === null || draft.territoryId <= 0 || draft.territoryId > 2_147_483_647) return [];
  // Words only: websearch syntax (quotes, a leading minus) typed in a description must not change the query's meaning.
  const words = normalizeSearch(`${title} ${draft.description.slice(0, 2000)}`)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 3)
    .slice(0, 12);
  const text = words.join(' or ');
  const rows = await sql<SimilarProblem>`
    select p.id, p.title, t.name as territory_name,
      ${ctx.ports.problems.appeals.signatureCount(sql.ref('p.id'))} as signatures,
      greatest(similarity(p.title, ${title}), ts_rank(p.search, websearch_to_tsquery('russian', ${text}))) as score
    from problems p join ${territoryDisplayColumns(ctx.db)} t on t.id = p.territory_id
    where p.status = 'open' and p.territory_id = ${draft.territoryId}
      and (p.title % ${title} or p.search @@ websearch_to_tsquery('russian', ${text}))
    order by score desc, p.id desc
    limit ${limit}`.execute(ctx.db);
  return rows.rows.map((row) => ({ ...row, score: Number(row.score) }));
}

export async function follow(ctx: AppContext, asker: Actor | null, problemId: number, following: boolean): Promise<void> {
  const problem = await getProblemRow(ctx, problemId);
  if (problem.status === 'hidden') throw new DomainError('not_found');
  const actor = authorize(asker, 'problem.follow');
  if (following) {
    await ctx.db
      .insertInto('problem_follows')
      .values({ user_id: actor.id, problem_id: problemId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  } else {
    await ctx.db.deleteFrom('problem_follows').where('user_id', '=', actor.id).where('problem_id', '=', problemId).execute();
  }
}

export async function isFollowing(ctx: AppContext, userId: number, problemId: number): Promise<boolean> {
  return (
    (await ctx.db.selectFrom('problem_follows').select('user_id').where('user_id', '=', userId).where('problem_id', '=', problemId).executeTakeFirst()) !==
    undefined
  );
}

export async function followerCount(ctx: AppContext, problemId: number): Promise<number> {
  const row = await ctx.db
    .selectFrom('problem_follows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('problem_id', '=', problemId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function getPhoto(ctx: AppContext, problemId: number, position: number, size: 'full' | 'thumbnail') {
  if (!isRowId(problemId) || !Number.isInteger(position) || position < 0 || position > 1000) {
    throw new DomainError('not_found');
  }
  const photo = await ctx.db
    .selectFrom('problem_photos as ph')
    .innerJoin('problems as p', 'p.id', 'ph.problem_id')
    .select(['ph.id', 'ph.image', 'ph.thumbnail', 'ph.content_type', 'ph.thumbnail_content_type', 'p.status'])
    .where('ph.problem_id', '=', problemId)
    .where('ph.position', '=', position)
    .executeTakeFirst();
  if (!photo || photo.status === 'hidden') throw new DomainError('not_found');
  // A photo at a position is never replaced, so its row id names its bytes.
  const etag = `"photo-${photo.id}-${size}"`;
  return size === 'full'
    ? { bytes: photo.image, contentType: photo.content_type, etag }
    : { bytes: photo.thumbnail, contentType: photo.thumbnail_content_type, etag };
}

export async function problemPhotos(ctx: AppContext, problemId: number) {
  return ctx.db
    .selectFrom('problem_photos')
    .select(['position', 'width', 'height', 'content_type'])
    .where('problem_id', '=', problemId)
    .orderBy('position')
    .execute();
}

/**
 * The timeline of a problem as `viewerId` may see it, oldest first: a draft appeal's events are its
 * author's alone. Events about an appeal carry its title, status and author (the appeals module tells them).
 */
export async function problemEvents(ctx: AppContext, problemId: number, viewerId: number | null) {
  const rows = await ctx.db
    .selectFrom('problem_events as e')
    .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 'e.actor_id')
    .select(['e.id', 'e.kind', 'e.appeal_id', 'e.data', 'e.created_at', 'u.first_name', 'u.surname'])
    .where('e.problem_id', '=', problemId)
    .orderBy('e.id')
    .execute();
  const appealIds = [...new Set(rows.flatMap((row) => (row.appeal_id === null ? [] : [row.appeal_id])))];
  const appeals = appealIds.length > 0 ? await ctx.ports.problems.appeals.byIds(ctx, appealIds) : new Map<number, EventAppeal>();
  return rows
    .map((row) => {
      const appeal = row.appeal_id === null ? undefined : appeals.get(row.appeal_id);
      return { ...row, appeal_title: appeal?.title ?? null, appeal_status: appeal?.status ?? null, appeal_author_id: appeal?.author_id ?? null };
    })
    .filter((event) => event.appeal_status !== 'draft' || (viewerId !== null && event.appeal_author_id === viewerId));
}

export type ProblemEvent = Awaited<ReturnType<typeof problemEvents>>[number];

export interface CommentItem {
  id: number;
  parent_id: number | null;
  /** Not shown or sent anywhere: the page uses it to offer a report about the author, never to someone who is he. */
  author_id: number | null;
  author_name: string | null;
  /** Safe HTML rendered from the Markdown source when it was written; empty when moderation hid it. */
  html: string;
  body: string;
  created_at: Date;
  hidden: boolean;
  /** Why moderation hid it, shown in its place (null for a comment hidden before reasons were kept). */
  hiddenReason: string | null;
}

/** The discussion of a problem, oldest first; the page builds the threads from parent ids. */
export async function listComments(ctx: AppContext, problemId: number): Promise<CommentItem[]> {
  const rows = await ctx.db
    .selectFrom('comments as c')
    .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 'c.author_id')
    .select(['c.id', 'c.parent_id', 'c.author_id', 'c.body', 'c.html', 'c.created_at', 'c.hidden_at', 'c.hidden_reason', 'u.first_name', 'u.surname'])
    .where('c.problem_id', '=', problemId)
    .orderBy('c.id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    parent_id: row.parent_id,
    author_id: row.author_id,
    author_name: row.first_name && row.surname ? publicName(row.first_name, row.surname) : null,
    html: row.hidden_at ? '' : row.html,
    body: row.hidden_at ? '' : row.body,
    created_at: row.created_at,
    hidden: row.hidden_at !== null,
    hiddenReason: row.hidden_at ? row.hidden_reason : null,
  }));
}

/** A verified citizen comments on a visible problem, or replies to a comment of the same problem. */
export async function addComment(
  ctx: AppContext,
  asker: Actor | null,
  problemId: number,
  input: { body: string; parentId: number | null; acknowledgeWarnings?: boolean },
): Promise<CommentItem> {
  const actor = authorize(asker, 'comment.create');
  const problem = await getProblemRow(ctx, problemId);
  if (problem.status === 'hidden') throw new DomainError('not_found');
  const checks = new FieldChecks();
  checkComment(checks, input.body);
  const body = input.body.trim();
  const html = checks.problems.length === 0 ? renderMarkdown(body) : '';
  if (checks.problems.length === 0 && !html) checks.add('body', 'required');
  if (input.parentId !== null) {
    const parent =
      input.parentId > 0 && input.parentId <= 2_147_483_647
        ? await ctx.db
            .selectFrom('comments')
            .select(['id', 'hidden_at'])
            .where('id', '=', input.parentId)
            .where('problem_id', '=', problemId)
            .executeTakeFirst()
        : undefined;
    if (!parent || parent.hidden_at) checks.add('parentId', 'unknownComment');
  }
  checks.throwIfAny();
  refuseProhibitedLanguage({ body }, input.acknowledgeWarnings === true);
  // Read before the transaction: on the embedded database a read outside it would wait for it to end.
  const author = await getUser(ctx, actor.id);
  return ctx.db.transaction().execute(async (trx) => {
    const comment = await trx
      .insertInto('comments')
      .values({ problem_id: problemId, parent_id: input.parentId, author_id: actor.id, body, html })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId,
      kind: 'comment.created',
      actorId: actor.id,
      data: { commentId: comment.id, ...(input.parentId ? { parentId: input.parentId } : {}) },
    });
    return {
      id: comment.id,
      parent_id: comment.parent_id,
      author_id: actor.id,
      author_name: publicName(author.first_name, author.surname),
      html: comment.html,
      body: comment.body,
      created_at: comment.created_at,
      hidden: false,
      hiddenReason: null,
    };
  });
}

/** Who follows the problem (the people told about its appeals). */
export async function followerIds(executor: Executor, problemId: number): Promise<number[]> {
  const rows = await executor.selectFrom('problem_follows').select('user_id').where('problem_id', '=', problemId).execute();
  return rows.map((row) => row.user_id);
}

/** The problems a person follows, newest follow first (their notification settings list them). */
export async function followedProblems(ctx: AppContext, userId: number): Promise<{ id: number; title: string }[]> {
  return ctx.db
    .selectFrom('problem_follows as f')
    .innerJoin('problems as p', 'p.id', 'f.problem_id')
    .select(['p.id', 'p.title'])
    .where('f.user_id', '=', userId)
    .where('p.status', '<>', 'hidden')
    .orderBy('f.created_at', 'desc')
    .execute();
}

/** Titles of these problems (hidden ones included: a person may still have a choice recorded for one). */
export async function problemTitles(ctx: AppContext, problemIds: readonly number[]): Promise<Map<number, string>> {
  if (problemIds.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('problems')
    .select(['id', 'title'])
    .where('id', '=', sql<number>`any(${[...problemIds]}::integer[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, row.title]));
}

/**
 * A topic was renamed: the problems of that topic are found by its new name. Their search words end with the
 * topic's Russian name (problemColumns writes it last), so the old name at the end is replaced in one statement.
 */
/**
 * A territory was renamed: the problems in it, and in its municipalities when it is a federal subject, are found
 * by its new name. Their search words start with the place names (the territory's, then its parent's:
 * problemColumns writes them first), so for each territory named in `changes` the old words at the start are
 * replaced by the new ones in one statement.
 */
export async function renameTerritoryInSearch(trx: Executor, changes: readonly { territoryId: number; before: string; after: string }[]): Promise<void> {
  for (const { territoryId, before, after } of changes) {
    await sql`update problems set search_places = ${after} || substr(search_places, length(${before}) + 1)
      where territory_id = ${territoryId} and left(search_places, length(${before})) = ${before}`.execute(trx);
  }
}

export async function renameCategoryInSearch(trx: Executor, categoryId: number, before: string, after: string): Promise<void> {
  await sql`update problems set search_places = left(search_places, length(search_places) - length(${before})) || ${after}
    where category_id = ${categoryId} and right(search_places, length(${before})) = ${before}`.execute(trx);
}

export interface ProblemSupport {
  problemId: number;
  signatures: number;
  recent: number;
}

/**
 * The support counts the resonant sort reads, as the signature fold and the nightly recount find them (appeals.counts.ts):
 * never written by signing, so no signature waits for a problem's row. Only changed rows are written. With `resetOthers`,
 * every problem not in `support` gets zero (the recount lists every problem that has signatures).
 */
export async function setProblemSupport(trx: Executor, support: readonly ProblemSupport[], options: { resetOthers?: boolean } = {}): Promise<void> {
  const ids = support.map((row) => row.problemId);
  if (ids.length > 0) {
    await sql`update problems p set support_signatures = s.signatures, support_recent = s.recent
      from unnest(${ids}::int[], ${support.map((row) => row.signatures)}::int[], ${support.map((row) => row.recent)}::int[]) as s(id, signatures, recent)
      where p.id = s.id and (p.support_signatures, p.support_recent) is distinct from (s.signatures, s.recent)`.execute(trx);
  }
  if (options.resetOthers) {
    await sql`update problems set support_signatures = 0, support_recent = 0
      where (support_signatures <> 0 or support_recent <> 0) and id <> all(${ids}::int[])`.execute(trx);
  }
}
