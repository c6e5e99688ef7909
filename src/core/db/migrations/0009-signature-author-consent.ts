import { type Kysely, sql } from 'kysely';

/**
 * A signer's separate, optional consent to give the appeal's author his full name and postal address (152-FZ Art. 9:
 * consent is given for a purpose and to a recipient). The consent every signature carries sends them to the addressee
 * only; an author who sends the appeal himself may list in his letter just the signers who gave this one. Signatures
 * made before the question was asked did not give it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table signatures add column consent_author boolean not null default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table signatures drop column consent_author`.execute(db);
}
