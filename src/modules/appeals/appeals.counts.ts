/**
 * Signature counts kept off the signing path (the UK petitions' design). Signing writes only its
 * signature row; deleting one (a withdrawal, a deleted account) leaves a row in signature_removals
 * by trigger. `foldSignatureCounts`, a job run about once a second, adds the signatures committed
 * since its last run to appeal_signature_counts and appeal_signature_days and takes the removals
 * off; `recountSignatures`, nightly, counts everything again and fixes (and logs) any difference.
 *
 * Which signatures are "committed since the last run" is decided by id, and ids are handed out
 * before their transaction commits, so a run never folds past an id a running transaction may
 * still commit: it reads the sequence, then takes its snapshot; the ids up to that value are
 * folded once every transaction that held a transaction id at that snapshot has finished (the
 * snapshot's xmax is at or below a later snapshot's xmin). The signing statement locks its appeal
 * row (taking its transaction id) before it draws ids, so no signature escapes that test; the
 * nightly recount is the net for rows written any other way.
 *
 * A flag cleared by a moderator (appeals.moderation.ts) leaves a row in signature_clears in the clearing
 * transaction, since the fold never looks at a signature again once it has passed its id. A run adds a
 * cleared signature whose id is at or below the point it starts from (it passed it flagged, or a run that
 * did not see the clear yet did); one above it is counted by the run that reaches its id, which sees it
 * unflagged. Both rows and the clear commit together, so no run sees one without the other.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { resonanceWindowStart } from '../problems/problems.rules.ts';
import { type ProblemSupport, setProblemSupport } from '../problems/problems.service.ts';

interface Progress {
  counted_through: number;
  horizon_through: number | null;
  horizon_xid: number | null;
  support_since: string | null;
}

interface Delta {
  appeal_id: number;
  problem_id: number;
  day: string;
  n: number;
  /** Of n, the signatures with a public name. */
  named: number;
}

/** Folds new and removed signatures into the counts; returns the appeals whose counts changed. */
export async function foldSignatureCounts(ctx: AppContext): Promise<number[]> {
  // Read before the snapshot below: every id up to it was drawn by a transaction that snapshot sees as running or finished.
  const issued = await lastIssuedSignatureId(ctx.db);
  return ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const { rows } = await sql<Progress & { xmin: number; xmax: number }>`
        select counted_through, horizon_through, horizon_xid, to_char(support_since, 'YYYY-MM-DD') as support_since,
          pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin,
          pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax
        from signature_count_progress for update`.execute(trx);
      const progress = rows[0];
      if (!progress) throw new Error('signature_count_progress has no row');
      const xmin = Number(progress.xmin);
      const before = Number(progress.counted_through);
      // The furthest id whose writers have all finished: the one staged by an earlier run, or the one read now when nothing is running.
      let through = before;
      let staged: { through: number | null; xid: number | null } = { through: progress.horizon_through, xid: progress.horizon_xid };
      if (staged.through !== null && staged.xid !== null && xmin >= Number(staged.xid)) {
        through = Math.max(through, Number(staged.through));
        staged = { through: null, xid: null };
      }
      if (issued > through) {
        if (xmin >= Number(progress.xmax)) through = issued;
        else if (staged.through === null) staged = { through: issued, xid: Number(progress.xmax) };
      }
      if (staged.through !== null && Number(staged.through) <= through) staged = { through: null, xid: null };

      const added =
        through > before
          ? (
              await sql<Delta>`
                select s.appeal_id, a.problem_id, to_char(s.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n,
                  count(*) filter (where s.public_name is not null)::int as named
                from signatures s join appeals a on a.id = s.appeal_id
                where s.id > ${before} and s.id <= ${through} and s.flagged_at is null
                group by 1, 2, 3`.execute(trx)
            ).rows
          : [];
      // A removed signature was counted if an earlier run folded its id; one not folded yet is simply never seen.
      const removed = (
        await sql<Delta>`
          with removed as (delete from signature_removals returning appeal_id, signature_id, signed_at, flagged, named)
          select r.appeal_id, a.problem_id, to_char(r.signed_at at time zone 'UTC', 'YYYY-MM-DD') as day, -count(*)::int as n,
            -count(*) filter (where r.named)::int as named
          from removed r join appeals a on a.id = r.appeal_id
          where not r.flagged and r.signature_id <= ${before}
          group by 1, 2, 3`.execute(trx)
      ).rows;
      // A cleared flag whose signature a run passed while it was flagged: counted now, once.
      const cleared = (
        await sql<Delta>`
          with cleared as (delete from signature_clears returning appeal_id, signature_id, signed_at, named)
          select c.appeal_id, a.problem_id, to_char(c.signed_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n,
            count(*) filter (where c.named)::int as named
          from cleared c join appeals a on a.id = c.appeal_id
          where c.signature_id <= ${before}
          group by 1, 2, 3`.execute(trx)
      ).rows;
      const deltas = [...added, ...removed, ...cleared];
      const changed = await applyDeltas(trx, deltas);
      const windowStart = resonanceWindowStart(ctx.now());
      await foldSupport(trx, new Set(deltas.filter((delta) => Number(delta.n) !== 0).map((delta) => delta.problem_id)), progress.support_since, windowStart);
      // An appeal the fold brought to its threshold is checked exactly by a job made in this transaction,
      // so neither a crash after this commit nor a scan of every collecting appeal is needed to find it.
      if (changed.length > 0) {
        const reached = await trx
          .selectFrom('appeals as a')
          .innerJoin('appeal_signature_counts as c', 'c.appeal_id', 'a.id')
          .select('a.id')
          .where('a.id', 'in', changed)
          .where('a.status', '=', 'collecting')
          .where('a.threshold_reached_at', 'is', null)
          .whereRef('c.signatures', '>=', 'a.threshold')
          .execute();
        for (const { id } of reached) await ctx.jobs.send('appeals.check-threshold', { appealId: id }, trx, { singletonKey: `threshold-${id}` });
      }
      if (through !== before || staged.through !== progress.horizon_through || progress.support_since !== windowStart) {
        await trx
          .updateTable('signature_count_progress')
          .set({ counted_through: through, horizon_through: staged.through, horizon_xid: staged.xid, support_since: sql<Date>`${windowStart}::date` })
          .execute();
      }
      return changed;
    });
}

/**
 * The problems' support counts (the resonant sort's keys, problems.setProblemSupport) for the problems whose appeals'
 * counts changed, and, when the window has moved to another day since the last run, for those with signatures on the
 * days that left it (or came into it).
 */
async function foldSupport(trx: Executor, touched: Set<number>, since: string | null, windowStart: string): Promise<void> {
  if (since !== windowStart) {
    const [from, to] = since === null ? [null, null] : since < windowStart ? [since, windowStart] : [windowStart, since];
    const { rows } = await sql<{ problem_id: number }>`select distinct problem_id from appeal_signature_days
      where ${from === null ? sql`true` : sql`day >= ${from}::date and day < ${to}::date`}`.execute(trx);
    for (const row of rows) touched.add(row.problem_id);
  }
  if (touched.size > 0) await setProblemSupport(trx, await supportOf(trx, [...touched], windowStart));
}

/**
 * The support of these problems from the kept counts: all their appeals' signatures, and those from `windowStart` on.
 * A forwarded appeal's signatures went on with it to the competent body (appeals.forwarding.ts): they count once, as
 * its successor's.
 */
async function supportOf(executor: Executor, problemIds: number[] | null, windowStart: string): Promise<ProblemSupport[]> {
  const counted = sql`not exists (select 1 from appeals f where f.id = c.appeal_id and f.status = 'forwarded')`;
  const { rows } = await sql<{ problem_id: number; signatures: number; recent: number }>`
    select x.problem_id,
      coalesce((select sum(c.signatures) from appeal_signature_counts c where c.problem_id = x.problem_id and ${counted}), 0)::int as signatures,
      coalesce((select sum(c.signatures) from appeal_signature_days c where c.problem_id = x.problem_id and c.day >= ${windowStart}::date and ${counted}), 0)::int as recent
    from ${problemIds === null ? sql`(select distinct problem_id from appeal_signature_counts)` : sql`unnest(${problemIds}::int[])`} as x(problem_id)`.execute(
    executor,
  );
  return rows.map((row) => ({ problemId: row.problem_id, signatures: Number(row.signatures), recent: Number(row.recent) }));
}

async function lastIssuedSignatureId(executor: Executor): Promise<number> {
  const { rows } = await sql<{ issued: number | null }>`select pg_sequence_last_value('signatures_id_seq') as issued`.execute(executor);
  return Number(rows[0]?.issued ?? 0);
}

async function applyDeltas(trx: Executor, deltas: Delta[]): Promise<number[]> {
  const byDay = new Map<string, Delta>();
  for (const delta of deltas) {
    const key = `${delta.appeal_id} ${delta.day}`;
    const known = byDay.get(key);
    if (known) {
      known.n += Number(delta.n);
      known.named += Number(delta.named);
    } else byDay.set(key, { ...delta, n: Number(delta.n), named: Number(delta.named) });
  }
  // A named signature in and another, unnamed one out on the same day leave the day's count as it was, not the named one.
  const changes = [...byDay.values()].filter((delta) => delta.n !== 0 || delta.named !== 0);
  if (changes.length === 0) return [];
  const days = changes.filter((delta) => delta.n !== 0);
  if (days.length > 0)
    await sql`
    insert into appeal_signature_days (appeal_id, day, problem_id, signatures)
    select * from unnest(${days.map((d) => d.appeal_id)}::integer[], ${days.map((d) => d.day)}::date[],
      ${days.map((d) => d.problem_id)}::integer[], ${days.map((d) => d.n)}::integer[])
    on conflict (appeal_id, day) do update set signatures = appeal_signature_days.signatures + excluded.signatures`.execute(trx);
  const totals = new Map<number, { problem_id: number; n: number; named: number }>();
  for (const d of changes) {
    const known = totals.get(d.appeal_id);
    if (known) {
      known.n += d.n;
      known.named += d.named;
    } else totals.set(d.appeal_id, { problem_id: d.problem_id, n: d.n, named: d.named });
  }
  const appeals = [...totals.keys()];
  await sql`
    insert into appeal_signature_counts (appeal_id, problem_id, signatures, named)
    select * from unnest(${appeals}::integer[], ${appeals.map((id) => totals.get(id)?.problem_id)}::integer[],
      ${appeals.map((id) => totals.get(id)?.n)}::integer[], ${appeals.map((id) => totals.get(id)?.named)}::integer[])
    on conflict (appeal_id) do update set signatures = appeal_signature_counts.signatures + excluded.signatures,
      named = appeal_signature_counts.named + excluded.named`.execute(trx);
  return appeals.sort((a, b) => a - b);
}

export interface CountDifference {
  appealId: number;
  /** The UTC day whose count differed, or null for the appeal's count of signers named publicly. */
  day: string | null;
  kept: number;
  counted: number;
}

/**
 * Counts every signature the fold has reached again and sets the counts to what it finds; returns
 * (and logs) where they differed. The removals it sees are reflected in what it counts, so it takes
 * them off the fold's list. Nightly; also what a test calls after changing signatures behind the app's back.
 */
export async function recountSignatures(ctx: AppContext): Promise<CountDifference[]> {
  const differences = await ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const progress = await trx.selectFrom('signature_count_progress').select('counted_through').forUpdate().executeTakeFirstOrThrow();
      await trx.deleteFrom('signature_removals').execute();
      await trx.deleteFrom('signature_clears').execute();
      const { rows } = await sql<{ appeal_id: number; problem_id: number; day: string; kept: number | null; counted: number | null }>`
        with counted as (
          select s.appeal_id, to_char(s.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n
          from signatures s
          where s.id <= ${progress.counted_through} and s.flagged_at is null
          group by 1, 2
        ), kept as (
          select appeal_id, to_char(day, 'YYYY-MM-DD') as day, signatures as n from appeal_signature_days
        )
        select coalesce(c.appeal_id, k.appeal_id) as appeal_id, a.problem_id, coalesce(c.day, k.day) as day, k.n as kept, c.n as counted
        from counted c full join kept k on k.appeal_id = c.appeal_id and k.day = c.day
        join appeals a on a.id = coalesce(c.appeal_id, k.appeal_id)
        where c.n is distinct from k.n and coalesce(c.n, 0) <> coalesce(k.n, 0)`.execute(trx);
      const found: CountDifference[] = rows.map((row) => ({
        appealId: row.appeal_id,
        day: row.day,
        kept: Number(row.kept ?? 0),
        counted: Number(row.counted ?? 0),
      }));
      if (found.length > 0) {
        await applyDeltas(
          trx,
          rows.map((row) => ({
            appeal_id: row.appeal_id,
            problem_id: row.problem_id,
            day: row.day,
            n: Number(row.counted ?? 0) - Number(row.kept ?? 0),
            named: 0,
          })),
        );
      }
      // The named signers are counted per appeal (no page asks for them by day).
      const named = await sql<{ appeal_id: number; kept: number; counted: number }>`
        with counted as (
          select s.appeal_id, count(*)::int as n from signatures s
          where s.id <= ${progress.counted_through} and s.flagged_at is null and s.public_name is not null
          group by 1
        )
        select a.id as appeal_id, coalesce(k.named, 0) as kept, coalesce(c.n, 0) as counted
        from appeals a left join appeal_signature_counts k on k.appeal_id = a.id left join counted c on c.appeal_id = a.id
        where coalesce(k.named, 0) <> coalesce(c.n, 0)`.execute(trx);
      found.push(...named.rows.map((row) => ({ appealId: row.appeal_id, day: null, kept: Number(row.kept), counted: Number(row.counted) })));
      // The totals are the sums of the days; an appeal without signatures has a row of zero.
      await sql`
        insert into appeal_signature_counts (appeal_id, problem_id, signatures)
        select a.id, a.problem_id, coalesce((select sum(d.signatures) from appeal_signature_days d where d.appeal_id = a.id), 0)
        from appeals a
        on conflict (appeal_id) do update set signatures = excluded.signatures
        where appeal_signature_counts.signatures <> excluded.signatures`.execute(trx);
      if (named.rows.length > 0) {
        await sql`
          update appeal_signature_counts c set named = n.counted
          from unnest(${named.rows.map((row) => row.appeal_id)}::int[], ${named.rows.map((row) => Number(row.counted))}::int[]) as n(appeal_id, counted)
          where c.appeal_id = n.appeal_id`.execute(trx);
      }
      // And the problems' support from those totals, for every problem (a problem whose appeals are gone gets zero).
      const windowStart = resonanceWindowStart(ctx.now());
      await setProblemSupport(trx, await supportOf(trx, null, windowStart), { resetOthers: true });
      await trx
        .updateTable('signature_count_progress')
        .set({ support_since: sql<Date>`${windowStart}::date` })
        .execute();
      return found;
    });
  if (differences.length > 0)
    ctx.log.warn({ differences: differences.slice(0, 100), total: differences.length }, 'signature counts differed from a recount; fixed');
  return differences;
}

/** True once every signature committed before this call is in the counts (tests wait for it). */
export async function countsCaughtUp(ctx: AppContext, issued?: number): Promise<boolean> {
  const target = issued ?? (await lastIssuedSignatureId(ctx.db));
  const progress = await ctx.db.selectFrom('signature_count_progress').select('counted_through').executeTakeFirstOrThrow();
  const pending = await ctx.db.selectFrom('signature_removals').select('id').limit(1).executeTakeFirst();
  const clears = await ctx.db.selectFrom('signature_clears').select('id').limit(1).executeTakeFirst();
  return Number(progress.counted_through) >= target && !pending && !clears;
}
