import { type Kysely, sql } from 'kysely';

/**
 * Signature counts kept off the signing path (the UK petitions' design): signing writes only its
 * signature row; a job folds the signatures committed since its last run into these tables about
 * once a second (appeals.counts.ts), and a nightly recount checks them.
 *
 * - appeal_signature_counts: counted (not flagged) signatures per appeal.
 * - appeal_signature_days: the same per appeal and UTC day, for "signatures in the last N days"
 *   (the problem listings' resonant sort); indexed by problem for the listings' per-problem sums.
 * - signature_removals: every signature deleted (a withdrawal, a deleted account or appeal), written
 *   by a trigger in the deleting transaction — never on the signing path — and consumed by the fold.
 * - signature_count_progress: one row, how far the fold has counted (see appeals.counts.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table appeal_signature_counts (
    appeal_id integer primary key references appeals(id) on delete cascade,
    problem_id integer not null references problems(id) on delete cascade,
    signatures integer not null default 0
  )`.execute(db);
  await sql`create index appeal_signature_counts_problem_idx on appeal_signature_counts (problem_id)`.execute(db);
  await sql`create table appeal_signature_days (
    appeal_id integer not null references appeals(id) on delete cascade,
    day date not null,
    problem_id integer not null references problems(id) on delete cascade,
    signatures integer not null default 0,
    primary key (appeal_id, day)
  )`.execute(db);
  await sql`create index appeal_signature_days_problem_idx on appeal_signature_days (problem_id, day)`.execute(db);
  await sql`create table signature_removals (
    id bigserial primary key,
    appeal_id integer not null,
    signature_id bigint not null,
    signed_at timestamptz not null,
    flagged boolean not null
  )`.execute(db);
  await sql`create function record_signature_removal() returns trigger language plpgsql as $$
    begin
      insert into signature_removals (appeal_id, signature_id, signed_at, flagged)
      values (old.appeal_id, old.id, old.created_at, old.flagged_at is not null);
      return null;
    end $$`.execute(db);
  await sql`create trigger signatures_removed after delete on signatures
    for each row execute function record_signature_removal()`.execute(db);
  await sql`create table signature_count_progress (
    id boolean primary key default true check (id),
    counted_through bigint not null,
    staged_through bigint,
    horizon_through bigint,
    horizon_xid bigint
  )`.execute(db);
  // The backfill: everything committed now is counted (migrations run alone, under their lock).
  await sql`insert into signature_count_progress (counted_through)
    select coalesce(max(id), 0) from signatures`.execute(db);
  await sql`insert into appeal_signature_counts (appeal_id, problem_id, signatures)
    select a.id, a.problem_id, (select count(*) from signatures s where s.appeal_id = a.id and s.flagged_at is null)
    from appeals a`.execute(db);
  await sql`insert into appeal_signature_days (appeal_id, day, problem_id, signatures)
    select s.appeal_id, (s.created_at at time zone 'UTC')::date, a.problem_id, count(*)
    from signatures s join appeals a on a.id = s.appeal_id
    where s.flagged_at is null
    group by 1, 2, 3`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table signature_count_progress`.execute(db);
  await sql`drop trigger signatures_removed on signatures`.execute(db);
  await sql`drop function record_signature_removal()`.execute(db);
  await sql`drop table signature_removals`.execute(db);
  await sql`drop table appeal_signature_days`.execute(db);
  await sql`drop table appeal_signature_counts`.execute(db);
}
