import { type Kysely, sql } from 'kysely';

/**
 * Documents an organization issues on its letterhead about a problem (issue 12): a deputy's inquiry, a party's letter,
 * with the citizens' support attached — how many signed the problem's appeals, and in an annex the public names of those
 * who agreed to be named, never an address. The text and its SHA-256 are kept as issued; the PDF is set by a job the
 * issuing transaction queues (null until then). Public, as the organization's word on a public problem.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_documents (
    id serial primary key,
    organization_id integer not null references organizations (id),
    problem_id integer not null references problems (id),
    title text not null,
    addressee text not null,
    outgoing_number text,
    text text not null,
    text_sha256 text not null check (text_sha256 ~ '^[0-9a-f]{64}$'),
    signatures integer not null check (signatures >= 0),
    named integer check (named >= 0),
    issued_by integer references users (id),
    issued_at timestamptz not null default now(),
    pdf bytea,
    pdf_sha256 text
  )`.execute(db);
  await sql`create index organization_documents_organization_idx on organization_documents (organization_id, issued_at desc, id desc)`.execute(db);
  await sql`create index organization_documents_problem_idx on organization_documents (problem_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organization_documents`.execute(db);
}
