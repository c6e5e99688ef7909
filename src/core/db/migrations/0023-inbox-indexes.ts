import { type Kysely, sql } from 'kysely';

/**
 * The cabinet's inbox of a big organization (issue 12: 100,000 appeals, p95 < 100 ms at 20 officials; see
 * bench/README.md). Most of an organization's appeals are closed; the inbox opens on the few awaiting an answer
 * (`sent`, `registered`), so these partial indexes hold only those, in the orders and by the filters it reads them:
 *
 * - by due date (the default, overdue, deep pages), with the problem for the territory and category filters, so
 *   that counting the matches reads the index only;
 * - by assignee, then due date (one official's appeals);
 * - newest first (sorted by receipt).
 *
 * The search over titles (any state) gets a full-text index on the expression the inbox matches, and the
 * registration number an index of its own, so that their OR is a BitmapOr of the two. A problem's place and topic
 * are read by id, index-only, for the inbox's territory and category filters (problems_place_idx), and so is an
 * appeal's signature count for the sort by signatures (the count is written by the fold about once a second, never
 * on the signing path, so the second index costs the signers nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index appeals_awaiting_due_idx on appeals (organization_id, answer_due_at, id) include (problem_id)
    where status in ('sent', 'registered')`.execute(db);
  await sql`create index appeals_awaiting_assignee_idx on appeals (organization_id, assignee_id, answer_due_at, id)
    where status in ('sent', 'registered')`.execute(db);
  await sql`create index appeals_awaiting_received_idx on appeals (organization_id, sent_at desc nulls last, id desc)
    where status in ('sent', 'registered')`.execute(db);
  await sql`create index appeals_title_search_idx on appeals using gin (to_tsvector('russian', title))`.execute(db);
  await sql`create index appeals_registration_number_idx on appeals (registration_number) where registration_number is not null`.execute(db);
  await sql`create index problems_place_idx on problems (id) include (territory_id, category_id)`.execute(db);
  await sql`create index appeal_signature_counts_covering_idx on appeal_signature_counts (appeal_id) include (signatures)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index appeal_signature_counts_covering_idx`.execute(db);
  await sql`drop index problems_place_idx`.execute(db);
  await sql`drop index appeals_registration_number_idx`.execute(db);
  await sql`drop index appeals_title_search_idx`.execute(db);
  await sql`drop index appeals_awaiting_received_idx`.execute(db);
  await sql`drop index appeals_awaiting_assignee_idx`.execute(db);
  await sql`drop index appeals_awaiting_due_idx`.execute(db);
}
