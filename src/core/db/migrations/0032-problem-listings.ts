import { type Kysely, sql } from 'kysely';

/**
 * The problem listings at a million problems (issue 10).
 *
 * - support_signatures / support_recent on problems: the signatures of all the problem's appeals, and those of
 *   the resonance window (problems.rules.ts resonanceWindowDays, whole UTC days), as the resonant sort reads them.
 *   The signature fold writes them for the problems whose counts changed, never the signing transaction
 *   (appeals.counts.ts), and moves the window once a day; the nightly recount sets them again. Before, the sort
 *   summed the counts of every open problem before its top-N sort.
 * - signature_count_progress.support_since: the first day of the window the recent counts hold.
 * - problems_resonant_idx: the open problems in the resonant order, so the home page reads its six from an index.
 * - problems_territory_listed_idx: a municipality's listed problems newest first; a region's list merges those of
 *   its municipalities (listProblems), instead of gathering and sorting all of them.
 * - problems_solved_idx: the solved problems by the day they were solved (the home page's last section).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems
    add column support_signatures integer not null default 0,
    add column support_recent integer not null default 0`.execute(db);
  await sql`alter table signature_count_progress add column support_since date`.execute(db);
  await sql`update signature_count_progress set support_since = ((now() - interval '30 days') at time zone 'UTC')::date`.execute(db);
  await sql`update problems p set support_signatures = s.n
    from (select problem_id, sum(signatures)::int as n from appeal_signature_counts group by 1) s
    where p.id = s.problem_id and s.n <> 0`.execute(db);
  await sql`update problems p set support_recent = s.n
    from (select d.problem_id, sum(d.signatures)::int as n from appeal_signature_days d, signature_count_progress g
      where d.day >= g.support_since group by 1) s
    where p.id = s.problem_id and s.n <> 0`.execute(db);
  await sql`create index problems_resonant_idx on problems (support_recent desc, support_signatures desc, id desc) where status = 'open'`.execute(db);
  await sql`create index problems_territory_resonant_idx on problems (territory_id, support_recent desc, support_signatures desc, id desc)
    where status = 'open'`.execute(db);
  await sql`create index problems_territory_listed_idx on problems (territory_id, created_at desc, id desc)
    where status in ('open', 'solved', 'closed')`.execute(db);
  await sql`create index problems_solved_idx on problems (solved_at desc nulls last, id desc) where status = 'solved'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index problems_solved_idx`.execute(db);
  await sql`drop index problems_territory_listed_idx`.execute(db);
  await sql`drop index problems_territory_resonant_idx`.execute(db);
  await sql`drop index problems_resonant_idx`.execute(db);
  await sql`alter table signature_count_progress drop column support_since`.execute(db);
  await sql`alter table problems drop column support_signatures, drop column support_recent`.execute(db);
}
