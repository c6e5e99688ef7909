import { type Kysely, sql } from 'kysely';

/**
 * An organization takes a problem «на контроль» (the cabinet module's `problem_controls`): the problem page and the
 * listings show the organization's badge while it holds it, and the official who took it follows the problem. A
 * control ends when it is released; the row stays, so the problem's history keeps who held it and when.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table problem_controls (
    id serial primary key,
    problem_id integer not null references problems (id) on delete cascade,
    organization_id integer not null references organizations (id) on delete cascade,
    taken_by integer references users (id) on delete set null,
    taken_at timestamptz not null default now(),
    released_by integer references users (id) on delete set null,
    released_at timestamptz
  )`.execute(db);
  await sql`create unique index problem_controls_active_idx on problem_controls (problem_id, organization_id) where released_at is null`.execute(db);
  await sql`create index problem_controls_organization_idx on problem_controls (organization_id, taken_at desc) where released_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table problem_controls`.execute(db);
}
