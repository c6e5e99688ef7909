/**
 * What moderation reads of a rating's public comment and does to it: the comment in context for a report and the
 * queue, and hiding or restoring it with the public reason. Hiding takes the words away, not the vote: the score
 * and the verdict still count in the answer's review and the organization's rating.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';

export interface ModeratedRating {
  id: number;
  authorId: number;
  appealId: number;
  appealTitle: string;
  problemId: number;
  text: string;
  href: string;
  hidden: boolean;
  createdAt: Date;
}

export async function ratingForModeration(ctx: AppContext, executor: Executor, ratingId: number): Promise<ModeratedRating | null> {
  if (!isRowId(ratingId)) return null;
  const rating = await executor
    .selectFrom('answer_ratings')
    .select(['id', 'user_id', 'comment', 'comment_hidden_at', 'created_at', 'appeal_id'])
    .where('id', '=', ratingId)
    .executeTakeFirst();
  // Only a comment is public; a bare score has nothing to report.
  if (!rating || rating.comment === null) return null;
  const appeal = await getAppealRow(ctx, rating.appeal_id, executor);
  const row = { ...rating, comment: rating.comment, title: appeal.title, problem_id: appeal.problem_id };
  return {
    id: row.id,
    authorId: row.user_id,
    appealId: row.appeal_id,
    appealTitle: row.title,
    problemId: row.problem_id,
    text: row.comment,
    href: `/appeals/${row.appeal_id}#rating-${row.id}`,
    // Under a hidden appeal it is shown nowhere either: nothing to report, and the appeal's title stays hidden.
    hidden: row.comment_hidden_at !== null || appeal.hidden_at !== null,
    createdAt: row.created_at,
  };
}

export async function hideRatingComment(ctx: AppContext, executor: Executor, ratingId: number, reason: string): Promise<void> {
  await executor
    .updateTable('answer_ratings')
    .set((eb) => ({ comment_hidden_at: eb.fn.coalesce('comment_hidden_at', eb.val(ctx.now())), comment_hidden_reason: reason }))
    .where('id', '=', ratingId)
    .execute();
}

export async function restoreRatingComment(executor: Executor, ratingId: number): Promise<void> {
  await executor.updateTable('answer_ratings').set({ comment_hidden_at: null, comment_hidden_reason: null }).where('id', '=', ratingId).execute();
}

/** A person's rating comments still shown, for hiding all of them when moderation blocks him. */
export async function visibleRatingCommentsOf(executor: Executor, userId: number, limit = 1000): Promise<number[]> {
  const rows = await executor
    .selectFrom('answer_ratings')
    .select('id')
    .where('user_id', '=', userId)
    .where('comment', 'is not', null)
    .where('comment_hidden_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
