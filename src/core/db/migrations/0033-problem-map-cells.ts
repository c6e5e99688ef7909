import { type Kysely, sql } from 'kysely';

/**
 * The map by bounding box with grid clustering (issue 10; problems.markers.ts reads these).
 *
 * - map_cell_x / map_cell_y: the cell of a point in a grid of `cells` × `cells` squares over the Web Mercator
 *   world (the tile pyramid's pixel space). At zoom z a cell of 64 screen pixels is one of 4·2^z per axis, and the
 *   cell of zoom z is the cell of a finer level L shifted right by L − z bits, so one stored level serves the
 *   zooms just above it. One definition, used by the trigger below and by every query of the map.
 * - problem_map_cells: the listed problems with a point (problems.rules.ts listedStatuses), counted per cell of
 *   the levels 2, 5, 8, 10, 12 and 14, per municipality, status and, up to level 10, category (the map's filters
 *   that keep a cell small; category 0 on the finer levels, where it would split every cell into its problems),
 *   with the sums of their coordinates for the cluster's position. Grouping 700,000 points at query time took 335 ms;
 *   the whole country from level 5 reads a few thousand of these rows.
 * - problems_map_cells: keeps them in the transaction of every change of a problem's point, status,
 *   municipality or category (publishing, editing, solving, hiding, merging territories). Problems are published a
 *   thousand times a day at the target scale, not a thousand times a second as signatures are, so the cell
 *   rows are not hot.
 * - problems_map_point_idx: the listed problems with a point in two dimensions, for a viewport's points and the
 *   fine zooms, where a btree on (latitude, longitude) reads a whole band of latitude. It holds the columns the
 *   grouping and the filters read, so a viewport is an index-only scan: 2.5 ms instead of 86 ms for the 2,916
 *   points of a zoom-15 view at a million problems, whose rows lie on as many heap pages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create function map_cell_x(longitude double precision, cells integer) returns integer
    language sql immutable parallel safe
    as $$ select least(cells - 1, greatest(0, floor((longitude + 180) / 360 * cells)))::integer $$`.execute(db);
  // Latitudes past ±85.0511° (the square Mercator world's edge) fall into the edge row.
  await sql`create function map_cell_y(latitude double precision, cells integer) returns integer
    language sql immutable parallel safe
    as $$ select least(cells - 1, greatest(0, floor(
      (1 - ln(tan(radians(least(85.0511287798, greatest(-85.0511287798, latitude))))
            + 1 / cos(radians(least(85.0511287798, greatest(-85.0511287798, latitude))))) / pi()) / 2 * cells)))::integer $$`.execute(db);
  await sql`create table problem_map_cells (
    level smallint not null,
    cell_x integer not null,
    cell_y integer not null,
    territory_id integer not null,
    category_id integer not null,
    status text not null,
    problems integer not null,
    latitude_sum double precision not null,
    longitude_sum double precision not null,
    primary key (level, cell_x, cell_y, territory_id, category_id, status)
  )`.execute(db);
  await sql`create function problem_map_cells_follow() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.latitude is not null and old.longitude is not null
         and old.status in ('open', 'solved', 'closed') then
        update problem_map_cells c
           set problems = c.problems - 1, latitude_sum = c.latitude_sum - old.latitude, longitude_sum = c.longitude_sum - old.longitude
          from unnest(array[2, 5, 8, 10, 12, 14]) as l(level)
         where c.level = l.level and c.cell_x = map_cell_x(old.longitude, 4 << l.level)
           and c.cell_y = map_cell_y(old.latitude, 4 << l.level) and c.territory_id = old.territory_id
           and c.category_id = case when l.level <= 10 then old.category_id else 0 end and c.status = old.status;
        delete from problem_map_cells c using unnest(array[2, 5, 8, 10, 12, 14]) as l(level)
         where c.level = l.level and c.cell_x = map_cell_x(old.longitude, 4 << l.level)
           and c.cell_y = map_cell_y(old.latitude, 4 << l.level) and c.territory_id = old.territory_id
           and c.category_id = case when l.level <= 10 then old.category_id else 0 end and c.status = old.status
           and c.problems <= 0;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.latitude is not null and new.longitude is not null
         and new.status in ('open', 'solved', 'closed') then
        insert into problem_map_cells as c (level, cell_x, cell_y, territory_id, category_id, status, problems, latitude_sum, longitude_sum)
        select l.level, map_cell_x(new.longitude, 4 << l.level), map_cell_y(new.latitude, 4 << l.level), new.territory_id,
               case when l.level <= 10 then new.category_id else 0 end, new.status, 1, new.latitude, new.longitude
          from unnest(array[2, 5, 8, 10, 12, 14]) as l(level)
        on conflict (level, cell_x, cell_y, territory_id, category_id, status) do update
           set problems = c.problems + 1, latitude_sum = c.latitude_sum + excluded.latitude_sum,
               longitude_sum = c.longitude_sum + excluded.longitude_sum;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger problems_map_cells after insert or delete or update of latitude, longitude, status, territory_id, category_id
    on problems for each row execute function problem_map_cells_follow()`.execute(db);
  await sql`insert into problem_map_cells (level, cell_x, cell_y, territory_id, category_id, status, problems, latitude_sum, longitude_sum)
    select l.level, map_cell_x(p.longitude, 4 << l.level), map_cell_y(p.latitude, 4 << l.level), p.territory_id,
           case when l.level <= 10 then p.category_id else 0 end, p.status, count(*), sum(p.latitude), sum(p.longitude)
      from problems p cross join unnest(array[2, 5, 8, 10, 12, 14]) as l(level)
     where p.latitude is not null and p.longitude is not null and p.status in ('open', 'solved', 'closed')
     group by 1, 2, 3, 4, 5, 6`.execute(db);
  await sql`create index problems_map_point_idx on problems using gist (point(longitude, latitude))
    include (id, latitude, longitude, status, category_id, territory_id)
    where status in ('open', 'solved', 'closed') and latitude is not null and longitude is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index problems_map_point_idx`.execute(db);
  await sql`drop trigger problems_map_cells on problems`.execute(db);
  await sql`drop function problem_map_cells_follow()`.execute(db);
  await sql`drop table problem_map_cells`.execute(db);
  await sql`drop function map_cell_y(double precision, integer)`.execute(db);
  await sql`drop function map_cell_x(double precision, integer)`.execute(db);
}
