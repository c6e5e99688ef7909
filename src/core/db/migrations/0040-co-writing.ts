import { type Kysely, sql } from 'kysely';

/**
 * Co-writing a draft (issue 13). The author may share a draft (`shared_at`: from then on anyone may read it and
 * a verified citizen may join as a co-author) and lock its text against the co-authors (`text_locked_at`).
 * Co-authors are rows of `appeal_coauthors`; a removed one keeps his row with `removed_at`, so the history still
 * names him. A revision now keeps the rich text it was written as (`doc`, ProseMirror JSON, and `html`, both
 * sanitized) beside the plain `text` that the letter prints and the signatures' SHA-256 covers, and who wrote
 * it (`contributor_ids`). `appeal_drafts` holds the live Yjs state of a draft's co-editing session
 * (`Y.encodeStateAsUpdate`) and the revision it was last recorded as.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals add column shared_at timestamptz, add column text_locked_at timestamptz`.execute(db);
  await sql`create table appeal_coauthors (
    appeal_id integer not null references appeals(id) on delete cascade,
    user_id integer not null references users(id) on delete cascade,
    joined_at timestamptz not null default now(),
    removed_at timestamptz,
    removed_by integer references users(id) on delete set null,
    primary key (appeal_id, user_id)
  )`.execute(db);
  await sql`create index appeal_coauthors_user_idx on appeal_coauthors (user_id) where removed_at is null`.execute(db);
  await sql`alter table appeal_revisions
    add column doc jsonb,
    add column html text,
    add column contributor_ids integer[] not null default '{}',
    add column restored_from integer`.execute(db);
  await sql`create table appeal_drafts (
    appeal_id integer primary key references appeals(id) on delete cascade,
    state bytea not null,
    revision_number integer not null,
    contributor_ids integer[] not null default '{}',
    changed_since_revision boolean not null default false,
    updated_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table appeal_drafts`.execute(db);
  await sql`alter table appeal_revisions drop column restored_from, drop column contributor_ids, drop column html, drop column doc`.execute(db);
  await sql`drop table appeal_coauthors`.execute(db);
  await sql`alter table appeals drop column text_locked_at, drop column shared_at`.execute(db);
}
