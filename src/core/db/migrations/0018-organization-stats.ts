import { type Kysely, sql } from 'kysely';

/**
 * Organization ratings (owned by the answers module): counts per organization kept in the transaction of the
 * event that changes them — an answer published, an appeal marked overdue, closed after its review or closed
 * without an answer — so a page reads one row instead of scanning appeals. A nightly job recounts them from
 * the appeals and ratings and logs any difference. `organization_monthly_stats` holds the chart of answers on
 * time, late and missing per month (in the organization's time zone); `organization_stat_changes` the changes
 * the league tables' Atom feed lists.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_stats (
    organization_id integer primary key references organizations (id),
    answered integer not null default 0,
    answered_on_time integer not null default 0,
    answer_days integer[] not null default '{}',
    unanswered integer not null default 0,
    overdue_open integer not null default 0,
    closed integer not null default 0,
    resolved integer not null default 0,
    partly integer not null default 0,
    unresolved integer not null default 0,
    no_verdict integer not null default 0,
    rating_count integer not null default 0,
    rating_sum integer not null default 0,
    score_counts integer[] not null default '{0,0,0,0,0}',
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table organization_monthly_stats (
    organization_id integer not null references organizations (id),
    month date not null,
    on_time integer not null default 0,
    late integer not null default 0,
    unanswered integer not null default 0,
    primary key (organization_id, month)
  )`.execute(db);
  await sql`create table organization_stat_changes (
    id serial primary key,
    organization_id integer not null references organizations (id),
    appeal_id integer not null references appeals (id),
    kind text not null check (kind in ('answered', 'overdue', 'closed', 'unanswered')),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index organization_stat_changes_recent_idx on organization_stat_changes (created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organization_stat_changes`.execute(db);
  await sql`drop table organization_monthly_stats`.execute(db);
  await sql`drop table organization_stats`.execute(db);
}
