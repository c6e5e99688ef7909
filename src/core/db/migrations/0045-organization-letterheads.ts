import { type Kysely, sql } from 'kysely';

/**
 * An organization's letterhead (issue 12), edited by its head in the cabinet: a few header lines (the body's full
 * name, address, contacts), the signature block (the signing official's position and name) and an optional logo,
 * stored re-encoded (no metadata) as the answer PDFs print it. One row per organization, gone with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table organization_letterheads (
    organization_id integer primary key references organizations(id) on delete cascade,
    header_lines text[] not null default '{}',
    signature_position text not null default '',
    signature_name text not null default '',
    logo bytea,
    logo_content_type text check (logo_content_type in ('image/png', 'image/jpeg')),
    logo_width integer,
    logo_height integer,
    updated_by integer references users(id) on delete set null,
    updated_at timestamptz not null default now(),
    check ((logo is null) = (logo_content_type is null))
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table organization_letterheads`.execute(db);
}
