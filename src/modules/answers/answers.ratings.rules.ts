/**
 * Organization ratings, without I/O: the formula the page «Как считается рейтинг» states. Three parts, each
 * with a 95 % Wilson interval and the number behind it:
 *
 * - quality: IMDb's weighted rating of the scores, v/(v+m)·R + m/(v+m)·C (R the organization's mean score
 *   over v ratings, C the mean over every organization, m the prior in ratings);
 * - timeliness: the share of answers given by the due date, among the appeals that got an answer or were
 *   closed without one;
 * - resolution: the share closed as resolved or partly resolved, among the closed ones (unanswered included;
 *   an appeal nobody rated has no verdict and is left out).
 *
 * An organization with fewer than `minimumClosed` closed appeals is «недостаточно данных», not ranked.
 */

/** What the stats table keeps per organization (kept current by answers.ratings.ts, recomputed nightly). */
export interface OrganizationStatsCounts {
  answered: number;
  answered_on_time: number;
  /** Answers by days from sending to the answer: index = days (the last bucket holds everything longer). */
  answer_days: number[];
  unanswered: number;
  overdue_open: number;
  closed: number;
  resolved: number;
  partly: number;
  unresolved: number;
  no_verdict: number;
  rating_count: number;
  rating_sum: number;
  /** Ratings by score, 1 to 5 (index 0 is score 1). */
  score_counts: number[];
}

export const answerDaysBuckets = 121;

export function emptyCounts(): OrganizationStatsCounts {
  return {
    answered: 0,
    answered_on_time: 0,
    answer_days: [],
    unanswered: 0,
    overdue_open: 0,
    closed: 0,
    resolved: 0,
    partly: 0,
    unresolved: 0,
    no_verdict: 0,
    rating_count: 0,
    rating_sum: 0,
    score_counts: [0, 0, 0, 0, 0],
  };
}

export interface RatingParameters {
  /** m: how many ratings' worth of the overall mean every organization starts with. */
  priorRatings: number;
  /** C: the mean score over every organization's ratings (3 while there are none). */
  overallMean: number;
  minimumClosed: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** The 95 % Wilson score interval of a proportion (successes of n); null for n = 0. */
export function wilson(successes: number, n: number, z = 1.959964): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

/** IMDb's weighted rating: v/(v+m)·R + m/(v+m)·C. */
export function bayesianMean(v: number, mean: number, m: number, overall: number): number {
  if (v + m === 0) return overall;
  return (v / (v + m)) * mean + (m / (v + m)) * overall;
}

export interface RatingPart {
  /** 1–5 for quality, 0–1 for the shares; null without data. */
  value: number | null;
  interval: Interval | null;
  /** Ratings (quality) or appeals (the shares) behind it. */
  n: number;
}

export interface OrganizationRating {
  quality: RatingPart;
  timeliness: RatingPart;
  resolution: RatingPart;
  /** Appeals closed (after the review, or without an answer). */
  closedAppeals: number;
  ranked: boolean;
  medianAnswerDays: number | null;
}

/** The median of the answer-time histogram (the lower middle for an even count). */
export function medianDays(histogram: readonly number[]): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const middle = Math.ceil(total / 2);
  let seen = 0;
  for (const [days, count] of histogram.entries()) {
    seen += count;
    if (seen >= middle) return days;
  }
  return null;
}

export function ratingOf(counts: OrganizationStatsCounts, parameters: RatingParameters): OrganizationRating {
  const v = counts.rating_count;
  const mean = v > 0 ? counts.rating_sum / v : 0;
  // The quality's interval: Wilson on the mean mapped to 0–1 ((R − 1) / 4) over v ratings, mapped back to 1–5.
  const qualityShare = wilson(((mean - 1) / 4) * v, v);
  const timed = counts.answered + counts.unanswered;
  const judged = counts.resolved + counts.partly + counts.unresolved + counts.unanswered;
  const closedAppeals = counts.closed + counts.unanswered;
  return {
    quality: {
      value: v > 0 ? bayesianMean(v, mean, parameters.priorRatings, parameters.overallMean) : null,
      interval: qualityShare ? { low: 1 + 4 * qualityShare.low, high: 1 + 4 * qualityShare.high } : null,
      n: v,
    },
    timeliness: { value: timed > 0 ? counts.answered_on_time / timed : null, interval: wilson(counts.answered_on_time, timed), n: timed },
    resolution: {
      value: judged > 0 ? (counts.resolved + counts.partly) / judged : null,
      interval: wilson(counts.resolved + counts.partly, judged),
      n: judged,
    },
    closedAppeals,
    ranked: closedAppeals >= parameters.minimumClosed,
    medianAnswerDays: medianDays(counts.answer_days),
  };
}

/** Whole days from sending to the answer, in the histogram's range. */
export function answerDaysBucket(sentAt: Date, answeredAt: Date): number {
  const days = Math.floor((answeredAt.getTime() - sentAt.getTime()) / 86_400_000);
  return Math.min(answerDaysBuckets - 1, Math.max(0, days));
}

/** Adds one answer at `bucket` to a histogram (stored without trailing zeros). */
export function addToHistogram(histogram: readonly number[], bucket: number): number[] {
  const next = [...histogram];
  while (next.length <= bucket) next.push(0);
  next[bucket] = (next[bucket] ?? 0) + 1;
  return next;
}

/** The differences between two sets of counts, field by field (empty: equal). */
export function countDifferences(kept: OrganizationStatsCounts, recounted: OrganizationStatsCounts): string[] {
  const trim = (values: readonly number[]) => {
    const copy = [...values];
    while (copy.length > 0 && copy.at(-1) === 0) copy.pop();
    return copy.join(',');
  };
  const differences: string[] = [];
  for (const key of Object.keys(recounted) as (keyof OrganizationStatsCounts)[]) {
    const a = kept[key];
    const b = recounted[key];
    const same = Array.isArray(a) && Array.isArray(b) ? trim(a) === trim(b) : a === b;
    if (!same) differences.push(`${key}: kept ${Array.isArray(a) ? `[${a}]` : a}, recounted ${Array.isArray(b) ? `[${b}]` : b}`);
  }
  return differences;
}
