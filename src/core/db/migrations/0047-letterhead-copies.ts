import { type Kysely, sql } from 'kysely';

/**
 * An answer published from the service cabinet carries its letter on the organization's letterhead: a PDF the platform
 * sets from the answer's text (issue 12), kept beside the scans as a letter attachment of its own kind, one per letter.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table letter_attachments add column kind text not null default 'scan' check (kind in ('scan', 'letterhead'))`.execute(db);
  await sql`create unique index letter_attachments_letterhead_idx on letter_attachments (letter_id) where kind = 'letterhead'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from letter_attachments where kind = 'letterhead'`.execute(db);
  await sql`drop index letter_attachments_letterhead_idx`.execute(db);
  await sql`alter table letter_attachments drop column kind`.execute(db);
}
