import { type Kysely, sql } from 'kysely';

/**
 * Moderation (the moderation module's `moderation_cases` and `moderation_reports`): people report a problem, a
 * comment, an appeal's text or a rating's comment; reports from enough different people hide it at once pending
 * review; a moderator hides or restores it with a reason shown publicly in its place; its author may appeal once
 * and an administrator decides. One case per reported item keeps its state and history; each report is a row.
 *
 * The hiding itself is a column of the item, written by the module that owns it (problems, appeals, answers), so a
 * page shows «скрыто модератором: …» without reading moderation's tables. A hidden problem remembers the status it
 * had, so restoring it gives that back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems
    add column hidden_reason text,
    add column status_before_hidden text check (status_before_hidden in ('open', 'solved', 'closed'))`.execute(db);
  await sql`alter table comments add column hidden_reason text`.execute(db);
  await sql`alter table appeals add column hidden_at timestamptz, add column hidden_reason text`.execute(db);
  await sql`alter table answer_ratings add column comment_hidden_at timestamptz, add column comment_hidden_reason text`.execute(db);

  await sql`create table moderation_cases (
    id serial primary key,
    subject_type text not null check (subject_type in ('problem', 'comment', 'appeal', 'rating')),
    subject_id integer not null,
    -- The item's author when it was first reported: who is told, who may appeal, who may not moderate it.
    author_id integer references users (id) on delete set null,
    state text not null default 'reported' check (state in ('reported', 'auto_hidden', 'hidden', 'restored')),
    -- Reports not yet resolved by a decision: the queue's figure and what the threshold counts.
    open_reports integer not null default 0 check (open_reports >= 0),
    last_reported_at timestamptz,
    public_reason text check (char_length(public_reason) <= 500),
    decided_by integer references users (id) on delete set null,
    decided_at timestamptz,
    appeal_text text check (char_length(appeal_text) <= 2000),
    appealed_at timestamptz,
    appeal_outcome text check (appeal_outcome in ('upheld', 'reversed')),
    appeal_reason text check (char_length(appeal_reason) <= 500),
    appeal_decided_by integer references users (id) on delete set null,
    appeal_decided_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (subject_type, subject_id)
  )`.execute(db);
  await sql`create index moderation_cases_queue_idx on moderation_cases (last_reported_at) where open_reports > 0`.execute(db);
  await sql`create index moderation_cases_appeals_idx on moderation_cases (appealed_at) where appealed_at is not null and appeal_outcome is null`.execute(db);
  await sql`create index moderation_cases_author_idx on moderation_cases (author_id, updated_at desc)`.execute(db);

  await sql`create table moderation_reports (
    id serial primary key,
    case_id integer not null references moderation_cases (id) on delete cascade,
    reporter_id integer not null references users (id) on delete cascade,
    reason text not null check (reason in ('spam', 'abuse', 'personal_data', 'illegal', 'misleading', 'other')),
    details text check (char_length(details) <= 1000),
    created_at timestamptz not null default now(),
    resolved_at timestamptz,
    -- One report per person per item, ever: reporting again cannot push an item over the threshold.
    unique (case_id, reporter_id)
  )`.execute(db);
  await sql`create index moderation_reports_reporter_idx on moderation_reports (reporter_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table moderation_reports`.execute(db);
  await sql`drop table moderation_cases`.execute(db);
  await sql`alter table answer_ratings drop column comment_hidden_at, drop column comment_hidden_reason`.execute(db);
  await sql`alter table appeals drop column hidden_at, drop column hidden_reason`.execute(db);
  await sql`alter table comments drop column hidden_reason`.execute(db);
  await sql`alter table problems drop column hidden_reason, drop column status_before_hidden`.execute(db);
}
