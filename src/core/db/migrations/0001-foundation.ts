import { type Kysely, sql } from 'kysely';

const statements = [
  `create extension if not exists pg_trgm`,
  `create table territories (
    id serial primary key,
    parent_id integer references territories(id) on delete restrict,
    level text not null check (level in ('federal_subject', 'municipality')),
    kind text not null,
    name text not null check (length(name) between 1 and 300),
    name_en text,
    okato text,
    oktmo text not null unique check (oktmo ~ '^[0-9]{8}([0-9]{3})?$'),
    iso_code text unique,
    federal_district text,
    created_at timestamptz not null default now(),
    check ((level = 'federal_subject') = (parent_id is null))
  )`,
  `create index territories_parent_idx on territories (parent_id, name)`,
  `create table categories (
    id serial primary key,
    slug text not null unique check (slug ~ '^[a-z0-9-]+$'),
    name_ru text not null,
    name_en text not null,
    position integer not null default 0
  )`,
  `create table organizations (
    id serial primary key,
    slug text not null unique check (slug ~ '^[a-z0-9-]+$'),
    name text not null check (length(name) between 1 and 500),
    kind text not null check (kind in ('federal_body', 'regional_body', 'municipal_administration',
      'legislative_body', 'deputy', 'party', 'ngo', 'utility')),
    parent_id integer references organizations(id) on delete set null,
    territory_id integer not null references territories(id) on delete restrict,
    appeal_email text,
    postal_address text,
    website text,
    appeal_threshold integer not null default 50 check (appeal_threshold between 1 and 1000000),
    description text,
    created_at timestamptz not null default now(),
    check (parent_id is null or parent_id <> id)
  )`,
  `create index organizations_territory_idx on organizations (territory_id)`,
  `create index organizations_parent_idx on organizations (parent_id)`,
  `create index organizations_name_trgm_idx on organizations using gin (name gin_trgm_ops)`,
  `create table organization_jurisdictions (
    id serial primary key,
    organization_id integer not null references organizations(id) on delete cascade,
    territory_id integer not null references territories(id) on delete cascade,
    category_id integer references categories(id) on delete cascade
  )`,
  `create unique index organization_jurisdictions_unique_idx
    on organization_jurisdictions (organization_id, territory_id, coalesce(category_id, 0))`,
  `create index organization_jurisdictions_lookup_idx on organization_jurisdictions (territory_id, category_id)`,
  `create table users (
    id serial primary key,
    email text not null,
    password_hash text not null,
    surname text not null,
    first_name text not null,
    patronymic text,
    municipality_id integer references territories(id) on delete set null,
    postal_address text,
    role text not null default 'citizen' check (role in ('citizen', 'moderator', 'admin')),
    locale text not null default 'ru' check (locale in ('ru', 'en')),
    email_verified_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (email = lower(email))
  )`,
  `create unique index users_email_idx on users (email)`,
  `create table sessions (
    id text primary key,
    user_id integer not null references users(id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    last_seen_at timestamptz not null default now(),
    user_agent text
  )`,
  `create index sessions_user_idx on sessions (user_id)`,
  `create table email_tokens (
    id serial primary key,
    user_id integer not null references users(id) on delete cascade,
    purpose text not null check (purpose in ('verify_email', 'reset_password', 'change_email')),
    token_hash text not null unique,
    new_email text,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  `create index email_tokens_user_idx on email_tokens (user_id, purpose)`,
  `create table api_tokens (
    id serial primary key,
    user_id integer not null references users(id) on delete cascade,
    name text not null check (length(name) between 1 and 100),
    token_hash text not null unique,
    prefix text not null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz
  )`,
  `create index api_tokens_user_idx on api_tokens (user_id)`,
  `create table mail_messages (
    id serial primary key,
    to_address text not null,
    subject text not null,
    text_body text not null,
    html_body text,
    status text not null default 'queued' check (status in ('queued', 'sent', 'outbox', 'failed')),
    message_id text,
    error text,
    attempts integer not null default 0,
    created_at timestamptz not null default now(),
    sent_at timestamptz
  )`,
  `create index mail_messages_created_idx on mail_messages (created_at desc)`,
  `create index mail_messages_to_idx on mail_messages (to_address)`,
  `create table captcha_uses (
    challenge_id text primary key,
    used_at timestamptz not null default now(),
    expires_at timestamptz not null
  )`,
  `create table audit_log (
    id bigserial primary key,
    actor_id integer references users(id) on delete set null,
    action text not null,
    subject_type text not null,
    subject_id text,
    details jsonb not null default '{}'::jsonb,
    ip text,
    created_at timestamptz not null default now()
  )`,
  `create index audit_log_created_idx on audit_log (created_at desc)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'captcha_uses',
    'mail_messages',
    'api_tokens',
    'email_tokens',
    'sessions',
    'users',
    'organization_jurisdictions',
    'organizations',
    'categories',
    'territories',
  ]) {
    await sql.raw(`drop table if exists ${table}`).execute(db);
  }
}
