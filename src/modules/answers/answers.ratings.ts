/**
 * Organization ratings: the counts each organization's rating is made of (answers.ratings.rules.ts has the
 * formula), kept in `organization_stats` by the transaction of the event that changes them — an answer
 * published, an appeal marked overdue, an appeal closed after its review or closed without an answer — and
 * recounted from the appeals and their ratings every night, which logs any difference it finds and fixes it.
 * Pages read one row per organization; nothing here scans appeals on a page view.
 */

import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { type AppContext, stateSlot } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, OrganizationKind, OrganizationStats } from '../../core/db/schema.ts';
import { localDate } from '../appeals/appeals.deadlines.ts';
import { appealsForStats } from '../appeals/appeals.service.ts';
import { organizationById, organizationIdsWhere, organizationLabels } from '../organizations/organizations.service.ts';
import { timeZoneOf, timeZonesOf } from '../territories/territories.service.ts';
import {
  addToHistogram,
  answerDaysBucket,
  countDifferences,
  emptyCounts,
  type OrganizationRating,
  type OrganizationStatsCounts,
  type RatingParameters,
  ratingOf,
} from './answers.ratings.rules.ts';

type CountsRow = Pick<OrganizationStats, keyof OrganizationStatsCounts>;
const countColumns = Object.keys(emptyCounts()) as (keyof OrganizationStatsCounts)[];

/** The organization's counts under a row lock (created at zero the first time), for a change in this transaction. */
async function lockedCounts(trx: Executor, organizationId: number): Promise<OrganizationStatsCounts> {
  await trx
    .insertInto('organization_stats')
    .values({ organization_id: organizationId })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  const row = await trx
    .selectFrom('organization_stats')
    .select(countColumns)
    .where('organization_id', '=', organizationId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row as CountsRow;
}

/**
 * How many times this process changed the stats: a league snapshot (below) made before the latest change is not
 * served again. A module global, not app state, because the counting functions get only the transaction; an app
 * of the same process (tests build many) at worst rebuilds its snapshot once more than it had to.
 */
let statsChanges = 0;

async function saveCounts(trx: Executor, organizationId: number, counts: OrganizationStatsCounts, at: Date): Promise<void> {
  statsChanges += 1;
  await trx
    .updateTable('organization_stats')
    .set({ ...counts, updated_at: at })
    .where('organization_id', '=', organizationId)
    .execute();
}

/** The month an instant falls in, in the organization's zone: '2026-03-01'. */
const monthOf = (instant: Date, timeZone: string) => `${localDate(instant, timeZone).slice(0, 7)}-01`;

async function addToMonth(trx: Executor, organizationId: number, month: string, column: 'on_time' | 'late' | 'unanswered'): Promise<void> {
  statsChanges += 1;
  await trx
    .insertInto('organization_monthly_stats')
    .values({ organization_id: organizationId, month, [column]: 1 })
    .onConflict((conflict) =>
      conflict.columns(['organization_id', 'month']).doUpdateSet((eb) => ({ [column]: eb(`organization_monthly_stats.${column}`, '+', 1) })),
    )
    .execute();
}

async function logChange(trx: Executor, appeal: Pick<Appeal, 'id' | 'organization_id'>, kind: 'answered' | 'overdue' | 'closed' | 'unanswered', at: Date) {
  await trx.insertInto('organization_stat_changes').values({ organization_id: appeal.organization_id, appeal_id: appeal.id, kind, created_at: at }).execute();
}

/** Whether an answer at `answeredAt` came by the due date (an appeal without a known due date counts as on time). */
const onTime = (appeal: Pick<Appeal, 'answer_due_at'>, answeredAt: Date) => appeal.answer_due_at === null || answeredAt <= appeal.answer_due_at;

/** An answer was published: answered, on time or late, its time from sending; an overdue appeal is overdue no more. */
export async function countAnswer(trx: Executor, appeal: Appeal, answeredAt: Date): Promise<void> {
  const counts = await lockedCounts(trx, appeal.organization_id);
  counts.answered += 1;
  if (onTime(appeal, answeredAt)) counts.answered_on_time += 1;
  counts.answer_days = addToHistogram(counts.answer_days, answerDaysBucket(appeal.sent_at ?? answeredAt, answeredAt));
  if (appeal.answer_overdue_at) counts.overdue_open -= 1;
  await saveCounts(trx, appeal.organization_id, counts, answeredAt);
  const organization = await organizationById(trx, appeal.organization_id);
  await addToMonth(
    trx,
    appeal.organization_id,
    monthOf(answeredAt, await timeZoneOf(trx, organization.territory_id)),
    onTime(appeal, answeredAt) ? 'on_time' : 'late',
  );
  await logChange(trx, appeal, 'answered', answeredAt);
}

/** The appeal's answer term passed with no answer (the overdue sweep, through the appeals ports). */
export async function countOverdue(trx: Executor, appeal: Pick<Appeal, 'id' | 'organization_id'>, at: Date): Promise<void> {
  const counts = await lockedCounts(trx, appeal.organization_id);
  counts.overdue_open += 1;
  await saveCounts(trx, appeal.organization_id, counts, at);
  await logChange(trx, appeal, 'overdue', at);
}

/**
 * The addressee forwarded the appeal to the competent body (59-FZ Art. 8 p. 3): the answer is the competent body's
 * now (the next appeal of the chain, counted for it as any other), so for the forwarding body the appeal is neither
 * answered nor unanswered; one marked overdue is an open overdue one no more. The nightly recount agrees: it counts
 * a forwarded appeal nowhere.
 */
export async function countForwarded(trx: Executor, appeal: Pick<Appeal, 'id' | 'organization_id' | 'answer_overdue_at'>, at: Date): Promise<void> {
  if (!appeal.answer_overdue_at) return;
  const counts = await lockedCounts(trx, appeal.organization_id);
  counts.overdue_open -= 1;
  await saveCounts(trx, appeal.organization_id, counts, at);
}

/** The review closed: the verdict, and the ratings it froze. */
export async function countClose(
  trx: Executor,
  appeal: Pick<Appeal, 'id' | 'organization_id'>,
  outcome: 'resolved' | 'partly' | 'unresolved' | null,
  ratings: { scoreCounts: readonly number[] },
  at: Date,
): Promise<void> {
  const counts = await lockedCounts(trx, appeal.organization_id);
  counts.closed += 1;
  if (outcome) counts[outcome] += 1;
  else counts.no_verdict += 1;
  counts.score_counts = counts.score_counts.map((count, index) => count + (ratings.scoreCounts[index] ?? 0));
  counts.rating_count += ratings.scoreCounts.reduce((sum, count) => sum + count, 0);
  counts.rating_sum += ratings.scoreCounts.reduce((sum, count, index) => sum + count * (index + 1), 0);
  await saveCounts(trx, appeal.organization_id, counts, at);
  await logChange(trx, appeal, 'closed', at);
}

/** Closed without an answer: unanswered, and no longer an open overdue one. */
export async function countUnanswered(trx: Executor, appeal: Appeal, at: Date): Promise<void> {
  const counts = await lockedCounts(trx, appeal.organization_id);
  counts.unanswered += 1;
  if (appeal.answer_overdue_at) counts.overdue_open -= 1;
  await saveCounts(trx, appeal.organization_id, counts, at);
  const organization = await organizationById(trx, appeal.organization_id);
  await addToMonth(trx, appeal.organization_id, monthOf(at, await timeZoneOf(trx, organization.territory_id)), 'unanswered');
  await logChange(trx, appeal, 'unanswered', at);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The formula's parameters now: m and the minimum from the settings, C from every organization's ratings. */
export async function ratingParameters(ctx: AppContext, executor: Executor = ctx.db): Promise<RatingParameters> {
  const totals = await executor
    .selectFrom('organization_stats')
    .select((eb) => [eb.fn.sum<number>('rating_sum').as('sum'), eb.fn.sum<number>('rating_count').as('count')])
    .executeTakeFirst();
  const count = Number(totals?.count ?? 0);
  return {
    priorRatings: ctx.config.ratingPriorRatings,
    overallMean: count > 0 ? Number(totals?.sum ?? 0) / count : 3,
    minimumClosed: ctx.config.ratingMinimumClosed,
  };
}

export interface OrganizationRatingView extends OrganizationRating {
  counts: OrganizationStatsCounts;
  parameters: RatingParameters;
  /** The last 12 months, oldest first: answers on time, late, and appeals closed unanswered. */
  months: { month: string; onTime: number; late: number; unanswered: number }[];
}

/** The last twelve month keys up to `now`'s month, oldest first ('2026-01'). */
export function lastTwelveMonths(now: Date, timeZone: string): string[] {
  const [year, month] = localDate(now, timeZone).split('-').map(Number) as [number, number];
  return Array.from({ length: 12 }, (_, i) => {
    const index = year * 12 + (month - 1) - (11 - i);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

/**
 * An organization's rating, counts and chart. Kept with the league snapshot (its day in the key, for the chart's
 * months): the page of a big body is read by many people at once, and a change of the stats retires it.
 */
export function organizationRating(ctx: AppContext, organizationId: number): Promise<OrganizationRatingView> {
  return withLeagueSnapshot(ctx, `rating:${organizationId}:${ctx.now().toISOString().slice(0, 10)}`, () => readOrganizationRating(ctx, organizationId));
}

async function readOrganizationRating(ctx: AppContext, organizationId: number): Promise<OrganizationRatingView> {
  const organization = await organizationById(ctx.db, organizationId);
  const [row, parameters, timeZone] = await Promise.all([
    ctx.db.selectFrom('organization_stats').select(countColumns).where('organization_id', '=', organizationId).executeTakeFirst(),
    leagueSnapshot(ctx).then((snapshot) => snapshot.parameters),
    timeZoneOf(ctx.db, organization.territory_id),
  ]);
  const months = lastTwelveMonths(ctx.now(), timeZone);
  const monthly = await ctx.db
    .selectFrom('organization_monthly_stats')
    .select((eb) => [eb.fn<string>('to_char', [eb.ref('month'), eb.val('YYYY-MM')]).as('month'), 'on_time', 'late', 'unanswered'])
    .where('organization_id', '=', organizationId)
    .where('month', '>=', sql<Date>`cast(${`${months[0]}-01`} as date)`)
    .execute();
  const byMonth = new Map(monthly.map((entry) => [entry.month, entry]));
  const counts = (row as CountsRow | undefined) ?? emptyCounts();
  return {
    ...ratingOf(counts, parameters),
    counts,
    parameters,
    months: months.map((month) => {
      const entry = byMonth.get(month);
      return { month, onTime: entry?.on_time ?? 0, late: entry?.late ?? 0, unanswered: entry?.unanswered ?? 0 };
    }),
  };
}

/** One organization of a set, as an oversight dashboard compares them: its rating and the last twelve months. */
export interface OrganizationRatingSummary {
  organizationId: number;
  rating: OrganizationRating;
  counts: OrganizationStatsCounts;
  months: OrganizationRatingView['months'];
}

/**
 * The ratings of many organizations at once (a parent body's subordinates): two statements whatever their number,
 * the months in `timeZone` (the parent's). Organizations without stats read as empty.
 */
export async function ratingsOfOrganizations(ctx: AppContext, organizationIds: readonly number[], timeZone: string): Promise<OrganizationRatingSummary[]> {
  if (organizationIds.length === 0) return [];
  const ids = [...new Set(organizationIds)];
  const months = lastTwelveMonths(ctx.now(), timeZone);
  const [rows, monthly, parameters] = await Promise.all([
    ctx.db
      .selectFrom('organization_stats')
      .select([...countColumns, 'organization_id'])
      .where(sql<boolean>`organization_id = any(${ids}::integer[])`)
      .execute(),
    ctx.db
      .selectFrom('organization_monthly_stats')
      .select((eb) => ['organization_id', eb.fn<string>('to_char', [eb.ref('month'), eb.val('YYYY-MM')]).as('month'), 'on_time', 'late', 'unanswered'])
      .where(sql<boolean>`organization_id = any(${ids}::integer[])`)
      .where('month', '>=', sql<Date>`cast(${`${months[0]}-01`} as date)`)
      .execute(),
    leagueSnapshot(ctx).then((snapshot) => snapshot.parameters),
  ]);
  const statsOf = new Map(rows.map((row) => [row.organization_id, row as CountsRow]));
  const monthOf = new Map(monthly.map((entry) => [`${entry.organization_id}:${entry.month}`, entry]));
  return ids.map((organizationId) => {
    const counts = statsOf.get(organizationId) ?? emptyCounts();
    return {
      organizationId,
      rating: ratingOf(counts, parameters),
      counts,
      months: months.map((month) => {
        const entry = monthOf.get(`${organizationId}:${month}`);
        return { month, onTime: entry?.on_time ?? 0, late: entry?.late ?? 0, unanswered: entry?.unanswered ?? 0 };
      }),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// League tables

export const leagueSorts = ['quality', 'timeliness', 'resolution', 'appeals'] as const;
export type LeagueSort = (typeof leagueSorts)[number];

export interface LeagueFilter {
  territoryOktmo?: string | undefined;
  kind?: OrganizationKind | undefined;
  sort: LeagueSort;
  limit: number;
  offset: number;
}

export interface LeagueRow {
  organizationId: number;
  name: string;
  slug: string;
  /** The place among the ranked organizations of this table (null: «недостаточно данных»). */
  position: number | null;
  rating: OrganizationRating;
}

/** A league table's entry as the snapshot keeps it: the counts, the rating, and each part's sort key. */
interface LeagueEntry {
  organizationId: number;
  name: string;
  slug: string;
  ranked: boolean;
  keys: Record<LeagueSort, number | null>;
  rating: OrganizationRating;
}

interface LeagueSnapshot {
  parameters: RatingParameters;
  /** Every listed organization, in each sort's order (made on first use). */
  sorted: Partial<Record<LeagueSort, LeagueEntry[]>>;
  entries: LeagueEntry[];
  /** The listed organizations of a territory and kind ('oktmo|kind'), and what pages made of this snapshot. */
  memo: Map<string, unknown>;
}

/**
 * How long a league snapshot serves readers before it is made again. A change of the stats made by this process is
 * served at once (it retires the snapshot); one made by another process (a worker closing reviews when ROLE is
 * split) within this and the time the next snapshot takes to make (readers keep the last one meanwhile).
 */
export const leagueSnapshotMs = 2_000;

const leagueSlot = stateSlot('answers.leagueSnapshot', () => ({
  current: null as Promise<LeagueSnapshot> | null,
  changes: -1,
  madeAt: 0,
  /** The last snapshot made, with the count of changes when it began. */
  ready: null as { snapshot: LeagueSnapshot; changes: number } | null,
}));

/**
 * Every listed organization's rating and sort keys, read in two queries and kept for `leagueSnapshotMs`: a
 * league page then sorts, filters and slices a few thousand entries in memory instead of asking the database
 * to rank every stats row for every reader. Readers that arrive while the first one, or one after a change, is
 * being made share it; while one is made again for its age alone, they get the last one (at 50 readers, all of
 * them waiting for it every two seconds made the organization page's slowest answers).
 */
function leagueSnapshot(ctx: AppContext): Promise<LeagueSnapshot> {
  const slot = ctx.state.get(leagueSlot);
  if (!slot.current || slot.changes !== statsChanges || performance.now() - slot.madeAt > leagueSnapshotMs) {
    const changes = statsChanges;
    slot.changes = changes;
    slot.madeAt = performance.now();
    const making = makeLeagueSnapshot(ctx);
    slot.current = making;
    making.then(
      (snapshot) => {
        if (slot.current === making) slot.ready = { snapshot, changes };
      },
      () => {
        if (slot.current !== making) return;
        slot.current = null;
        slot.ready = null;
      },
    );
  }
  if (slot.ready && slot.ready.changes === statsChanges) return Promise.resolve(slot.ready.snapshot);
  return slot.current;
}

/**
 * The snapshot: the organizations with any appeal answered or closed (or overdue), each with the formula's parts
 * as sort keys, written as the league's SQL wrote them (quality: (Σscores + m·C)/(v + m), IMDb's weighted rating),
 * in the same IEEE double arithmetic.
 */
async function makeLeagueSnapshot(ctx: AppContext): Promise<LeagueSnapshot> {
  const parameters = await ratingParameters(ctx);
  const { priorRatings: m, overallMean: c, minimumClosed } = parameters;
  const rows = await ctx.db
    .selectFrom('organization_stats as s')
    .select([...countColumns.map((column) => `s.${column}` as const), 's.organization_id'])
    .where((eb) => eb.or([eb('s.answered', '>', 0), eb('s.unanswered', '>', 0), eb('s.overdue_open', '>', 0)]))
    .execute();
  const labels = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const entries = rows.map((row): LeagueEntry => {
    const label = labels.get(row.organization_id);
    return {
      organizationId: row.organization_id,
      name: label?.name ?? '',
      slug: label?.slug ?? '',
      ranked: row.closed + row.unanswered >= minimumClosed,
      keys: {
        quality: row.rating_count > 0 ? (row.rating_sum + m * c) / (row.rating_count + m) : null,
        timeliness: share(row.answered_on_time, row.answered + row.unanswered),
        resolution: share(row.resolved + row.partly, row.resolved + row.partly + row.unresolved + row.unanswered),
        appeals: row.closed + row.unanswered,
      },
      rating: ratingOf(row as CountsRow, parameters),
    };
  });
  return { parameters, entries, sorted: {}, memo: new Map() };
}

/** The ranked organizations first, each group by the key, best first (no key last), then by id. */
function sortedBy(snapshot: LeagueSnapshot, sort: LeagueSort): LeagueEntry[] {
  let sorted = snapshot.sorted[sort];
  if (!sorted) {
    sorted = [...snapshot.entries].sort((a, b) => {
      if (a.ranked !== b.ranked) return a.ranked ? -1 : 1;
      const [x, y] = [a.keys[sort], b.keys[sort]];
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      }
      return a.organizationId - b.organizationId;
    });
    snapshot.sorted[sort] = sorted;
  }
  return sorted;
}

/** The listed organizations in a territory (and within it) and of a kind; every one when neither is given. */
function membersOf(ctx: AppContext, snapshot: LeagueSnapshot, filter: LeagueFilter): Promise<Set<number>> | null {
  if (!filter.territoryOktmo && !filter.kind) return null;
  const key = `members:${filter.territoryOktmo ?? ''}|${filter.kind ?? ''}`;
  let members = snapshot.memo.get(key) as Promise<Set<number>> | undefined;
  if (!members) {
    members = ctx.db
      .selectFrom('organization_stats as s')
      .select('s.organization_id')
      .where('s.organization_id', 'in', organizationIdsWhere(filter))
      .execute()
      .then((rows) => new Set(rows.map((row) => row.organization_id)));
    snapshot.memo.set(key, members);
    members.catch(() => snapshot.memo.delete(key));
  }
  return members;
}

/**
 * A league table: the organizations with any appeal answered or closed, the ranked ones (enough closed
 * appeals) first by the chosen part, best first, then the rest; a place is shared by equal keys (SQL's rank()).
 * From the snapshot above: a change shows within `leagueSnapshotMs` at most.
 */
export async function leagueTable(
  ctx: AppContext,
  filter: LeagueFilter,
): Promise<{ rows: LeagueRow[]; total: number; ranked: number; parameters: RatingParameters }> {
  const snapshot = await leagueSnapshot(ctx);
  const members = await membersOf(ctx, snapshot, filter);
  const all = sortedBy(snapshot, filter.sort);
  const listed = members ? all.filter((entry) => members.has(entry.organizationId)) : all;
  let ranked = 0;
  while (ranked < listed.length && listed[ranked]?.ranked) ranked += 1;
  const end = Math.min(listed.length, filter.offset + filter.limit);
  const rows: LeagueRow[] = [];
  if (filter.offset < end) {
    // The place of the first entry of the page: one more than the ranked entries with a better key before it.
    let position = 0;
    let previous: number | null | undefined;
    for (let index = 0; index < Math.min(end, ranked); index++) {
      const key = (listed[index] as LeagueEntry).keys[filter.sort];
      if (index === 0 || key !== previous) position = index + 1;
      previous = key;
      if (index >= filter.offset) {
        const entry = listed[index] as LeagueEntry;
        rows.push({ organizationId: entry.organizationId, name: entry.name, slug: entry.slug, position, rating: entry.rating });
      }
    }
    for (let index = Math.max(filter.offset, ranked); index < end; index++) {
      const entry = listed[index] as LeagueEntry;
      rows.push({ organizationId: entry.organizationId, name: entry.name, slug: entry.slug, position: null, rating: entry.rating });
    }
  }
  return { rows, total: listed.length, ranked, parameters: snapshot.parameters };
}

/**
 * What a page makes of a league table (a CSV download of every row) kept with the snapshot it was made from,
 * under the page's own key: made once per snapshot, not once per reader.
 */
export async function withLeagueSnapshot<T>(ctx: AppContext, key: string, make: () => Promise<T>): Promise<T> {
  const snapshot = await leagueSnapshot(ctx);
  const memoKey = `page:${key}`;
  let made = snapshot.memo.get(memoKey) as Promise<T> | undefined;
  if (!made) {
    made = make();
    snapshot.memo.set(memoKey, made);
    made.catch(() => snapshot.memo.delete(memoKey));
  }
  return made;
}

export interface RatingChange {
  kind: 'answered' | 'overdue' | 'closed' | 'unanswered';
  appealId: number;
  organizationId: number;
  name: string;
  slug: string;
  at: Date;
}

/** The latest changes of the ratings (answers, overdue marks, closes), newest first: the league tables' Atom feed. */
export async function recentRatingChanges(ctx: AppContext, limit: number): Promise<RatingChange[]> {
  const rows = await ctx.db
    .selectFrom('organization_stat_changes')
    .select(['kind', 'appeal_id', 'organization_id', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const labels = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  return rows.map((row) => ({
    kind: row.kind,
    appealId: row.appeal_id,
    organizationId: row.organization_id,
    name: labels.get(row.organization_id)?.name ?? '',
    slug: labels.get(row.organization_id)?.slug ?? '',
    at: row.created_at,
  }));
}

// ---------------------------------------------------------------------------------------------
// The nightly recount

/** Counts every organization's stats again from the appeals and the ratings. */
async function recount(executor: Executor) {
  const counts = new Map<number, OrganizationStatsCounts>();
  const months = new Map<string, { organizationId: number; month: string; on_time: number; late: number; unanswered: number }>();
  const of = (organizationId: number) => {
    const entry = counts.get(organizationId) ?? emptyCounts();
    counts.set(organizationId, entry);
    return entry;
  };
  const zones = new Map<number, string>();
  const addMonth = (organizationId: number, instant: Date, column: 'on_time' | 'late' | 'unanswered') => {
    const month = monthOf(instant, zones.get(organizationId) ?? 'Europe/Moscow');
    const key = `${organizationId}/${month}`;
    const entry = months.get(key) ?? { organizationId, month, on_time: 0, late: 0, unanswered: 0 };
    entry[column] += 1;
    months.set(key, entry);
  };
  for await (const batch of appealsForStats(executor, 5_000)) {
    const organizationIds = [...new Set(batch.map((appeal) => appeal.organization_id))].filter((id) => !zones.has(id));
    if (organizationIds.length) {
      const organizations = await Promise.all(organizationIds.map((id) => organizationById(executor, id)));
      const tz = await timeZonesOf(
        executor,
        organizations.map((organization) => organization.territory_id),
      );
      for (const organization of organizations) zones.set(organization.id, tz.get(organization.territory_id) ?? 'Europe/Moscow');
    }
    const closedIds = batch.filter((appeal) => appeal.status === 'closed' && appeal.outcome !== 'unanswered').map((appeal) => appeal.id);
    const ratings = closedIds.length
      ? await executor
          .selectFrom('answer_ratings')
          .select(['appeal_id', 'score', (eb) => eb.fn.countAll<number>().as('n')])
          .where('appeal_id', 'in', closedIds)
          .groupBy(['appeal_id', 'score'])
          .execute()
      : [];
    for (const appeal of batch) {
      const entry = of(appeal.organization_id);
      if (appeal.answered_at) {
        entry.answered += 1;
        const timely = onTime(appeal, appeal.answered_at);
        if (timely) entry.answered_on_time += 1;
        entry.answer_days = addToHistogram(entry.answer_days, answerDaysBucket(appeal.sent_at ?? appeal.answered_at, appeal.answered_at));
        addMonth(appeal.organization_id, appeal.answered_at, timely ? 'on_time' : 'late');
      }
      if (appeal.status === 'closed' && appeal.outcome === 'unanswered') {
        entry.unanswered += 1;
        addMonth(appeal.organization_id, appeal.closed_at ?? appeal.updated_at, 'unanswered');
      } else if (appeal.status === 'closed') {
        entry.closed += 1;
        if (appeal.outcome === 'resolved' || appeal.outcome === 'partly' || appeal.outcome === 'unresolved') entry[appeal.outcome] += 1;
        else entry.no_verdict += 1;
      }
      if ((appeal.status === 'sent' || appeal.status === 'registered') && appeal.answer_overdue_at) entry.overdue_open += 1;
    }
    for (const rating of ratings) {
      const appeal = batch.find((candidate) => candidate.id === rating.appeal_id);
      if (!appeal) continue;
      const entry = of(appeal.organization_id);
      const n = Number(rating.n);
      entry.score_counts[rating.score - 1] = (entry.score_counts[rating.score - 1] ?? 0) + n;
      entry.rating_count += n;
      entry.rating_sum += n * rating.score;
    }
  }
  return { counts, months: [...months.values()] };
}

/** a + (b − c), element by element, for the stats' arrays (a histogram stored without trailing zeros). */
function addDifference(current: readonly number[], recounted: readonly number[], kept: readonly number[]): number[] {
  const length = Math.max(current.length, recounted.length, kept.length);
  const result = Array.from({ length }, (_, i) => (current[i] ?? 0) + (recounted[i] ?? 0) - (kept[i] ?? 0));
  while (result.length > 5 && result.at(-1) === 0) result.pop();
  return result;
}

type MonthCounts = { on_time: number; late: number; unanswered: number };

/**
 * Recounts every organization's stats from the appeals and ratings and returns the differences from what is
 * kept (there should be none: each is logged as a warning, a defect to look into), then fixes them.
 *
 * The comparison is made in one REPEATABLE READ snapshot and holds no lock: the kept counts change in the same
 * transactions as the appeals and ratings they count, so in any snapshot the two must agree, and reading a
 * million appeals never stalls an answer being published. The fix adds each difference to the row as it is
 * then (not the recount's value), so a change committed since the snapshot keeps its own increment.
 */
export async function recountOrganizationStats(ctx: AppContext): Promise<string[]> {
  const found = await ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const { counts, months } = await recount(trx);
      const kept = await trx
        .selectFrom('organization_stats')
        .select(['organization_id', ...countColumns])
        .execute();
      const keptMonths = await trx
        .selectFrom('organization_monthly_stats')
        .select(['organization_id', (eb) => eb.fn<string>('to_char', [eb.ref('month'), eb.val('YYYY-MM-DD')]).as('month'), 'on_time', 'late', 'unanswered'])
        .execute();
      return { counts, months, kept, keptMonths };
    });
  const keptById = new Map(found.kept.map((row) => [row.organization_id, row as CountsRow as OrganizationStatsCounts]));
  const differences: string[] = [];
  const differing = new Set<number>();
  for (const id of new Set([...found.counts.keys(), ...keptById.keys()])) {
    for (const difference of countDifferences(keptById.get(id) ?? emptyCounts(), found.counts.get(id) ?? emptyCounts())) {
      differences.push(`organization ${id}: ${difference}`);
      differing.add(id);
    }
  }
  const monthKey = (organizationId: number, month: string) => `${organizationId}/${month}`;
  const keptMonths = new Map<string, MonthCounts>(found.keptMonths.map((entry) => [monthKey(entry.organization_id, entry.month), entry]));
  const recountedMonths = new Map<string, MonthCounts>(found.months.map((entry) => [monthKey(entry.organizationId, entry.month), entry]));
  const monthFixes: { key: string; delta: MonthCounts }[] = [];
  for (const key of new Set([...keptMonths.keys(), ...recountedMonths.keys()])) {
    const a = keptMonths.get(key) ?? { on_time: 0, late: 0, unanswered: 0 };
    const b = recountedMonths.get(key) ?? { on_time: 0, late: 0, unanswered: 0 };
    const delta = { on_time: b.on_time - a.on_time, late: b.late - a.late, unanswered: b.unanswered - a.unanswered };
    if (delta.on_time === 0 && delta.late === 0 && delta.unanswered === 0) continue;
    differences.push(`month ${key}: kept ${a.on_time}/${a.late}/${a.unanswered}, recounted ${b.on_time}/${b.late}/${b.unanswered}`);
    monthFixes.push({ key, delta });
  }
  if (differences.length === 0) return [];
  for (const difference of differences) ctx.log.warn({ difference }, 'organization stats differed from the recount; fixed');
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    for (const id of differing) {
      const kept = keptById.get(id) ?? emptyCounts();
      const recounted = found.counts.get(id) ?? emptyCounts();
      const current = await lockedCounts(trx, id);
      const fixed = { ...current };
      for (const column of countColumns) {
        const [c, r, k] = [current[column], recounted[column], kept[column]];
        if (Array.isArray(c)) (fixed as Record<string, unknown>)[column] = addDifference(c, r as number[], k as number[]);
        else (fixed as Record<string, unknown>)[column] = (c as number) + (r as number) - (k as number);
      }
      await saveCounts(trx, id, fixed, now);
    }
    for (const { key, delta } of monthFixes) {
      const [organizationId, month] = key.split('/') as [string, string];
      await trx
        .insertInto('organization_monthly_stats')
        .values({ organization_id: Number(organizationId), month, ...delta })
        .onConflict((conflict) =>
          conflict.columns(['organization_id', 'month']).doUpdateSet((eb) => ({
            on_time: eb('organization_monthly_stats.on_time', '+', delta.on_time),
            late: eb('organization_monthly_stats.late', '+', delta.late),
            unanswered: eb('organization_monthly_stats.unanswered', '+', delta.unanswered),
          })),
        )
        .execute();
    }
  });
  return differences;
}

/**
 * An organization merged into another: its rating changes are the survivor's, and its kept counts go (the
 * appeals they counted now belong to the survivor). The caller recounts after its transaction commits
 * (recountOrganizationStats), which adds the moved appeals to the survivor's counts; until then — or, should the
 * process die in between, until the nightly recount — the survivor's page shows its counts without them.
 */
export async function forgetOrganizationStats(trx: Executor, fromOrganizationId: number, toOrganizationId: number): Promise<void> {
  await trx.updateTable('organization_stat_changes').set({ organization_id: toOrganizationId }).where('organization_id', '=', fromOrganizationId).execute();
  await trx.deleteFrom('organization_monthly_stats').where('organization_id', '=', fromOrganizationId).execute();
  await trx.deleteFrom('organization_stats').where('organization_id', '=', fromOrganizationId).execute();
}
