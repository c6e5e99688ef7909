import { type Kysely, sql } from 'kysely';

/**
 * Site settings stored in the database (issue 14), owned by the admin module: one row per setting that an admin
 * changed from its default (src/config.ts); a setting without a row has its default. Every value is a whole number.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table site_settings (
    key text primary key check (key ~ '^[a-zA-Z]{1,100}$'),
    value integer not null,
    updated_by integer references users (id) on delete set null,
    updated_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table site_settings`.execute(db);
}
