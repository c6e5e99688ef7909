import { type Kysely, sql } from 'kysely';

/**
 * When the platform found that an appeal's answer term (59-FZ Art. 12) had passed with no answer: set once, by
 * the overdue sweep, which also puts the event on the timeline and tells the author, signers and followers.
 * The partial index holds only the appeals still awaiting an answer and not yet marked, so the sweep reads
 * what is due, not every appeal ever sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals add column answer_overdue_at timestamptz`.execute(db);
  await sql`create index appeals_answer_awaited_idx on appeals (answer_due_at)
    where status in ('sent', 'registered') and answer_overdue_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index appeals_answer_awaited_idx`.execute(db);
  await sql`alter table appeals drop column answer_overdue_at`.execute(db);
}
