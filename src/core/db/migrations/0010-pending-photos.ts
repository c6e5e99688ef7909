import { type Kysely, sql } from 'kysely';

/**
 * Photos a person attached to a problem form that did not publish yet: the similar-problems step, or
 * an error in another field, sends the form back, and a browser without JavaScript cannot re-fill a
 * file input. The photo, already checked and resized, waits here for a day, tied to its uploader;
 * the form carries only its id, and publishing moves it to the problem.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table pending_photos (
    id serial primary key,
    user_id integer not null references users (id) on delete cascade,
    content_type text not null,
    width integer not null,
    height integer not null,
    image bytea not null,
    thumbnail bytea not null,
    thumbnail_content_type text not null,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index pending_photos_user_idx on pending_photos (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table pending_photos`.execute(db);
}
