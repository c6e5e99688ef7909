import { type Kysely, sql } from 'kysely';

/**
 * Why a superseded signature was flagged (appeals.flags.rules.ts), kept with it: when its signer signs the new version,
 * the new signature is flagged for the same reasons (and any it earns itself), so accepting an amendment never
 * clears a moderator's queue — a burst measured when it happened is not forgotten because the text changed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table superseded_signatures add column flag_reasons text[] not null default '{}'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table superseded_signatures drop column flag_reasons`.execute(db);
}
