import { type Kysely, sql } from 'kysely';

/**
 * Search finds a problem by where it is and what it is about, not only by its own words: «Тверь»,
 * «Рыбинск» or «ремонт дороги» must find problems whose title does not say so. A generated column
 * cannot read other tables, so the problems service writes the place and topic words (municipality,
 * its region, category) into `search_places` on every publish and edit; the search document takes
 * them and the address with weight C, below the title (A) and the description (B).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems add column search_places text not null default '' check (length(search_places) <= 2000)`.execute(db);
  await sql`
    update problems p set search_places = concat_ws(' ', t.name, parent.name, c.name_ru)
    from territories t
    left join territories parent on parent.id = t.parent_id, categories c
    where t.id = p.territory_id and c.id = p.category_id`.execute(db);
  await sql`alter table problems drop column search`.execute(db);
  await sql`
    alter table problems add column search tsvector generated always as (
      setweight(to_tsvector('russian', title), 'A')
      || setweight(to_tsvector('russian', description), 'B')
      || setweight(to_tsvector('russian', coalesce(address, '') || ' ' || search_places), 'C')
    ) stored`.execute(db);
  await sql`create index problems_search_idx on problems using gin (search)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table problems drop column search`.execute(db);
  await sql`
    alter table problems add column search tsvector generated always as (
      setweight(to_tsvector('russian', title), 'A') || setweight(to_tsvector('russian', description), 'B')
    ) stored`.execute(db);
  await sql`create index problems_search_idx on problems using gin (search)`.execute(db);
  await sql`alter table problems drop column search_places`.execute(db);
}
