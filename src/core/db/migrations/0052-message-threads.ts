import { type Kysely, sql } from 'kysely';

/**
 * The cabinet's messages to citizens (issue 12): a thread between an organization and one citizen about an appeal
 * addressed to it or a problem it holds «на контроль», its messages (written on the site, through the API, or
 * e-mailed to the thread's reply address and received as inbound mail), and the organization's one message to all
 * the signers of an appeal, which becomes a private thread for each signer who answers it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table message_broadcasts (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    appeal_id integer not null references appeals (id) on delete cascade,
    body text not null,
    signature text,
    sent_by integer references users (id) on delete set null,
    recipients integer not null default 0,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index message_broadcasts_appeal_idx on message_broadcasts (organization_id, appeal_id, id desc)`.execute(db);
  await sql`create table message_threads (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    citizen_id integer not null references users (id) on delete cascade,
    problem_id integer not null references problems (id) on delete cascade,
    appeal_id integer references appeals (id) on delete cascade,
    subject text not null,
    started_by integer references users (id) on delete set null,
    created_at timestamptz not null default now(),
    last_message_at timestamptz not null default now(),
    organization_read_at timestamptz,
    citizen_read_at timestamptz
  )`.execute(db);
  // One conversation per organization, citizen and subject: writing again continues it.
  await sql`create unique index message_threads_subject_idx on message_threads (organization_id, citizen_id, problem_id, coalesce(appeal_id, 0))`.execute(db);
  await sql`create index message_threads_organization_idx on message_threads (organization_id, last_message_at desc)`.execute(db);
  await sql`create index message_threads_citizen_idx on message_threads (citizen_id, last_message_at desc)`.execute(db);
  await sql`create table thread_messages (
    id serial primary key,
    thread_id integer not null references message_threads (id) on delete cascade,
    side text not null check (side in ('organization', 'citizen')),
    author_id integer references users (id) on delete set null,
    body text not null,
    signature text,
    channel text not null check (channel in ('site', 'api', 'email', 'broadcast')),
    inbound_message_id integer unique references inbound_messages (id) on delete set null,
    mail_message_id text,
    broadcast_id integer references message_broadcasts (id) on delete set null,
    created_at timestamptz not null default now()
  )`.execute(db);
  // The message to all signers opens a signer's thread once, however many times they answer it.
  await sql`create unique index thread_messages_broadcast_idx on thread_messages (thread_id, broadcast_id) where broadcast_id is not null`.execute(db);
  await sql`create index thread_messages_thread_idx on thread_messages (thread_id, id)`.execute(db);
  await sql`create index thread_messages_author_idx on thread_messages (author_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table thread_messages`.execute(db);
  await sql`drop table message_threads`.execute(db);
  await sql`drop table message_broadcasts`.execute(db);
}
