import { type Kysely, sql } from 'kysely';

/**
 * Amendments and their comments are reportable like every public text (moderation, issue 14): a moderator hides one
 * with a public reason shown in its place, and restores it. Blocking a person hides his amendments and comments too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeal_amendments add column hidden_at timestamptz, add column hidden_reason text`.execute(db);
  await sql`alter table amendment_comments add column hidden_at timestamptz, add column hidden_reason text`.execute(db);
  await sql`alter table moderation_cases
    drop constraint moderation_cases_subject_type_check,
    add constraint moderation_cases_subject_type_check
      check (subject_type in ('problem', 'comment', 'appeal', 'rating', 'amendment', 'amendment_comment', 'user'))`.execute(db);
  await sql`alter table moderation_reports
    drop constraint moderation_reports_origin_type_check,
    add constraint moderation_reports_origin_type_check
      check (origin_type in ('problem', 'comment', 'appeal', 'rating', 'amendment', 'amendment_comment'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from moderation_reports where origin_type in ('amendment', 'amendment_comment')`.execute(db);
  await sql`delete from moderation_cases where subject_type in ('amendment', 'amendment_comment')`.execute(db);
  await sql`alter table moderation_reports
    drop constraint moderation_reports_origin_type_check,
    add constraint moderation_reports_origin_type_check check (origin_type in ('problem', 'comment', 'appeal', 'rating'))`.execute(db);
  await sql`alter table moderation_cases
    drop constraint moderation_cases_subject_type_check,
    add constraint moderation_cases_subject_type_check check (subject_type in ('problem', 'comment', 'appeal', 'rating', 'user'))`.execute(db);
  await sql`alter table amendment_comments drop column hidden_at, drop column hidden_reason`.execute(db);
  await sql`alter table appeal_amendments drop column hidden_at, drop column hidden_reason`.execute(db);
}
