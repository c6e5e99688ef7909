import { type Kysely, sql } from 'kysely';

/**
 * Who works in which organization's cabinet, as its head or a clerk. Authentication reads a person's
 * memberships in the same statement as the user (the index on user_id serves that subquery), so the
 * actor carries them on every request without another round trip.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_members (
    organization_id integer not null references organizations(id) on delete cascade,
    user_id integer not null references users(id) on delete cascade,
    role text not null check (role in ('head', 'clerk')),
    created_at timestamptz not null default now(),
    primary key (organization_id, user_id)
  )`.execute(db);
  await sql`create index organization_members_user_idx on organization_members (user_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organization_members`.execute(db);
}
