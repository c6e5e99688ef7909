import { describe, expect, it } from 'vitest';
import { addToHistogram, answerDaysBucket, bayesianMean, countDifferences, emptyCounts, medianDays, ratingOf, wilson } from './answers.ratings.rules.ts';

describe('the rating formula', () => {
  it('gives the Wilson interval of the textbook examples', () => {
    // 8 of 10: the interval Wilson (1927) and Newcombe (1998) give, 0.490–0.943.
    const eight = wilson(8, 10)!;
    expect(eight.low).toBeCloseTo(0.4902, 4);
    expect(eight.high).toBeCloseTo(0.9433, 4);
    expect(wilson(0, 5)).toEqual({ low: 0, high: expect.closeTo(0.4345, 4) });
    expect(wilson(5, 5)!.low).toBeCloseTo(0.5655, 4);
    expect(wilson(5, 5)!.high).toBe(1);
    expect(wilson(0, 0)).toBeNull();
  });

  it('weighs the mean score toward the overall one as IMDb does', () => {
    // 20 ratings averaging 4.5, a prior of 10 ratings at the overall 3.5: 20/30·4.5 + 10/30·3.5.
    expect(bayesianMean(20, 4.5, 10, 3.5)).toBeCloseTo(4.1667, 4);
    // One rating of 5 barely moves a newcomer off the overall mean.
    expect(bayesianMean(1, 5, 10, 3)).toBeCloseTo(3.1818, 4);
    expect(bayesianMean(0, 0, 0, 3)).toBe(3);
  });

  it('puts the parts together from the kept counts, and ranks only with enough closed appeals', () => {
    const counts = {
      ...emptyCounts(),
      answered: 9,
      answered_on_time: 6,
      unanswered: 1,
      closed: 9,
      resolved: 4,
      partly: 2,
      unresolved: 2,
      no_verdict: 1,
      rating_count: 20,
      rating_sum: 70,
      score_counts: [2, 2, 4, 6, 6],
      answer_days: [0, 0, 3, 0, 4, 2],
    };
    const rating = ratingOf(counts, { priorRatings: 10, overallMean: 3, minimumClosed: 5 });
    // Quality: 20/30·3.5 + 10/30·3.
    expect(rating.quality.value).toBeCloseTo(3.3333, 4);
    expect(rating.quality.n).toBe(20);
    // Timeliness: 6 on time of 9 answered + 1 unanswered.
    expect(rating.timeliness).toMatchObject({ value: 0.6, n: 10 });
    expect(rating.timeliness.interval!.low).toBeCloseTo(wilson(6, 10)!.low, 10);
    // Resolution: 4 resolved + 2 partly of 4 + 2 + 2 + 1 unanswered (the unrated one left out).
    expect(rating.resolution).toMatchObject({ value: 6 / 9, n: 9 });
    expect(rating).toMatchObject({ closedAppeals: 10, ranked: true, medianAnswerDays: 4 });
    expect(ratingOf({ ...counts, closed: 3, unanswered: 1 }, { priorRatings: 10, overallMean: 3, minimumClosed: 5 }).ranked).toBe(false);
    expect(ratingOf(emptyCounts(), { priorRatings: 10, overallMean: 3, minimumClosed: 5 })).toMatchObject({
      quality: { value: null, interval: null, n: 0 },
      timeliness: { value: null },
      resolution: { value: null },
      medianAnswerDays: null,
    });
  });

  it('keeps answer times in a histogram of whole days and reads its median', () => {
    const sent = new Date('2026-03-01T09:00:00Z');
    expect(answerDaysBucket(sent, new Date('2026-03-01T20:00:00Z'))).toBe(0);
    expect(answerDaysBucket(sent, new Date('2026-03-31T09:00:00Z'))).toBe(30);
    expect(answerDaysBucket(sent, new Date('2027-03-01T09:00:00Z'))).toBe(120);
    expect(addToHistogram([1], 3)).toEqual([1, 0, 0, 1]);
    expect(medianDays([0, 2, 0, 1, 1])).toBe(1);
    expect(medianDays([])).toBeNull();
  });

  it('names every field that differs between the kept and the recounted counts, trailing zeros aside', () => {
    expect(countDifferences({ ...emptyCounts(), answer_days: [1, 0] }, { ...emptyCounts(), answer_days: [1] })).toEqual([]);
    expect(countDifferences({ ...emptyCounts(), closed: 2 }, { ...emptyCounts(), closed: 3, score_counts: [1, 0, 0, 0, 0] })).toEqual([
      'closed: kept 2, recounted 3',
      'score_counts: kept [0,0,0,0,0], recounted [1,0,0,0,0]',
    ]);
  });
});
