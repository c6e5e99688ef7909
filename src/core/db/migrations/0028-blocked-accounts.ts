import { type Kysely, sql } from 'kysely';

/**
 * Blocked accounts (issue 14): `users.blocked_at`, `blocked_reason` and `blocked_by` (who blocked). A blocked
 * account's sessions and API tokens stop working at their next request and it cannot sign in; its owner is shown
 * the reason. A block always has a reason, and an account that is not blocked has none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users
    add column blocked_at timestamptz,
    add column blocked_reason text check (blocked_reason is null or length(blocked_reason) between 1 and 1000),
    add column blocked_by integer references users (id) on delete set null,
    add constraint users_block_has_reason check ((blocked_at is null) = (blocked_reason is null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop constraint users_block_has_reason, drop column blocked_by, drop column blocked_reason, drop column blocked_at`.execute(db);
}
