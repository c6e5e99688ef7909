import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import {
  checkComment,
  checkProblem,
  excerpt,
  mapCellLevel,
  mapCells,
  mapCellsBox,
  mapCellX,
  mapCellY,
  mapGrid,
  mapMaxCells,
  mapZoomFor,
  type ProblemInput,
  parseCoordinate,
  parseMapBox,
  wholeMap,
} from './problems.rules.ts';

const valid: ProblemInput = {
  title: 'Яма на дороге',
  description: 'Глубокая яма у дома 5.',
  categoryId: 1,
  territoryId: 2,
  address: '',
  latitude: null,
  longitude: null,
};

function problemsOf(input: Partial<ProblemInput>) {
  const checks = new FieldChecks();
  checkProblem(checks, { ...valid, ...input });
  return checks.problems.map((p) => `${p.field}:${p.rule}`);
}

describe('checkProblem', () => {
  it('accepts a complete problem, with or without a point', () => {
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ latitude: 56.85, longitude: 35.9 })).toEqual([]);
  });

  it('wants both coordinates or none, each within its range', () => {
    expect(problemsOf({ latitude: 56.85 })).toEqual(['longitude:pointIncomplete']);
    expect(problemsOf({ longitude: 35.9 })).toEqual(['latitude:pointIncomplete']);
    expect(problemsOf({ latitude: 91, longitude: -181 })).toEqual(['latitude:latitudeRange', 'longitude:longitudeRange']);
    expect(problemsOf({ latitude: Number.NaN, longitude: 1 })).toEqual(['latitude:latitudeRange']);
  });
});

describe('parseCoordinate', () => {
  it('reads a dot or a comma, refuses words, treats empty as none', () => {
    expect(parseCoordinate(' 56,8589 ')).toBe(56.8589);
    expect(parseCoordinate('-35.9')).toBe(-35.9);
    expect(parseCoordinate('')).toBeNull();
    expect(parseCoordinate('север')).toBeNaN();
    expect(parseCoordinate('1e3')).toBeNaN();
  });
});

describe('checkComment', () => {
  it('counts characters as PostgreSQL does (code points), after trimming', () => {
    const check = (body: string) => {
      const checks = new FieldChecks();
      checkComment(checks, body);
      return checks.problems.map((p) => p.rule);
    };
    expect(check('  ')).toEqual(['required']);
    expect(check('😀'.repeat(10_000))).toEqual([]);
    expect(check(`${'я'.repeat(10_001)}`)).toEqual(['tooLong']);
    expect(check(`  ${'я'.repeat(10_000)}  `)).toEqual([]);
  });
});

describe('excerpt', () => {
  it('cuts at a word boundary and marks the cut', () => {
    expect(excerpt('Короткий текст.')).toBe('Короткий текст.');
    const cut = excerpt('слово '.repeat(100), 40);
    expect(cut.endsWith('слово…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(41);
  });
});

describe('the map grid', () => {
  it('reads a bbox of four numbers, west < east and south < north, within the world', () => {
    expect(parseMapBox('35.6,56.8,36.1,56.9')).toEqual({ west: 35.6, south: 56.8, east: 36.1, north: 56.9 });
    expect(parseMapBox(' -180 , -90 , 180 , 90 ')).toEqual({ west: -180, south: -90, east: 180, north: 90 });
    for (const wrong of [
      '',
      '1,2,3',
      '1,2,3,4,5',
      'a,1,2,3',
      '1e1,0,20,1',
      '36,56,35,57',
      '35,57,36,56',
      '35,57,35,58',
      '-181,0,0,1',
      '0,0,1,91',
      'NaN,0,1,1',
      'Infinity,0,1,1',
    ])
      expect(parseMapBox(wrong), wrong).toBeNull();
  });

  it('puts a point in the cell of 64 pixels of its zoom, as the tiles do', () => {
    // Zoom 0: one 256-pixel tile, 4 × 4 cells; the equator and the prime meridian meet at the world's centre.
    expect([mapCellX(-180, 4), mapCellX(-0.01, 4), mapCellX(0, 4), mapCellX(180, 4)]).toEqual([0, 1, 2, 3]);
    expect([mapCellY(85.06, 4), mapCellY(0.01, 4), mapCellY(-0.01, 4), mapCellY(-90, 4)]).toEqual([0, 1, 2, 3]);
    // Tver (56.86 N, 35.9 E) at zoom 10: tile 614 × 314 (as OpenStreetMap numbers it), so cells 2456–2459 × 1256–1259.
    expect(Math.floor(mapCellX(35.9, mapCells(10)) / 4)).toBe(614);
    expect(Math.floor(mapCellY(56.86, mapCells(10)) / 4)).toBe(314);
    const box = mapCellsBox(2457, 1258, 2457, 1258, mapCells(10));
    expect(mapCellX(box.west + 1e-9, mapCells(10))).toBe(2457);
    expect(mapCellX(box.east - 1e-9, mapCells(10))).toBe(2457);
    expect(mapCellY(box.north - 1e-9, mapCells(10))).toBe(1258);
    expect(mapCellY(box.south + 1e-9, mapCells(10))).toBe(1258);
  });

  it('takes the cells a viewport touches, at a lower zoom when there would be more than 1,024', () => {
    const city = mapGrid({ west: 35.46, south: 58.04, east: 35.9, north: 58.19 }, 12);
    expect(city.zoom).toBe(12);
    expect((city.xTo - city.xFrom + 1) * (city.yTo - city.yFrom + 1)).toBeLessThanOrEqual(mapMaxCells);
    expect(city.box.west).toBeLessThanOrEqual(35.46);
    expect(city.box.north).toBeGreaterThanOrEqual(58.19);
    const world = mapGrid(wholeMap, 19);
    expect(world.zoom).toBe(3);
    expect([world.xFrom, world.xTo, world.yFrom, world.yTo]).toEqual([0, 31, 0, 31]);
    expect(mapZoomFor({ west: 35.8, south: 56.8, east: 36, north: 56.9 })).toBe(12);
    expect(mapZoomFor(wholeMap)).toBe(2);
  });

  it('reads a zoom from the first stored level at or above it, none past the last', () => {
    expect([0, 2, 3, 6, 9, 11, 13, 14, 15, 19].map(mapCellLevel)).toEqual([2, 2, 5, 8, 10, 12, 14, 14, null, null]);
  });
});
