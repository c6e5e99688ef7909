import { type Kysely, sql } from 'kysely';

/**
 * Forwarding an appeal to the competent body (59-FZ Art. 8 p. 3): the addressee passes it on with a reason; the
 * appeal becomes `forwarded` and keeps when and why, and the new appeal of the chain (its `previous_appeal_id`
 * names this one, and this one's `forwarded_appeal_id` names it: an escalation may have started from the same
 * appeal) goes to the competent body. The reason is public: it is on the timeline and the appeal's page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals
    add column forwarded_at timestamptz,
    add column forwarded_appeal_id integer references appeals (id) on delete set null,
    add column forwarding_reason text check (forwarding_reason is null or length(forwarding_reason) between 1 and 2000),
    add constraint appeals_forwarded_check check ((status = 'forwarded') = (forwarded_at is not null))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals drop constraint appeals_forwarded_check, drop column forwarded_at, drop column forwarded_appeal_id, drop column forwarding_reason`.execute(
    db,
  );
}
