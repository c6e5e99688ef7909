import { type Kysely, sql } from 'kysely';

/**
 * Organization API tokens (issue 12): a head of an organization makes a token for its document-management system
 * (СЭД). It is an `api_tokens` row like a personal token — the same secret, hash, prefix, scopes and last use, and
 * the same lookup on every request — with the organization it is scoped to. `user_id` is the head who made it: the
 * token acts for the organization with a clerk's rights only while that person heads it, and goes with the
 * organization (or the account) when it is deleted. A personal token has no organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column organization_id integer references organizations(id) on delete cascade`.execute(db);
  // An organization's token reads and changes its cabinet; signing an appeal is a citizen's act, never the organization's.
  await sql`alter table api_tokens add constraint api_tokens_organization_scopes_check
    check (organization_id is null or not ('sign' = any(scopes)))`.execute(db);
  await sql`create index api_tokens_organization_idx on api_tokens (organization_id) where organization_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index api_tokens_organization_idx`.execute(db);
  await sql`alter table api_tokens drop constraint api_tokens_organization_scopes_check`.execute(db);
  await sql`alter table api_tokens drop column organization_id`.execute(db);
}
