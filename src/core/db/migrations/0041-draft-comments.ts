import { type Kysely, sql } from 'kysely';

/**
 * Comments on a draft's text (issue 13), each thread anchored to a passage of it: the words quoted as they stood
 * in the revision the comment was written on (a text-quote anchor, as annotation tools keep one; it survives edits
 * elsewhere and says plainly what it was about after its words changed). Replies have a parent and no passage.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table draft_comments (
    id serial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    parent_id integer references draft_comments(id) on delete cascade,
    author_id integer references users(id) on delete set null,
    revision_number integer not null,
    passage text check (passage is null or length(passage) between 1 and 500),
    body text not null check (length(body) between 1 and 4000),
    created_at timestamptz not null default now(),
    resolved_at timestamptz,
    resolved_by integer references users(id) on delete set null,
    constraint draft_comments_passage_on_threads check ((parent_id is null) = (passage is not null))
  )`.execute(db);
  await sql`create index draft_comments_appeal_idx on draft_comments (appeal_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table draft_comments`.execute(db);
}
