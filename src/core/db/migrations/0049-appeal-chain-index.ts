import { type Kysely, sql } from 'kysely';

/**
 * The appeal that follows another in its chain (an escalation, appeals.escalation.ts) by `previous_appeal_id`: every
 * appeal page asks for it, and without an index each view read all the appeals (40–50 ms at 200,000). Few appeals have
 * one, so the index holds those only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index appeals_previous_idx on appeals (previous_appeal_id, id) where previous_appeal_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index appeals_previous_idx`.execute(db);
}
