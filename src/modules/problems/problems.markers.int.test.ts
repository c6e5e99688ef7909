/**
 * The map's markers by viewport (problems.markers.ts, migration 0033) through the real app and database: few
 * problems come as points, many as clusters whose counts add up to every listed problem with a point in the
 * viewport, at every zoom; the highest zoom lists every problem of its viewport; the list's filters apply;
 * hidden problems never show; a bad bbox is a 400 with its message; and the cells the trigger keeps equal a
 * recount after a random mix of changes.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { categoryId, createAppeal, createMunicipality, createOrganization, createProblem, createUser, openAppeal } from '../../../test/support/factories.ts';
import type { User } from '../../core/db/schema.ts';
import { hideProblem, restoreProblem } from './problems.moderation.ts';
import { type MapBox, mapPointLimit } from './problems.rules.ts';

interface MarkersJson {
  items: { id: number; title: string; status: string; latitude: number; longitude: number; url: string }[];
  clusters: { problems: number; latitude: number; longitude: number; bounds: MapBox }[];
  total: number;
  truncated: boolean;
  zoom: number;
  bbox: MapBox;
}

interface Placed {
  id: number;
  latitude: number;
  longitude: number;
  territoryId: number;
  categoryId: number;
  status: string;
}

let t: TestApp;
let author: User;
let tver: number;
let torzhok: number;
let roads: number;
let yards: number;
/** Every problem these tests made, as the database has it now. */
const placed = new Map<number, Placed>();

// A fixed pseudo-random sequence, so a failure repeats.
let seed = 20261206;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}

async function markers(query: string): Promise<MarkersJson> {
  const response = await t.app.inject({ method: 'GET', url: `/api/v1/problems/markers${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as MarkersJson;
}

function visible(filter: (p: Placed) => boolean = () => true): Placed[] {
  return [...placed.values()].filter((p) => p.status !== 'hidden' && filter(p));
}

function inside(box: MapBox) {
  return (p: Placed) => p.longitude >= box.west && p.longitude <= box.east && p.latitude >= box.south && p.latitude <= box.north;
}

/** Problems with a point, inserted in bulk (the trigger counts them as it counts the service's). */
async function insertProblems(count: number, where: { latitude: number; longitude: number; spread: number; territoryId: number }): Promise<number[]> {
  const rows = Array.from({ length: count }, (_, i) => ({
    title: `Проблема на карте ${placed.size + i}`,
    description: 'Проблема для проверки карты, подробное описание.',
    category_id: random() < 0.5 ? roads : yards,
    territory_id: where.territoryId,
    author_id: author.id,
    latitude: where.latitude + (random() - 0.5) * where.spread,
    longitude: where.longitude + (random() - 0.5) * where.spread * 1.5,
    status: random() < 0.8 ? ('open' as const) : ('solved' as const),
  }));
  const inserted = await t.ctx.db
    .insertInto('problems')
    .values(rows)
    .returning(['id', 'latitude', 'longitude', 'territory_id', 'category_id', 'status'])
    .execute();
  for (const row of inserted)
    placed.set(row.id, {
      id: row.id,
      latitude: row.latitude as number,
      longitude: row.longitude as number,
      territoryId: row.territory_id,
      categoryId: row.category_id,
      status: row.status,
    });
  return inserted.map((row) => row.id);
}

beforeAll(async () => {
  t = await createTestApp();
  tver = await createMunicipality(t.ctx);
  torzhok = await createMunicipality(t.ctx, '28000000', '28715000', 'город Торжок');
  roads = await categoryId(t.ctx, 'roads');
  yards = (await t.ctx.db.selectFrom('categories').select('id').where('slug', '<>', 'roads').orderBy('id').executeTakeFirstOrThrow()).id;
  author = await createUser(t.ctx);
  // Tver: more than a response's points; Torzhok, 60 km away: a few; and one far off on its own.
  await insertProblems(mapPointLimit + 150, { latitude: 56.86, longitude: 35.9, spread: 0.1, territoryId: tver });
  await insertProblems(12, { latitude: 57.04, longitude: 34.96, spread: 0.02, territoryId: torzhok });
  const lonely = await createProblem(t.ctx, { author, title: 'Одинокая проблема на севере', territoryId: torzhok, latitude: 60.5, longitude: 33.1 });
  placed.set(lonely.id, { id: lonely.id, latitude: 60.5, longitude: 33.1, territoryId: torzhok, categoryId: lonely.category_id, status: 'open' });
  // Neither a problem without a point nor a hidden one is on the map.
  await createProblem(t.ctx, { author, title: 'Проблема без точки на карте', territoryId: tver });
  const hidden = await createProblem(t.ctx, { author, title: 'Скрытая проблема на карте', territoryId: tver, latitude: 56.86, longitude: 35.9 });
  await hideProblem(t.ctx.db, hidden.id, 'spam');
  placed.set(hidden.id, { id: hidden.id, latitude: 56.86, longitude: 35.9, territoryId: tver, categoryId: hidden.category_id, status: 'hidden' });
});
afterAll(() => t?.stop());

describe('the markers of the map', () => {
  it('clusters the whole map when there are many, and the clusters hold every visible problem with a point', async () => {
    const whole = await markers('');
    expect(whole.zoom).toBe(3);
    expect(whole.total).toBe(visible().length);
    expect(whole.clusters.length).toBeGreaterThan(0);
    expect(whole.items.length + whole.clusters.reduce((sum, c) => sum + c.problems, 0)).toBe(visible().length);
    expect(whole.items.length + whole.clusters.length).toBeLessThanOrEqual(mapPointLimit);
    for (const cluster of whole.clusters) {
      expect(cluster.problems).toBeGreaterThan(1);
      expect(cluster.latitude).toBeGreaterThanOrEqual(cluster.bounds.south);
      expect(cluster.latitude).toBeLessThanOrEqual(cluster.bounds.north);
      expect(cluster.longitude).toBeGreaterThanOrEqual(cluster.bounds.west);
      expect(cluster.longitude).toBeLessThanOrEqual(cluster.bounds.east);
    }
  });

  it('counts every problem of the viewport at every zoom, and never sends more than a few hundred markers', async () => {
    const bbox = '34.5,56.5,36.5,61';
    for (let zoom = 0; zoom <= 19; zoom++) {
      const answer = await markers(`?bbox=${bbox}&zoom=${zoom}`);
      const expected = visible(inside(answer.bbox));
      if (answer.truncated) {
        expect(answer.items).toHaveLength(mapPointLimit);
        expect(answer.total).toBe(expected.length);
      } else {
        const clustered = answer.clusters.reduce((sum, c) => sum + c.problems, 0);
        expect(answer.items.length + clustered, `zoom ${zoom}`).toBe(expected.length);
        expect(answer.total, `zoom ${zoom}`).toBe(expected.length);
      }
      expect(answer.items.length + answer.clusters.length, `zoom ${zoom}`).toBeLessThanOrEqual(1024);
      for (const item of answer.items) expect(inside(answer.bbox)(placed.get(item.id) as Placed)).toBe(true);
    }
  });

  it('gives each problem of a viewport as a point at the highest zoom, none outside it', async () => {
    const centre = visible((p) => p.territoryId === tver)[0] as Placed;
    const box = { west: centre.longitude - 0.0015, south: centre.latitude - 0.001, east: centre.longitude + 0.0015, north: centre.latitude + 0.001 };
    const answer = await markers(`?bbox=${box.west},${box.south},${box.east},${box.north}&zoom=19`);
    expect(answer.zoom).toBe(19);
    expect(answer.clusters).toEqual([]);
    expect(answer.truncated).toBe(false);
    const ids = answer.items.map((item) => item.id).sort();
    for (const p of visible(inside(box))) expect(ids).toContain(p.id);
    expect(ids).toEqual(
      visible(inside(answer.bbox))
        .map((p) => p.id)
        .sort(),
    );
    expect(answer.items.find((item) => item.id === centre.id)).toMatchObject({
      latitude: centre.latitude,
      longitude: centre.longitude,
      url: `http://democrator.test/problems/${centre.id}`,
    });
  });

  it('gives the points of a viewport with few problems one by one, at any zoom', async () => {
    const torzhokBox = '34.9,57.0,35.0,57.08';
    // From zoom 11 the cells the box touches leave out Tver; each answer has every problem of Torzhok.
    for (const zoom of [11, 13, 15]) {
      const answer = await markers(`?bbox=${torzhokBox}&zoom=${zoom}`);
      expect(answer.clusters).toEqual([]);
      expect(answer.items).toHaveLength(12);
      expect(answer.items.map((item) => item.id).sort()).toEqual(
        visible(inside(answer.bbox))
          .map((p) => p.id)
          .sort(),
      );
    }
  });

  it('shows a problem alone in its cell as a point among the clusters', async () => {
    const whole = await markers('?zoom=6');
    expect(whole.clusters.length).toBeGreaterThan(0);
    const lonely = whole.items.find((item) => item.title === 'Одинокая проблема на севере');
    expect(lonely).toMatchObject({ latitude: 60.5, longitude: 33.1, status: 'open' });
  });

  it('applies the list’s filters, from the stored cells and from the problems themselves', async () => {
    const cases: [string, (p: Placed) => boolean][] = [
      ['territory=28715000', (p) => p.territoryId === torzhok],
      ['territory=28000000', () => true],
      ['status=solved', (p) => p.status === 'solved'],
      ['category=roads', (p) => p.categoryId === roads],
      ['category=roads&status=open&territory=28701000', (p) => p.categoryId === roads && p.status === 'open' && p.territoryId === tver],
    ];
    for (const [filter, matches] of cases)
      for (const zoom of [4, 10, 12, 16]) {
        const answer = await markers(`?bbox=34.5,56.5,36.5,61&zoom=${zoom}&${filter}`);
        const clustered = answer.clusters.reduce((sum, c) => sum + c.problems, 0);
        expect(answer.total, `${filter} at ${zoom}`).toBe(visible((p) => matches(p) && inside(answer.bbox)(p)).length);
        if (!answer.truncated) expect(answer.items.length + clustered, `${filter} at ${zoom}`).toBe(answer.total);
      }
    const searched = await markers('?q=одинокая');
    expect(searched.items.map((item) => item.title)).toEqual(['Одинокая проблема на севере']);
    expect((await markers('?territory=45000000')).total).toBe(0);
  });

  it('filters by an addressee: the problems with an appeal to it that is not a draft, at every zoom', async () => {
    const candidates = [...placed.values()].filter((p) => p.status === 'open' && p.territoryId === tver);
    const [open, drafted, elsewhere] = [candidates[0], candidates[1], candidates[2]] as [Placed, Placed, Placed];
    const addressee = await createOrganization(t.ctx, { territoryId: tver });
    const other = await createOrganization(t.ctx, { territoryId: tver });
    const problem = (id: number) => t.ctx.db.selectFrom('problems').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await openAppeal(t.ctx, { problem: await problem(open.id), organization: addressee, author, acknowledgeWarnings: true });
    await createAppeal(t.ctx, { problem: await problem(drafted.id), organization: addressee, author });
    await openAppeal(t.ctx, { problem: await problem(elsewhere.id), organization: other, author, acknowledgeWarnings: true });
    for (const query of [
      '',
      '&bbox=34.5,56.5,36.5,61&zoom=4',
      '&bbox=34.5,56.5,36.5,61&zoom=12',
      `&bbox=${open.longitude - 0.001},${open.latitude - 0.001},${open.longitude + 0.001},${open.latitude + 0.001}&zoom=17`,
    ]) {
      const answer = await markers(`?organization=${addressee.slug}${query}`);
      expect(answer.total, query).toBe(1);
      expect(
        answer.items.map((item) => item.id),
        query,
      ).toEqual([open.id]);
    }
    expect((await markers(`?organization=${other.slug}&status=solved`)).total).toBe(0);
  });

  it('keeps a search over the whole country between readers, and shows a change made here on the next request', async () => {
    expect((await markers('?q=маяк')).total).toBe(0);
    expect((await markers('?q=маяк&bbox=19,41,180,82&zoom=4')).total).toBe(0);
    const lighthouse = await createProblem(t.ctx, { author, title: 'Маяк на берегу не горит', territoryId: torzhok, latitude: 57.05, longitude: 34.97 });
    for (const query of ['?q=маяк', '?q=маяк&bbox=19,41,180,82&zoom=4', '?q=маяк&bbox=34.5,56.5,36.5,61&zoom=12'])
      expect(
        (await markers(query)).items.map((item) => item.id),
        query,
      ).toEqual([lighthouse.id]);
    await hideProblem(t.ctx.db, lighthouse.id, 'spam');
    expect((await markers('?q=маяк')).total).toBe(0);
    await restoreProblem(t.ctx.db, lighthouse.id);
    expect((await markers('?q=маяк')).total).toBe(1);
    await hideProblem(t.ctx.db, lighthouse.id, 'spam');
  });

  it('never shows a hidden problem, and shows it again once restored', async () => {
    const target = visible((p) => p.territoryId === torzhok)[0] as Placed;
    const box = `${target.longitude - 0.001},${target.latitude - 0.001},${target.longitude + 0.001},${target.latitude + 0.001}`;
    const before = await markers('');
    await hideProblem(t.ctx.db, target.id, 'spam');
    placed.set(target.id, { ...target, status: 'hidden' });
    expect((await markers('')).total).toBe(before.total - 1);
    expect((await markers(`?bbox=${box}&zoom=18`)).items.map((item) => item.id)).not.toContain(target.id);
    await restoreProblem(t.ctx.db, target.id);
    placed.set(target.id, target);
    expect((await markers('')).total).toBe(before.total);
    expect((await markers(`?bbox=${box}&zoom=18`)).items.map((item) => item.id)).toContain(target.id);
  });

  it('refuses a bbox that is not one with invalid_bbox and a message in Russian', async () => {
    for (const bbox of ['1,2,3', 'a,b,c,d', '36,56,35,57', '35,57,36,56', '-181,0,1,1', '0,0,181,1', '0,-91,1,1', '1,2,3,4,5', '1e2,0,2,1', '']) {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/problems/markers?bbox=${encodeURIComponent(bbox)}` });
      expect(response.statusCode, bbox).toBe(400);
      const body = response.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_bbox');
      expect(body.error.message).toContain('Область карты задана неверно');
    }
    const zoom = await t.app.inject({ method: 'GET', url: '/api/v1/problems/markers?bbox=35,56,36,57&zoom=20' });
    expect(zoom.statusCode).toBe(422);
  });

  it('takes a box without a zoom at the zoom that shows it, and a huge box at a zoom with at most 1,024 cells', async () => {
    const city = await markers('?bbox=35.8,56.8,36.0,56.9');
    expect(city.zoom).toBe(12);
    const world = await markers('?bbox=-180,-85,180,85&zoom=19');
    expect(world.zoom).toBe(3);
    expect(world.total).toBe(visible().length);
  });
});

describe('the cells the trigger keeps', () => {
  it('equal a recount after a random mix of publishing, moving, re-filing, solving, hiding and deleting', async () => {
    const recount = sql<{ level: number; category_id: number; cell_x: number; cell_y: number; territory_id: number; status: string; problems: number }>`
      select l.level, k.category_id, map_cell_x(p.longitude, 4 << l.level) as cell_x, map_cell_y(p.latitude, 4 << l.level) as cell_y,
             p.territory_id, p.status, count(*)::int as problems
        from problems p cross join unnest(array[2, 5, 8, 10, 12, 14]) as l(level)
        cross join lateral unnest(case when l.level <= 12 then array[0, p.category_id] else array[0] end) as k(category_id)
       where p.latitude is not null and p.status in ('open', 'solved', 'closed')
       group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6`;
    const stored = () =>
      t.ctx.db
        .selectFrom('problem_map_cells')
        .select(['level', 'category_id', 'cell_x', 'cell_y', 'territory_id', 'status', 'problems'])
        .orderBy('level')
        .orderBy('category_id')
        .orderBy('cell_x')
        .orderBy('cell_y')
        .orderBy('territory_id')
        .orderBy('status')
        .execute();
    const ids = [...placed.keys()];
    for (let step = 0; step < 150; step++) {
      const id = ids[Math.floor(random() * ids.length)] as number;
      const action = Math.floor(random() * 6);
      const change =
        action === 0
          ? { latitude: 56.5 + random(), longitude: 35 + random() }
          : action === 1
            ? { territory_id: random() < 0.5 ? tver : torzhok }
            : action === 2
              ? { category_id: random() < 0.5 ? roads : yards }
              : action === 3
                ? { status: (['open', 'solved', 'closed', 'hidden'] as const)[Math.floor(random() * 4)] }
                : action === 4
                  ? { latitude: null, longitude: null }
                  : null;
      if (change) await t.ctx.db.updateTable('problems').set(change).where('id', '=', id).execute();
      else if (random() < 0.5) await insertProblems(3, { latitude: 56.9, longitude: 35.9, spread: 0.3, territoryId: tver });
      else {
        const [fresh] = await insertProblems(1, { latitude: 57, longitude: 35, spread: 0.1, territoryId: tver });
        await t.ctx.db
          .deleteFrom('problems')
          .where('id', '=', fresh as number)
          .execute();
      }
    }
    const cells = await stored();
    expect(cells.every((cell) => cell.problems > 0)).toBe(true);
    expect(cells).toEqual((await recount.execute(t.ctx.db)).rows);
    const sums = await sql<{ off: number }>`select count(*)::int as off from problem_map_cells c where abs(c.latitude_sum - (
        select sum(p.latitude) from problems p where p.latitude is not null and p.status = c.status and p.territory_id = c.territory_id
          and (c.category_id = 0 or p.category_id = c.category_id)
          and map_cell_x(p.longitude, 4 << c.level) = c.cell_x and map_cell_y(p.latitude, 4 << c.level) = c.cell_y)) > 1e-6`.execute(t.ctx.db);
    expect(sums.rows[0]?.off).toBe(0);
  });
});
