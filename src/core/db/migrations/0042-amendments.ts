import { type Kysely, sql } from 'kysely';

/**
 * Amendments of an appeal that collects signatures (issue 13). Its signed text is frozen; a verified citizen proposes
 * a new text with a reason, it is discussed, and the author accepts it (a new version with its own SHA-256) or
 * rejects it, with a reason either way.
 *
 * A signature is bound to the version it was given for. When a version replaces another, the signatures of the old
 * one leave `signatures` (the counts' trigger takes them off the count, so the threshold and the letter see the
 * current version's alone) for `superseded_signatures`, which keeps each as it was given — the signer's words,
 * consents and the hash he endorsed — until he signs the new version (one POST, a new consent: the signing
 * statement removes his superseded row in its own transaction) or withdraws it, or the appeal leaves `collecting`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table appeal_amendments (
    id serial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    number integer not null,
    proposer_id integer references users(id) on delete set null,
    base_revision_id integer not null references appeal_revisions(id),
    text text not null,
    html text not null,
    doc jsonb not null,
    diff jsonb not null,
    reason text not null check (length(reason) between 1 and 4000),
    status text not null default 'proposed' check (status in ('proposed', 'accepted', 'rejected')),
    decided_at timestamptz,
    decided_by integer references users(id) on delete set null,
    decision_reason text check (decision_reason is null or length(decision_reason) between 1 and 4000),
    revision_id integer references appeal_revisions(id),
    superseded_count integer,
    created_at timestamptz not null default now(),
    unique (appeal_id, number),
    constraint appeal_amendments_decided check ((status = 'proposed') = (decided_at is null)),
    constraint appeal_amendments_accepted check ((status = 'accepted') = (revision_id is not null))
  )`.execute(db);
  await sql`create index appeal_amendments_open_idx on appeal_amendments (appeal_id) where status = 'proposed'`.execute(db);
  await sql`create table amendment_comments (
    id serial primary key,
    amendment_id integer not null references appeal_amendments(id) on delete cascade,
    author_id integer references users(id) on delete set null,
    body text not null check (length(body) between 1 and 4000),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index amendment_comments_amendment_idx on amendment_comments (amendment_id, id)`.execute(db);
  await sql`create table superseded_signatures (
    signature_id bigint primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    user_id integer not null references users(id) on delete cascade,
    revision_id integer not null references appeal_revisions(id),
    text_sha256 text not null,
    full_name text not null,
    postal_address text not null,
    municipality_id integer references territories(id) on delete set null,
    public_name text,
    consent_author boolean not null,
    flagged boolean not null,
    signed_at timestamptz not null,
    superseded_at timestamptz not null,
    unique (appeal_id, user_id)
  )`.execute(db);
  await sql`create index superseded_signatures_user_idx on superseded_signatures (user_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table superseded_signatures`.execute(db);
  await sql`drop table amendment_comments`.execute(db);
  await sql`drop table appeal_amendments`.execute(db);
}
