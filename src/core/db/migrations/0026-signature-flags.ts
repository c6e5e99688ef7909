import { type Kysely, sql } from 'kysely';

/**
 * Signatures that cannot be faked (issue 14, «Abuse resistance»).
 *
 * - signatures: `client_hash` (a keyed hash of the signer's client network, never the address itself),
 *   `email_domain` (of the signer's account, for bursts from one domain), `flag_reasons` (why the signing
 *   statement flagged it: `flagged_at` is set in the same statement), and who cleared a flag and when.
 * - signature_clears: a flag cleared by a moderator, written in the clearing transaction and consumed by the
 *   counts' fold (appeals.counts.ts), which adds the signature to the kept counts if it had passed it flagged.
 * - signature_invalidations: what a moderator's invalidation removed (the signature row itself is deleted, so
 *   the trigger of 0013 takes it off the counts): whose, on which appeal, the flag reasons, why, by whom, when.
 *   A later signature of the same person on the same appeal is flagged.
 * - users: `registration_address_hash` (the same keyed hash, at registration) and `email_canonical`, the
 *   mailbox an address reaches (accounts.rules.ts, canonicalEmail), unique.
 *
 * The backfill applies canonicalEmail's rules in SQL, as they were written. Accounts that already share a
 * canonical form (made before the rule) all keep working: the one whose address is the canonical form, else
 * the oldest, gets it; each of the others keeps its own address as its canonical value, which is never another
 * group's canonical form (it is not in canonical form itself), so the unique index covers every row, no account
 * is changed or lost, and sign-in tries the exact address before the canonical one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table signatures
    add column client_hash text,
    add column email_domain text,
    add column flag_reasons text[] not null default '{}',
    add column cleared_at timestamptz,
    add column cleared_by integer references users(id) on delete set null`.execute(db);
  // The burst checks of the signing statement: recent signatures of one appeal from one network, one domain.
  await sql`create index signatures_client_burst_idx on signatures (appeal_id, client_hash, created_at) where client_hash is not null`.execute(db);
  await sql`create index signatures_domain_burst_idx on signatures (appeal_id, email_domain, created_at) where email_domain is not null`.execute(db);
  // The moderators' lists: few rows, a small partial index.
  await sql`create index signatures_flagged_idx on signatures (appeal_id, id) where flagged_at is not null`.execute(db);

  await sql`create table signature_clears (
    id bigserial primary key,
    appeal_id integer not null,
    signature_id bigint not null,
    signed_at timestamptz not null
  )`.execute(db);

  await sql`create table signature_invalidations (
    id bigserial primary key,
    appeal_id integer not null references appeals(id) on delete cascade,
    signature_id bigint not null,
    user_id integer references users(id) on delete set null,
    flag_reasons text[] not null default '{}',
    was_counted boolean not null,
    reason text not null check (length(reason) between 1 and 1000),
    invalidated_by integer references users(id) on delete set null,
    invalidated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index signature_invalidations_appeal_idx on signature_invalidations (appeal_id, user_id)`.execute(db);

  await sql`alter table users add column registration_address_hash text, add column email_canonical text`.execute(db);
  await sql`create index users_registration_address_idx on users (registration_address_hash, created_at) where registration_address_hash is not null`.execute(
    db,
  );
  await sql`with parts as (
      select id, email, split_part(email, '@', 1) as local, split_part(email, '@', 2) as domain,
        case when position('+' in split_part(email, '@', 1)) > 1 then split_part(split_part(email, '@', 1), '+', 1) else split_part(email, '@', 1) end as untagged
      from users
    ), canonical as (
      select id, email,
        case
          when position('@' in email) <= 1 then email
          when domain in ('gmail.com', 'googlemail.com') then coalesce(nullif(replace(untagged, '.', ''), ''), untagged) || '@gmail.com'
          when domain in ('yandex.ru', 'yandex.com', 'yandex.by', 'yandex.kz', 'yandex.ua', 'ya.ru', 'outlook.com', 'hotmail.com',
            'live.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'pm.me', 'fastmail.com')
            then untagged || '@' || domain
          else email
        end as canonical
      from parts
    ), ranked as (
      select id, email, canonical, row_number() over (partition by canonical order by (email = canonical) desc, id) as n from canonical
    )
    update users u set email_canonical = case when r.n = 1 then r.canonical else r.email end
    from ranked r where r.id = u.id`.execute(db);
  await sql`alter table users alter column email_canonical set not null`.execute(db);
  await sql`create unique index users_email_canonical_idx on users (email_canonical)`.execute(db);
  // The app always writes the canonical form; a row written by hand (a benchmark's data set, an operator's script)
  // gets its own address, which the unique index then guards as before.
  await sql`create function users_fill_email_canonical() returns trigger language plpgsql as $$
    begin
      new.email_canonical := coalesce(new.email_canonical, new.email);
      return new;
    end $$`.execute(db);
  await sql`create trigger users_email_canonical before insert on users
    for each row execute function users_fill_email_canonical()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger users_email_canonical on users`.execute(db);
  await sql`drop function users_fill_email_canonical()`.execute(db);
  await sql`drop index users_email_canonical_idx`.execute(db);
  await sql`drop index users_registration_address_idx`.execute(db);
  await sql`alter table users drop column email_canonical, drop column registration_address_hash`.execute(db);
  await sql`drop table signature_invalidations`.execute(db);
  await sql`drop table signature_clears`.execute(db);
  await sql`drop index signatures_flagged_idx`.execute(db);
  await sql`drop index signatures_domain_burst_idx`.execute(db);
  await sql`drop index signatures_client_burst_idx`.execute(db);
  await sql`alter table signatures drop column cleared_by, drop column cleared_at, drop column flag_reasons,
    drop column email_domain, drop column client_hash`.execute(db);
}
