import { type Kysely, sql } from 'kysely';

/**
 * Administration (issue 14): an append-only audit log and the indexes its filters use.
 *
 * - `audit_log` refuses UPDATE, DELETE and TRUNCATE in the database itself (a trigger), whatever code or
 *   console runs them. Its `actor_id` no longer references `users`: the foreign key's `on delete set null`
 *   was an UPDATE of the log (a deleted account's actions would lose their author, and with the trigger
 *   the deletion would fail); the log keeps the id of whoever acted, the account may go.
 * - Indexes for the audit page's filters, each ending in `id` so a filtered page is read in order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit_log drop constraint if exists audit_log_actor_id_fkey`.execute(db);
  await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is refused', tg_op using errcode = 'P0001';
    end
  $$`.execute(db);
  await sql`create trigger audit_log_no_update_or_delete before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only()`.execute(db);

  await sql`create index audit_log_actor_idx on audit_log (actor_id, id)`.execute(db);
  await sql`create index audit_log_action_idx on audit_log (action, id)`.execute(db);
  await sql`create index audit_log_subject_idx on audit_log (subject_type, subject_id, id)`.execute(db);
  await sql`create index audit_log_details_trgm_idx on audit_log using gin ((details::text) gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index audit_log_details_trgm_idx`.execute(db);
  await sql`drop index audit_log_subject_idx`.execute(db);
  await sql`drop index audit_log_action_idx`.execute(db);
  await sql`drop index audit_log_actor_idx`.execute(db);
  await sql`drop trigger audit_log_no_truncate on audit_log`.execute(db);
  await sql`drop trigger audit_log_no_update_or_delete on audit_log`.execute(db);
  await sql`drop function audit_log_append_only()`.execute(db);
  await sql`update audit_log set actor_id = null where actor_id not in (select id from users)`.execute(db);
  await sql`alter table audit_log add constraint audit_log_actor_id_fkey foreign key (actor_id) references users (id) on delete set null`.execute(db);
}
