import { type Kysely, sql } from 'kysely';
import { up as mapCellsOf0033 } from './0033-problem-map-cells.ts';

/**
 * The map's cells once for all categories and once per category (issue 10; problems.markers.ts reads them).
 *
 * Migration 0033 counted each cell per category up to level 10 and for no category past it: a map without a
 * category filter summed a dozen rows per cell, and a category from zoom 11 grouped its problems as they were read
 * (p95 403 ms for a city viewport at zoom 12 at a million problems). Now every level has the cell for all categories
 * (category_id 0), and the levels up to 12 one per category beside it (problem_map_cell_keys); on level 14 a
 * category would split a cell into its problems. category_id leads the key after the level, so either kind of
 * request reads only its own rows. The table is rebuilt from the problems.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger problems_map_cells on problems`.execute(db);
  await sql`drop function problem_map_cells_follow()`.execute(db);
  await sql`drop table problem_map_cells`.execute(db);
  await sql`create table problem_map_cells (
    level smallint not null,
    category_id integer not null,
    cell_x integer not null,
    cell_y integer not null,
    territory_id integer not null,
    status text not null,
    problems integer not null,
    latitude_sum double precision not null,
    longitude_sum double precision not null,
    primary key (level, category_id, cell_x, cell_y, territory_id, status)
  )`.execute(db);
  // The rows a problem counts in: each level's for all categories (0), and up to level 12 its category's.
  await sql`create function problem_map_cell_keys(of_category integer) returns table (level integer, category_id integer)
    language sql immutable parallel safe
    as $$ select l.level, k.category_id from unnest(array[2, 5, 8, 10, 12, 14]) as l(level), unnest(array[0, of_category]) as k(category_id)
          where k.category_id = 0 or l.level <= 12 $$`.execute(db);
  await sql`create function problem_map_cells_follow() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.latitude is not null and old.longitude is not null
         and old.status in ('open', 'solved', 'closed') then
        update problem_map_cells c
           set problems = c.problems - 1, latitude_sum = c.latitude_sum - old.latitude, longitude_sum = c.longitude_sum - old.longitude
          from problem_map_cell_keys(old.category_id) as k
         where c.level = k.level and c.category_id = k.category_id and c.cell_x = map_cell_x(old.longitude, 4 << k.level)
           and c.cell_y = map_cell_y(old.latitude, 4 << k.level) and c.territory_id = old.territory_id and c.status = old.status;
        delete from problem_map_cells c using problem_map_cell_keys(old.category_id) as k
         where c.level = k.level and c.category_id = k.category_id and c.cell_x = map_cell_x(old.longitude, 4 << k.level)
           and c.cell_y = map_cell_y(old.latitude, 4 << k.level) and c.territory_id = old.territory_id and c.status = old.status
           and c.problems <= 0;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.latitude is not null and new.longitude is not null
         and new.status in ('open', 'solved', 'closed') then
        insert into problem_map_cells as c (level, category_id, cell_x, cell_y, territory_id, status, problems, latitude_sum, longitude_sum)
        select k.level, k.category_id, map_cell_x(new.longitude, 4 << k.level), map_cell_y(new.latitude, 4 << k.level), new.territory_id,
               new.status, 1, new.latitude, new.longitude
          from problem_map_cell_keys(new.category_id) as k
        on conflict (level, category_id, cell_x, cell_y, territory_id, status) do update
           set problems = c.problems + 1, latitude_sum = c.latitude_sum + excluded.latitude_sum,
               longitude_sum = c.longitude_sum + excluded.longitude_sum;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger problems_map_cells after insert or delete or update of latitude, longitude, status, territory_id, category_id
    on problems for each row execute function problem_map_cells_follow()`.execute(db);
  await sql`insert into problem_map_cells (level, category_id, cell_x, cell_y, territory_id, status, problems, latitude_sum, longitude_sum)
    select k.level, k.category_id, map_cell_x(p.longitude, 4 << k.level), map_cell_y(p.latitude, 4 << k.level), p.territory_id, p.status,
           count(*), sum(p.latitude), sum(p.longitude)
      from problems p cross join lateral problem_map_cell_keys(p.category_id) as k
     where p.latitude is not null and p.longitude is not null and p.status in ('open', 'solved', 'closed')
     group by 1, 2, 3, 4, 5, 6`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger problems_map_cells on problems`.execute(db);
  await sql`drop function problem_map_cells_follow()`.execute(db);
  await sql`drop function problem_map_cell_keys(integer)`.execute(db);
  await sql`drop table problem_map_cells`.execute(db);
  // Back to migration 0033's cells, trigger and counts, as its up() makes them with its grid functions and index.
  await sql`drop index problems_map_point_idx`.execute(db);
  await sql`drop function map_cell_y(double precision, integer)`.execute(db);
  await sql`drop function map_cell_x(double precision, integer)`.execute(db);
  await mapCellsOf0033(db);
}
