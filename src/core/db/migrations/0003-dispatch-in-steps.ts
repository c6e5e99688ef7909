import { type Kysely, sql } from 'kysely';

/**
 * The platform's dispatch runs in two short transactions instead of one long one: the first closes
 * signing (`dispatch_started_at`) and fixes the list of signatories, the PDF is rendered with no lock
 * held, the second stores it, enqueues the e-mail and marks the appeal sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals add column dispatch_started_at timestamptz`.execute(db);
  await sql`alter table appeals add constraint appeals_dispatch_started_check check (dispatch_started_at is null or threshold_reached_at is not null)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals drop column dispatch_started_at`.execute(db);
}
