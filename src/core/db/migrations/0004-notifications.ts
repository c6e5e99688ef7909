import { type Kysely, sql } from 'kysely';

/**
 * The notifications module: the in-site list (one row per person per event), each person's choices
 * (per kind, per problem, and overall), the daily digests (one per person per day, enforced by a
 * unique key), and the count of mails a person got about an appeal (for the 5-mail cap). Mail
 * messages gain their own headers (List-Unsubscribe).
 */
const statements = [
  `alter table mail_messages add column headers jsonb not null default '{}'::jsonb`,
  `create table notification_digests (
    id serial primary key,
    user_id integer not null references users(id) on delete cascade,
    day date not null,
    items integer not null default 0,
    mail_message_id integer references mail_messages(id) on delete set null,
    created_at timestamptz not null default now(),
    unique (user_id, day)
  )`,
  `create table notifications (
    id bigserial primary key,
    user_id integer not null references users(id) on delete cascade,
    kind text not null,
    event_key text not null,
    reason text not null check (reason in ('author', 'signer', 'follower')),
    problem_id integer references problems(id) on delete cascade,
    appeal_id integer references appeals(id) on delete cascade,
    data jsonb not null default '{}'::jsonb,
    mail text not null default 'off' check (mail in ('immediately', 'digest', 'off', 'capped')),
    digest_id integer references notification_digests(id) on delete set null,
    created_at timestamptz not null default now(),
    read_at timestamptz,
    unique (user_id, event_key)
  )`,
  `create index notifications_user_idx on notifications (user_id, id desc)`,
  `create index notifications_unread_idx on notifications (user_id) where read_at is null`,
  `create index notifications_digest_pending_idx on notifications (user_id, appeal_id) where mail = 'digest' and digest_id is null`,
  `create table notification_kind_preferences (
    user_id integer not null references users(id) on delete cascade,
    kind text not null,
    mail text not null check (mail in ('immediately', 'digest', 'off')),
    updated_at timestamptz not null default now(),
    primary key (user_id, kind)
  )`,
  `create table notification_problem_preferences (
    user_id integer not null references users(id) on delete cascade,
    problem_id integer not null references problems(id) on delete cascade,
    mail text not null check (mail in ('immediately', 'digest', 'off')),
    updated_at timestamptz not null default now(),
    primary key (user_id, problem_id)
  )`,
  `create table notification_settings (
    user_id integer primary key references users(id) on delete cascade,
    mail_enabled boolean not null default true,
    unlimited_appeal_mail boolean not null default false,
    updated_at timestamptz not null default now()
  )`,
  `create table notification_appeal_mails (
    user_id integer not null references users(id) on delete cascade,
    appeal_id integer not null references appeals(id) on delete cascade,
    mails integer not null check (mails >= 0),
    primary key (user_id, appeal_id)
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'notification_appeal_mails',
    'notification_settings',
    'notification_problem_preferences',
    'notification_kind_preferences',
    'notifications',
    'notification_digests',
  ]) {
    await sql.raw(`drop table if exists ${table}`).execute(db);
  }
  await sql`alter table mail_messages drop column headers`.execute(db);
}
