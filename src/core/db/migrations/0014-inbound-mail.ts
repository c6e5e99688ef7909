import { type Kysely, sql } from 'kysely';

/**
 * Letters that come back from the bodies (59-FZ answers, acknowledgements), owned by the answers module.
 *
 * `inbound_messages` keeps every message as it arrived (raw RFC 5322), written before anything parses
 * it: a message the listener or the webhook acknowledged is never lost, even when parsing fails or the
 * process dies. The job that parses it fills in the rest and matches it to an appeal by its reply
 * address, or leaves it `unmatched` (admin-visible, attached nowhere). `appeal_letters` are the letters
 * of an appeal: an acknowledgement (an auto-reply or a registration notice) goes on the timeline; any
 * other letter waits for the author (or a moderator) to say whether it is the answer. One answer per
 * appeal, which the unique index holds even against two confirmations at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals add column answered_at timestamptz`.execute(db);
  await sql`create table inbound_messages (
    id serial primary key,
    channel text not null check (channel in ('smtp', 'webhook')),
    envelope_from text,
    envelope_to text[] not null default '{}',
    raw bytea not null,
    size integer not null,
    received_at timestamptz not null default now(),
    status text not null default 'received' check (status in ('received', 'matched', 'unmatched', 'duplicate')),
    reason text,
    appeal_id integer references appeals (id),
    message_id text,
    from_address text,
    from_name text,
    subject text,
    sent_at timestamptz,
    text_body text,
    auto_reply boolean not null default false,
    processed_at timestamptz
  )`.execute(db);
  await sql`create index inbound_messages_unmatched_idx on inbound_messages (received_at desc) where status = 'unmatched'`.execute(db);
  await sql`create index inbound_messages_appeal_idx on inbound_messages (appeal_id, message_id) where appeal_id is not null`.execute(db);
  await sql`create table inbound_attachments (
    id serial primary key,
    inbound_message_id integer not null references inbound_messages (id) on delete cascade,
    position integer not null,
    filename text not null,
    content_type text not null,
    size integer not null,
    content bytea not null,
    unique (inbound_message_id, position)
  )`.execute(db);
  await sql`create table appeal_letters (
    id serial primary key,
    appeal_id integer not null references appeals (id),
    source text not null check (source in ('email', 'author', 'admin')),
    inbound_message_id integer unique references inbound_messages (id),
    kind text not null check (kind in ('acknowledgement', 'letter')),
    decision text check (decision in ('answer', 'not_answer')),
    subject text,
    text text not null,
    sender text,
    received_at timestamptz not null,
    registration_number text,
    decided_by integer references users (id),
    decided_at timestamptz,
    created_at timestamptz not null default now(),
    check (kind = 'letter' or decision is null)
  )`.execute(db);
  await sql`create index appeal_letters_appeal_idx on appeal_letters (appeal_id, received_at)`.execute(db);
  await sql`create unique index appeal_letters_one_answer_idx on appeal_letters (appeal_id) where decision = 'answer'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table appeal_letters`.execute(db);
  await sql`drop table inbound_attachments`.execute(db);
  await sql`drop table inbound_messages`.execute(db);
  await sql`alter table appeals drop column answered_at`.execute(db);
}
