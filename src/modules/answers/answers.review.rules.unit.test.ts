import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { checkRating, distributionOf, outcomeOf, shares } from './answers.review.rules.ts';

describe('the review of an answer', () => {
  it('takes a score of 1 to 5, a verdict and an optional comment, and names every wrong field', () => {
    expect(checkRating({ score: 4, solved: 'partly', comment: '  Сделали половину.\r\n ' })).toEqual({
      score: 4,
      solved: 'partly',
      comment: 'Сделали половину.',
    });
    expect(checkRating({ score: 1, solved: 'no', comment: '   ' }).comment).toBeNull();
    const wrong = (() => {
      try {
        checkRating({ score: 6, solved: 'maybe', comment: 'я'.repeat(2001) });
      } catch (error) {
        return error;
      }
    })();
    expect(wrong).toBeInstanceOf(ValidationError);
    expect((wrong as ValidationError).fields.map((problem) => problem.field)).toEqual(['score', 'solved', 'comment']);
    for (const score of [0, 2.5, Number.NaN]) expect(() => checkRating({ score, solved: 'yes', comment: null })).toThrow(ValidationError);
  });

  it('adds ratings up into the scores, the verdicts and the mean', () => {
    const distribution = distributionOf([
      { score: 5, solved: 'yes' },
      { score: 4, solved: 'yes' },
      { score: 2, solved: 'no' },
    ]);
    expect(distribution).toEqual({ total: 3, scores: { 1: 0, 2: 1, 3: 0, 4: 1, 5: 1 }, verdicts: { yes: 2, partly: 0, no: 1 }, average: 11 / 3 });
    expect(distributionOf([]).average).toBeNull();
    // Groups of equal ratings, as the page reads them, add up the same.
    expect(
      distributionOf([
        { score: 5, solved: 'yes', count: 1 },
        { score: 4, solved: 'yes', count: 1 },
        { score: 2, solved: 'no', count: 1 },
      ]),
    ).toEqual(distribution);
    expect(distributionOf([{ score: 3, solved: 'partly', count: 4 }])).toMatchObject({ total: 4, scores: { 3: 4 }, verdicts: { partly: 4 }, average: 3 });
  });

  it('closes with the verdict most raters gave, a tie going to the less favourable one, and none without ratings', () => {
    expect(outcomeOf({ yes: 3, partly: 1, no: 2 })).toBe('resolved');
    expect(outcomeOf({ yes: 1, partly: 4, no: 2 })).toBe('partly');
    expect(outcomeOf({ yes: 2, partly: 0, no: 2 })).toBe('unresolved');
    expect(outcomeOf({ yes: 2, partly: 2, no: 0 })).toBe('partly');
    expect(outcomeOf({ yes: 0, partly: 0, no: 0 })).toBeNull();
  });

  it('gives whole shares that add up to 100', () => {
    expect(shares({ yes: 1, partly: 1, no: 1 })).toEqual({ yes: 34, partly: 33, no: 33 });
    expect(shares({ yes: 2, partly: 1, no: 0 })).toEqual({ yes: 67, partly: 33, no: 0 });
    expect(shares({ yes: 0, partly: 0, no: 0 })).toEqual({ yes: 0, partly: 0, no: 0 });
  });
});
