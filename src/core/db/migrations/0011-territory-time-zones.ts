import { type Kysely, sql } from 'kysely';

/**
 * A territory's IANA time zone: 59-FZ terms are counted in the days of the body's territory, and Russia has
 * eleven zones (Калининград UTC+2 … Камчатка UTC+12). Every federal subject has one (the seed fills it at
 * start from federal-subjects.csv); a municipality's is null unless it differs from its subject's (a
 * subject spanning zones, as Якутия does), and then it overrides it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table territories add column time_zone text
    check (time_zone is null or time_zone ~ '^[A-Z][A-Za-z_]+/[A-Z][A-Za-z_-]+$')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table territories drop column time_zone`.execute(db);
}
