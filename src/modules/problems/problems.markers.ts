/**
 * The map's markers: the listed problems with a point inside a viewport, as points when there are at most
 * mapPointLimit of them, otherwise grouped into the cells of the zoom's grid (problems.rules.ts). A cluster of one
 * problem is that problem's point. From mapPointsZoom on, the points come individually, the newest mapPointLimit.
 *
 * With no filter past a territory, a status and (up to zoom 12) a category the cells are read from
 * problem_map_cells (migrations 0033, 0035), a few thousand rows for the whole country; other filters (search, a
 * category from zoom 13) group the matching problems as they are read, through the two-dimensional index of their
 * points (an index-only scan). An addressee's problems are found by their appeals first and their points read by id
 * (problems_map_id_idx, migration 0050): 20,000 index entries instead of testing every point of the viewport.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import { keptRead } from '../../core/db/kept-reads.ts';
import { categoryIdBySlug } from '../organizations/organizations.service.ts';
import {
  type ListedStatus,
  type MapBox,
  type MapGrid,
  mapCellCategoryLevel,
  mapCellLevel,
  mapCellsBox,
  mapGrid,
  mapPointLimit,
  mapPointsZoom,
} from './problems.rules.ts';
import { type ListingFilters, listingConditions } from './problems.service.ts';

export interface MapPoint {
  id: number;
  title: string;
  status: ListedStatus;
  latitude: number;
  longitude: number;
}

export interface MapCluster {
  problems: number;
  /** The mean position of its problems. */
  latitude: number;
  longitude: number;
  /** The cell's corners: zooming to them splits the cluster. */
  bounds: MapBox;
}

export interface MapMarkers {
  /** The zoom the cells are of (lower than asked when the box covers more than mapMaxCells of them). */
  zoom: number;
  /** What the answer covers: the whole cells the asked box touches. */
  box: MapBox;
  points: MapPoint[];
  clusters: MapCluster[];
  /** The problems inside `box`: the points and the clusters' problems, or more when truncated. */
  total: number;
  /** true: only the newest mapPointLimit of `total` points are in `points`. */
  truncated: boolean;
}

export type MarkerFilter = Omit<ListingFilters, 'withPoint' | 'ids' | 'organizationId'>;

interface CellRow {
  x: number;
  y: number;
  problems: number;
  latitude: number;
  longitude: number;
  /** The problem of a cell that holds one, when the cell was grouped from the problems themselves. */
  only_id: number | null;
}

// The box of the GiST index's expression, a hair larger than the cells: the cell conditions then decide a point on an edge.
const edge = 1e-9;

function insideGrid(grid: MapGrid): Expression<SqlBool> {
  const { box, cells } = grid;
  return sql<SqlBool>`p.latitude is not null and p.longitude is not null
    and point(p.longitude, p.latitude) <@ box(point(${box.west - edge}::float8, ${box.south - edge}::float8), point(${box.east + edge}::float8, ${box.north + edge}::float8))
    and map_cell_x(p.longitude, ${cells}::int) between ${grid.xFrom}::int and ${grid.xTo}::int
    and map_cell_y(p.latitude, ${cells}::int) between ${grid.yFrom}::int and ${grid.yTo}::int`;
}

/**
 * A search or an addressee over the whole country (zoom ≤ keptMarkersZoom: the island's first request after a search,
 * a few dozen cells) reads the points of every match, tens or hundreds of thousands of rows: the same answer for every
 * visitor, kept between them (core/db/kept-reads.ts: made again after any write to the problems or their appeals in
 * this process, renewed every 2 s; the answer's own cache-control allows a minute). Finer viewports differ per
 * visitor and read few points: made for each request.
 */
const keptMarkersZoom = 5;

export async function mapMarkers(ctx: AppContext, filter: MarkerFilter, viewport: { box: MapBox; zoom: number }): Promise<MapMarkers> {
  const grid = mapGrid(viewport.box, viewport.zoom);
  if ((filter.search || filter.organizationSlug) && grid.zoom <= keptMarkersZoom) {
    const { territoryOktmo, categorySlug, organizationSlug, status, search } = filter;
    const key = JSON.stringify([territoryOktmo, categorySlug, organizationSlug, status, search, grid.zoom, grid.xFrom, grid.xTo, grid.yFrom, grid.yTo]);
    return keptRead(ctx.db, `problems.markers:${key}`, ['problems', ...ctx.ports.problems.appeals.listingReads], () => markersOf(ctx, filter, grid));
  }
  return markersOf(ctx, filter, grid);
}

async function markersOf(ctx: AppContext, filter: MarkerFilter, grid: MapGrid): Promise<MapMarkers> {
  const empty: MapMarkers = { zoom: grid.zoom, box: grid.box, points: [], clusters: [], total: 0, truncated: false };
  // An addressee's problems are few next to the points of a viewport: their ids first, then their points by id.
  const matching = await listingConditions(ctx, { ...filter, organizationSlug: undefined });
  if (!matching) return empty;
  const { conditions, territoryIds } = matching;
  if (territoryIds) conditions.push(sql<SqlBool>`p.territory_id = any(${territoryIds}::int[])`);
  if (filter.organizationSlug) conditions.push(sql<SqlBool>`p.id = any(${ctx.ports.problems.appeals.addressedProblems(filter.organizationSlug)})`);
  const where = sql<SqlBool>`${sql.join([...conditions, insideGrid(grid)], sql` and `)}`;

  const level = mapCellLevel(grid.zoom);
  const fromCells = level !== null && (!filter.categorySlug || level <= mapCellCategoryLevel) && !filter.organizationSlug && !matching.search;
  const cells = fromCells ? await storedCells(ctx, grid, level, filter, territoryIds) : await groupedCells(ctx, grid, where);
  const total = cells.reduce((sum, cell) => sum + cell.problems, 0);
  if (total === 0) return empty;

  if (total <= mapPointLimit || grid.zoom >= mapPointsZoom) {
    const points = await pointsWhere(ctx, where, mapPointLimit);
    return { ...empty, points, total, truncated: total > points.length };
  }

  const singles = cells.filter((cell) => cell.problems === 1);
  const singleIds = fromCells ? await onlyProblems(ctx, grid, singles, where) : singles.flatMap((cell) => (cell.only_id === null ? [] : [cell.only_id]));
  const points = singleIds.length ? await pointsWhere(ctx, sql<SqlBool>`p.id = any(${singleIds}::int[])`, singleIds.length) : [];
  const clusters = cells
    .filter((cell) => cell.problems > 1)
    .map((cell) => ({
      problems: cell.problems,
      latitude: cell.latitude,
      longitude: cell.longitude,
      bounds: mapCellsBox(cell.x, cell.y, cell.x, cell.y, grid.cells),
    }));
  // A single found nowhere (hidden since the cells were read) is not counted.
  return { ...empty, points, clusters, total: total - singles.length + points.length };
}

/** The cells of the grid from problem_map_cells' level at or above its zoom, each the sum of its finer cells. */
async function storedCells(ctx: AppContext, grid: MapGrid, level: number, filter: MarkerFilter, territoryIds: number[] | null): Promise<CellRow[]> {
  const shift = level - grid.zoom;
  const finer = 2 ** shift;
  const rows = await sql<CellRow>`select c.cell_x >> ${shift}::int as x, c.cell_y >> ${shift}::int as y,
      sum(c.problems)::int as problems, sum(c.latitude_sum) / sum(c.problems) as latitude,
      sum(c.longitude_sum) / sum(c.problems) as longitude, null::int as only_id
    from problem_map_cells c
    where c.level = ${level}::smallint
      and c.category_id = ${filter.categorySlug ? categoryIdBySlug(filter.categorySlug) : 0}
      and c.cell_x between ${grid.xFrom * finer}::int and ${(grid.xTo + 1) * finer - 1}::int
      and c.cell_y between ${grid.yFrom * finer}::int and ${(grid.yTo + 1) * finer - 1}::int
      ${filter.status ? sql`and c.status = ${filter.status}` : sql``}
      ${territoryIds ? sql`and c.territory_id = any(${territoryIds}::int[])` : sql``}
    group by 1, 2
    having sum(c.problems) > 0`.execute(ctx.db);
  return rows.rows;
}

/** The cells of the grid grouped from the matching problems themselves. */
async function groupedCells(ctx: AppContext, grid: MapGrid, where: Expression<SqlBool>): Promise<CellRow[]> {
  const rows = await sql<CellRow>`select map_cell_x(p.longitude, ${grid.cells}::int) as x, map_cell_y(p.latitude, ${grid.cells}::int) as y,
      count(*)::int as problems, avg(p.latitude) as latitude, avg(p.longitude) as longitude,
      case when count(*) = 1 then min(p.id) end as only_id
    from problems p where ${where}
    group by 1, 2`.execute(ctx.db);
  return rows.rows;
}

/** The one matching problem of each of these cells (cells of one problem, read from problem_map_cells). */
async function onlyProblems(ctx: AppContext, grid: MapGrid, singles: CellRow[], where: Expression<SqlBool>): Promise<number[]> {
  if (singles.length === 0) return [];
  const xs = singles.map((cell) => cell.x);
  const ys = singles.map((cell) => cell.y);
  const rows = await sql<{ id: number }>`select one.id from unnest(${xs}::int[], ${ys}::int[]) as cell(x, y)
    cross join lateral (
      select p.id from problems p
      where ${where}
        and map_cell_x(p.longitude, ${grid.cells}::int) = cell.x and map_cell_y(p.latitude, ${grid.cells}::int) = cell.y
        and point(p.longitude, p.latitude) <@ box(
          point(cell.x::float8 / ${grid.cells}::float8 * 360 - 180 - ${edge}::float8, degrees(atan(sinh(pi() * (1 - 2 * (cell.y + 1)::float8 / ${grid.cells}::float8)))) - ${edge}::float8),
          point((cell.x + 1)::float8 / ${grid.cells}::float8 * 360 - 180 + ${edge}::float8, degrees(atan(sinh(pi() * (1 - 2 * cell.y::float8 / ${grid.cells}::float8)))) + ${edge}::float8))
      limit 1) one`.execute(ctx.db);
  return rows.rows.map((row) => row.id);
}

/** The newest `limit` matching problems, as points. */
async function pointsWhere(ctx: AppContext, where: Expression<SqlBool>, limit: number): Promise<MapPoint[]> {
  const rows = await sql<MapPoint>`select p.id, p.title, p.status, p.latitude, p.longitude from problems p
    where ${where} and p.status in ('open', 'solved', 'closed') and p.latitude is not null
    order by p.id desc limit ${limit}`.execute(ctx.db);
  return rows.rows;
}
