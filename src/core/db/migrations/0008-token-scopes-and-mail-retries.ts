import { type Kysely, sql } from 'kysely';

/**
 * Personal API tokens get scopes (read, sign, write); tokens made before scopes existed could do
 * everything, so they keep every scope.
 *
 * Mail is retried by the mailer itself for days, not by the job queue for minutes: each message knows
 * when its next attempt is due (`next_attempt_at`, also the lease of the attempt in flight), why the
 * last one failed (`error_kind`, a category that may be shown to the public; `error` stays for admins)
 * and when it was given up (`failed_at`). The partial index serves the sweep that re-queues overdue mail.
 * Appeals are found by the Message-ID of their letter when the mail server accepts it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column scopes text[] not null default array['read', 'sign', 'write']`.execute(db);
  // New tokens always name their scopes; the default was only for the rows that existed.
  await sql`alter table api_tokens alter column scopes drop default`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens_scopes_check
    check (cardinality(scopes) > 0 and scopes <@ array['read', 'sign', 'write']::text[])`.execute(db);

  await sql`alter table mail_messages add column next_attempt_at timestamptz`.execute(db);
  await sql`alter table mail_messages add column error_kind text
    check (error_kind in ('unreachable', 'deferred', 'rejected', 'other'))`.execute(db);
  await sql`alter table mail_messages add column failed_at timestamptz`.execute(db);
  await sql`create index mail_messages_queued_idx on mail_messages (next_attempt_at) where status = 'queued'`.execute(db);
  await sql`create index appeals_dispatch_message_idx on appeals (dispatch_message_id) where dispatch_message_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index appeals_dispatch_message_idx`.execute(db);
  await sql`drop index mail_messages_queued_idx`.execute(db);
  await sql`alter table mail_messages drop column failed_at`.execute(db);
  await sql`alter table mail_messages drop column error_kind`.execute(db);
  await sql`alter table mail_messages drop column next_attempt_at`.execute(db);
  await sql`alter table api_tokens drop column scopes`.execute(db);
}
