import { type Kysely, sql } from 'kysely';

/**
 * The officials' service cabinet (DESIGN §1, «official»), its first part: who works where, the inbox and the
 * answer prepared in the cabinet.
 *
 * - `membership_requests` (organizations module): an official asks to join an organization; an administrator
 *   approves, or the request is approved at once when the official's verified e-mail is on one of the
 *   organization's `official_email_domains`. One pending request per person and organization.
 * - `organization_members.position`: the official's position, shown on the timeline when the organization
 *   chooses to (`show_official_names`). `answers_need_approval`: a clerk's answer waits for the head's approval
 *   (as Decidim's "publish answers immediately", inverted).
 * - `appeals` (appeals module): the clerk the appeal is assigned to, and the one 59-FZ extension (Art. 12 p. 2:
 *   once, at most 30 days, with a reason the signers are told). The inbox reads an organization's appeals by
 *   their answer due date: `appeals_inbox_idx`.
 * - Cabinet tables (cabinet module): answer templates the head manages, the answer being prepared for an
 *   appeal (one per appeal, with its scans) until it is published, and each official's saved inbox views.
 * - An answer published in the cabinet is a letter of source `cabinet`; officials are told of their
 *   organization's work as notification reason `official`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations
    add column official_email_domains text[] not null default '{}',
    add column answers_need_approval boolean not null default false,
    add column show_official_names boolean not null default false`.execute(db);
  await sql`alter table appeal_letters drop constraint appeal_letters_source_check,
    add constraint appeal_letters_source_check check (source in ('email', 'author', 'admin', 'cabinet'))`.execute(db);
  await sql`alter table notifications drop constraint notifications_reason_check,
    add constraint notifications_reason_check check (reason in ('author', 'signer', 'follower', 'official'))`.execute(db);
  await sql`alter table organization_members
    add column position text check (position is null or length(position) between 1 and 200)`.execute(db);
  await sql`create table membership_requests (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    position text not null check (length(position) between 1 and 200),
    note text check (note is null or length(note) <= 1000),
    status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'cancelled')),
    decided_by integer references users (id) on delete set null,
    decided_at timestamptz,
    decision_reason text check (decision_reason is null or length(decision_reason) <= 1000),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create unique index membership_requests_pending_idx on membership_requests (organization_id, user_id) where status = 'pending'`.execute(db);
  await sql`create index membership_requests_queue_idx on membership_requests (created_at, id) where status = 'pending'`.execute(db);
  await sql`create index membership_requests_user_idx on membership_requests (user_id)`.execute(db);

  await sql`alter table appeals
    add column assignee_id integer references users (id) on delete set null,
    add column extended_at timestamptz,
    add column extension_days integer check (extension_days is null or extension_days between 1 and 30),
    add column extension_reason text check (extension_reason is null or length(extension_reason) between 1 and 2000)`.execute(db);
  await sql`create index appeals_inbox_idx on appeals (organization_id, answer_due_at, id)
    where status in ('sent', 'registered', 'answered', 'review', 'closed', 'forwarded')`.execute(db);

  await sql`create table answer_templates (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    title text not null check (length(title) between 1 and 200),
    body text not null check (length(body) between 1 and 20000),
    created_by integer references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index answer_templates_organization_idx on answer_templates (organization_id, title)`.execute(db);
  await sql`create table answer_drafts (
    id serial primary key,
    appeal_id integer not null unique references appeals (id),
    organization_id integer not null references organizations (id) on delete cascade,
    text text not null default '' check (length(text) <= 20000),
    outgoing_number text check (outgoing_number is null or length(outgoing_number) between 1 and 100),
    outgoing_date text check (outgoing_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    status text not null default 'draft' check (status in ('draft', 'awaiting_approval')),
    written_by integer references users (id) on delete set null,
    submitted_by integer references users (id) on delete set null,
    submitted_at timestamptz,
    returned_reason text check (returned_reason is null or length(returned_reason) <= 2000),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index answer_drafts_organization_idx on answer_drafts (organization_id, status)`.execute(db);
  await sql`create table answer_draft_attachments (
    id serial primary key,
    draft_id integer not null references answer_drafts (id) on delete cascade,
    position integer not null,
    filename text not null,
    content_type text not null,
    size integer not null,
    content bytea not null,
    unique (draft_id, position)
  )`.execute(db);
  await sql`create table cabinet_saved_views (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    name text not null check (length(name) between 1 and 100),
    query text not null check (length(query) <= 2000),
    created_at timestamptz not null default now(),
    unique (organization_id, user_id, name)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table cabinet_saved_views`.execute(db);
  await sql`drop table answer_draft_attachments`.execute(db);
  await sql`drop table answer_drafts`.execute(db);
  await sql`drop table answer_templates`.execute(db);
  await sql`drop index appeals_inbox_idx`.execute(db);
  await sql`alter table appeals drop column assignee_id, drop column extended_at, drop column extension_days, drop column extension_reason`.execute(db);
  await sql`drop table membership_requests`.execute(db);
  await sql`alter table organization_members drop column position`.execute(db);
  await sql`alter table organizations drop column official_email_domains, drop column answers_need_approval, drop column show_official_names`.execute(db);
  await sql`alter table notifications drop constraint notifications_reason_check,
    add constraint notifications_reason_check check (reason in ('author', 'signer', 'follower'))`.execute(db);
  await sql`alter table appeal_letters drop constraint appeal_letters_source_check,
    add constraint appeal_letters_source_check check (source in ('email', 'author', 'admin'))`.execute(db);
}
