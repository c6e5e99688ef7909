/**
 * The two-week review of an answer, without I/O: what a rating may hold, how the ratings add up to a
 * distribution, and the citizens' verdict an appeal closes with.
 */
import type { AnswerVerdict, AppealOutcome } from '../../core/db/schema.ts';
import { FieldChecks } from '../../core/errors.ts';
import { characterCount } from '../../core/text/characters.ts';

export const verdicts: readonly AnswerVerdict[] = ['yes', 'partly', 'no'];
export const scores = [1, 2, 3, 4, 5] as const;
export const commentMaxLength = 2000;

export interface RatingInput {
  score: number;
  solved: string;
  comment: string | null;
}

/** A rating as typed into the form or sent to the API; throws a ValidationError naming every field that is wrong. */
export function checkRating(input: RatingInput): { score: number; solved: AnswerVerdict; comment: string | null } {
  const checks = new FieldChecks();
  if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5) checks.add('score', 'ratingScore');
  if (!(verdicts as readonly string[]).includes(input.solved)) checks.add('solved', 'ratingVerdict');
  const comment = input.comment?.replace(/\r\n?/g, '\n').trim() || null;
  if (comment && characterCount(comment) > commentMaxLength) checks.add('comment', 'tooLong', { limit: commentMaxLength });
  checks.throwIfAny();
  return { score: input.score, solved: input.solved as AnswerVerdict, comment };
}

export interface Distribution {
  total: number;
  /** How many gave each score, 1 to 5. */
  scores: Record<1 | 2 | 3 | 4 | 5, number>;
  verdicts: Record<AnswerVerdict, number>;
  /** The mean score, or null with no ratings. */
  average: number | null;
}

/** Ratings, or groups of equal ratings with their `count`, added up. */
export function distributionOf(ratings: readonly { score: number; solved: AnswerVerdict; count?: number }[]): Distribution {
  const distribution: Distribution = { total: 0, scores: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, verdicts: { yes: 0, partly: 0, no: 0 }, average: null };
  let sum = 0;
  for (const rating of ratings) {
    const count = rating.count ?? 1;
    distribution.total += count;
    distribution.scores[rating.score as 1 | 2 | 3 | 4 | 5] += count;
    distribution.verdicts[rating.solved] += count;
    sum += rating.score * count;
  }
  distribution.average = distribution.total > 0 ? sum / distribution.total : null;
  return distribution;
}

/**
 * The citizens' verdict an appeal closes with: the answer most raters gave to «решена ли проблема». A tie
 * goes to the less favourable answer — a body is credited with a solved problem only when more people say
 * so than anything else. Null when nobody rated (the appeal closes without a verdict).
 */
export function outcomeOf(counts: Record<AnswerVerdict, number>): Exclude<AppealOutcome, 'unanswered'> | null {
  const order: [AnswerVerdict, Exclude<AppealOutcome, 'unanswered'>][] = [
    ['no', 'unresolved'],
    ['partly', 'partly'],
    ['yes', 'resolved'],
  ];
  let best: [number, Exclude<AppealOutcome, 'unanswered'> | null] = [0, null];
  for (const [verdict, outcome] of order) if (counts[verdict] > best[0]) best = [counts[verdict], outcome];
  return best[1];
}

/** Whole percentages of a verdict's share that add up to 100 (largest remainder), for «да 60 %, частично 25 %, нет 15 %». */
export function shares(counts: Record<AnswerVerdict, number>): Record<AnswerVerdict, number> {
  const total = counts.yes + counts.partly + counts.no;
  if (total === 0) return { yes: 0, partly: 0, no: 0 };
  const exact = verdicts.map((verdict) => ({ verdict, value: (counts[verdict] * 100) / total }));
  const result = Object.fromEntries(exact.map(({ verdict, value }) => [verdict, Math.floor(value)])) as Record<AnswerVerdict, number>;
  let left = 100 - verdicts.reduce((sum, verdict) => sum + result[verdict], 0);
  for (const { verdict } of [...exact].sort((a, b) => (b.value % 1) - (a.value % 1))) {
    if (left <= 0) break;
    result[verdict] += 1;
    left -= 1;
  }
  return result;
}
