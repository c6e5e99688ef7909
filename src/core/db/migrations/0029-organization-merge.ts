import { type Kysely, sql } from 'kysely';

/**
 * Merging duplicate organizations (the organizations module's `organization_slug_redirects`): the duplicate's
 * appeals, staff, cabinet and stats move to the survivor and the duplicate is deleted; its address keeps
 * working as a permanent redirect to the survivor's page. A slug taken by a redirect is not given to a new
 * organization, so an old link never starts pointing at a different body.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_slug_redirects (
    slug text primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    merged_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index organization_slug_redirects_target_idx on organization_slug_redirects (organization_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organization_slug_redirects`.execute(db);
}
