import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import { checkComment, checkProblem, excerpt, type ProblemInput, parseCoordinate } from './problems.rules.ts';

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
