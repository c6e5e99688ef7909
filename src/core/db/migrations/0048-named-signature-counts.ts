import { type Kysely, sql } from 'kysely';

/**
 * The signers named publicly, kept with the signature counts (appeals.counts.ts): the appeal's page said how many
 * consented to show their name by counting them, a million heap rows for a viral appeal (seconds per view).
 *
 * - appeal_signature_counts.named: the counted (not flagged) signatures with a public name, folded with `signatures`.
 * - signature_removals.named, signature_clears.named: whether the removed or cleared signature had one, so the fold
 *   takes it off or adds it to the named count as well.
 * - signatures_named_idx: the appeal's named signers newest first, read index-only for the page's ids.
 *
 * The backfill counts what the fold has reached: the signatures with ids up to counted_through, without those whose
 * cleared flag the fold has not added yet (it adds them, named or not); a removal still waiting says named = false,
 * since its signature is not in the count either.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeal_signature_counts add column named integer not null default 0`.execute(db);
  await sql`alter table signature_removals add column named boolean not null default false`.execute(db);
  await sql`alter table signature_clears add column named boolean not null default false`.execute(db);
  await sql`create or replace function record_signature_removal() returns trigger language plpgsql as $$
    begin
      insert into signature_removals (appeal_id, signature_id, signed_at, flagged, named)
      values (old.appeal_id, old.id, old.created_at, old.flagged_at is not null, old.public_name is not null);
      return null;
    end $$`.execute(db);
  // A clear still waiting is added by the fold (named or not, as its signature says); the count below leaves it out.
  await sql`update signature_clears k set named = true
    where exists (select 1 from signatures s where s.id = k.signature_id and s.public_name is not null)`.execute(db);
  await sql`create index signatures_named_idx on signatures (appeal_id, id) where flagged_at is null and public_name is not null`.execute(db);
  await sql`update appeal_signature_counts c set named = n.named
    from (select s.appeal_id, count(*)::int as named from signatures s
          where s.flagged_at is null and s.public_name is not null
            and s.id <= (select p.counted_through from signature_count_progress p)
            and not exists (select 1 from signature_clears k where k.signature_id = s.id)
          group by 1) n
    where n.appeal_id = c.appeal_id`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index signatures_named_idx`.execute(db);
  await sql`create or replace function record_signature_removal() returns trigger language plpgsql as $$
    begin
      insert into signature_removals (appeal_id, signature_id, signed_at, flagged)
      values (old.appeal_id, old.id, old.created_at, old.flagged_at is not null);
      return null;
    end $$`.execute(db);
  await sql`alter table signature_clears drop column named`.execute(db);
  await sql`alter table signature_removals drop column named`.execute(db);
  await sql`alter table appeal_signature_counts drop column named`.execute(db);
}
