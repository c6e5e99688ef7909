import { type Kysely, sql } from 'kysely';

/**
 * Listings show the public statuses (open, solved, closed; problems.rules.ts listedStatuses) newest
 * first. `status <> 'hidden'` could use no index, so the "new" sort read every problem; this partial
 * index holds the listed problems in that order, and listProblems names the statuses as literals so
 * the planner can prove its predicate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index problems_listed_created_idx on problems (created_at desc, id desc) where status in ('open', 'solved', 'closed')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index problems_listed_created_idx`.execute(db);
}
