import { type Kysely, sql } from 'kysely';

/** Problems, their photos, comments and followers; appeals with revisions, signatures, documents and the public timeline. */
const statements = [
  `create table problems (
    id serial primary key,
    title text not null check (length(title) between 5 and 200),
    description text not null check (length(description) between 10 and 20000),
    category_id integer not null references categories(id),
    territory_id integer not null references territories(id),
    address text check (length(address) <= 500),
    latitude double precision check (latitude between -90 and 90),
    longitude double precision check (longitude between -180 and 180),
    author_id integer references users(id) on delete set null,
    status text not null default 'open' check (status in ('open', 'solved', 'closed', 'hidden')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    solved_at timestamptz,
    search tsvector generated always as (
      setweight(to_tsvector('russian', title), 'A') || setweight(to_tsvector('russian', description), 'B')
    ) stored,
    check ((latitude is null) = (longitude is null))
  )`,
  `create index problems_search_idx on problems using gin (search)`,
  `create index problems_title_trgm_idx on problems using gin (title gin_trgm_ops)`,
  `create index problems_territory_idx on problems (territory_id, status, created_at desc)`,
  `create index problems_category_idx on problems (category_id, status, created_at desc)`,
  `create index problems_created_idx on problems (status, created_at desc)`,
  `create index problems_author_idx on problems (author_id)`,
  `create table problem_photos (
    id serial primary key,
    problem_id integer not null references problems(id) on delete cascade,
    position integer not null,
    content_type text not null,
    width integer not null,
    height integer not null,
    image bytea not null,
    thumbnail bytea not null,
    thumbnail_content_type text not null,
    created_at timestamptz not null default now(),
    unique (problem_id, position)
  )`,
  `create table problem_follows (
    user_id integer not null references users(id) on delete cascade,
    problem_id integer not null references problems(id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (user_id, problem_id)
  )`,
  `create index problem_follows_problem_idx on problem_follows (problem_id)`,
  `create table comments (
    id serial primary key,
    problem_id integer not null references problems(id) on delete cascade,
    parent_id integer references comments(id) on delete cascade,
    author_id integer references users(id) on delete set null,
    body text not null check (length(body) between 1 and 10000),
    html text not null,
    created_at timestamptz not null default now(),
    hidden_at timestamptz
  )`,
  `create index comments_problem_idx on comments (problem_id, id)`,
  `create table appeals (
    id serial primary key,
    problem_id integer not null references problems(id) on delete cascade,
    previous_appeal_id integer references appeals(id) on delete set null,
    organization_id integer not null references organizations(id),
    author_id integer references users(id) on delete set null,
    title text not null check (length(title) between 5 and 300),
    status text not null default 'draft' check (status in ('draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded', 'withdrawn')),
    threshold integer not null check (threshold >= 1),
    frozen_revision_id integer,
    text_sha256 text,
    opened_at timestamptz,
    threshold_reached_at timestamptz,
    sent_at timestamptz,
    sent_by text check (sent_by in ('platform', 'author')),
    registration_number text,
    registration_due_at timestamptz,
    forwarding_due_at timestamptz,
    answer_due_at timestamptz,
    dispatch_message_id text,
    withdrawn_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((status = 'draft') = (frozen_revision_id is null) or status = 'withdrawn'),
    check (status in ('draft', 'collecting', 'withdrawn') or sent_at is not null)
  )`,
  `create index appeals_problem_idx on appeals (problem_id, id)`,
  `create index appeals_organization_idx on appeals (organization_id, status)`,
  `create index appeals_status_idx on appeals (status)`,
  `create table appeal_revisions (
    id serial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    number integer not null,
    text text not null check (length(text) between 1 and 50000),
    author_id integer references users(id) on delete set null,
    created_at timestamptz not null default now(),
    unique (appeal_id, number)
  )`,
  `alter table appeals add constraint appeals_frozen_revision_fk foreign key (frozen_revision_id) references appeal_revisions(id)`,
  // No counter column anywhere: the count of an appeal is count(*) over this index (see appeals.signing.ts).
  `create table signatures (
    id bigserial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    user_id integer not null references users(id) on delete cascade,
    revision_id integer not null references appeal_revisions(id),
    text_sha256 text not null,
    full_name text not null check (length(full_name) between 3 and 300),
    postal_address text not null check (length(postal_address) between 5 and 500),
    municipality_id integer references territories(id) on delete set null,
    consent_transfer boolean not null check (consent_transfer),
    public_name text,
    flagged_at timestamptz,
    created_at timestamptz not null default now(),
    unique (appeal_id, user_id)
  )`,
  `create index signatures_counted_idx on signatures (appeal_id, id) where flagged_at is null`,
  `create index signatures_user_idx on signatures (user_id)`,
  `create table appeal_documents (
    id serial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    kind text not null check (kind in ('dispatch')),
    pdf bytea not null,
    sha256 text not null,
    signatures_count integer not null,
    created_at timestamptz not null default now()
  )`,
  `create unique index appeal_documents_dispatch_idx on appeal_documents (appeal_id) where kind = 'dispatch'`,
  `create table problem_events (
    id bigserial primary key,
    problem_id integer not null references problems(id) on delete cascade,
    appeal_id integer references appeals(id) on delete cascade,
    kind text not null,
    actor_id integer references users(id) on delete set null,
    data jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now()
  )`,
  `create index problem_events_problem_idx on problem_events (problem_id, id)`,
  `create table mail_attachments (
    id serial primary key,
    message_id integer not null references mail_messages(id) on delete cascade,
    filename text not null,
    content_type text not null,
    content bytea not null
  )`,
  `create index mail_attachments_message_idx on mail_attachments (message_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'mail_attachments',
    'problem_events',
    'appeal_documents',
    'signatures',
    'appeal_revisions',
    'appeals',
    'comments',
    'problem_follows',
    'problem_photos',
    'problems',
  ]) {
    await sql.raw(`drop table if exists ${table} cascade`).execute(db);
  }
}
