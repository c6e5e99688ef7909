import { type Kysely, sql } from 'kysely';

/**
 * Reports about a person (issue 14): a moderation case may be about a user (`subject_type = 'user'`, the subject
 * being the account), reported from one of his items, which each report keeps as its origin (`origin_type`,
 * `origin_id`) so the moderator reads the complaint beside what prompted it. Users have no public page and their
 * ids are not shown publicly, so a person is only ever reported through something of his that is shown.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table moderation_cases
    drop constraint moderation_cases_subject_type_check,
    add constraint moderation_cases_subject_type_check check (subject_type in ('problem', 'comment', 'appeal', 'rating', 'user'))`.execute(db);
  await sql`alter table moderation_reports
    add column origin_type text check (origin_type in ('problem', 'comment', 'appeal', 'rating')),
    add column origin_id integer,
    add constraint moderation_reports_origin_whole check ((origin_type is null) = (origin_id is null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from moderation_cases where subject_type = 'user'`.execute(db);
  await sql`alter table moderation_reports drop constraint moderation_reports_origin_whole, drop column origin_id, drop column origin_type`.execute(db);
  await sql`alter table moderation_cases
    drop constraint moderation_cases_subject_type_check,
    add constraint moderation_cases_subject_type_check check (subject_type in ('problem', 'comment', 'appeal', 'rating'))`.execute(db);
}
