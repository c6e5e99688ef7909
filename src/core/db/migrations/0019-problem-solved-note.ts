import { type Kysely, sql } from 'kysely';

/**
 * «Проблема решена» (DESIGN §3): the problem keeps who marked it solved and the short note they left, so its
 * page can say who, when and how. Problems solved before this migration were marked by their author (the
 * only one allowed to), so `solved_by` is filled from `author_id` for them; their note stays empty.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems
    add column solved_by integer references users (id) on delete set null,
    add column solved_note text check (solved_note is null or length(solved_note) between 1 and 1000)`.execute(db);
  await sql`update problems set solved_by = author_id where status = 'solved' and solved_at is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems drop column solved_by, drop column solved_note`.execute(db);
}
