import { type Kysely, sql } from 'kysely';

/**
 * The answers that do not come by e-mail (DESIGN §3, «How an answer comes back»): the author uploads the paper
 * answer received, or an administrator publishes it on the body's behalf. Their scans are `letter_attachments`
 * (owned by the answers module), kept as checked at upload — PDFs as they are, images re-encoded without their
 * metadata. The body's outgoing number and date, which a paper answer carries, go on the letter (the date as
 * YYYY-MM-DD text: a day as the letter prints it, with no time zone for a driver to shift).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeal_letters add column outgoing_number text, add column outgoing_date text check (outgoing_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')`.execute(
    db,
  );
  await sql`create table letter_attachments (
    id serial primary key,
    letter_id integer not null references appeal_letters (id),
    position integer not null,
    filename text not null,
    content_type text not null,
    size integer not null,
    content bytea not null,
    unique (letter_id, position)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table letter_attachments`.execute(db);
  await sql`alter table appeal_letters drop column outgoing_number, drop column outgoing_date`.execute(db);
}
