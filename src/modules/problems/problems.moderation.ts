/**
 * What moderation reads of the problems module's items (problems and their comments) and does to them: the item in
 * context for a report and the queue, and hiding or restoring it with the public reason. The moderation module owns
 * the reports and the decisions; the hiding is this module's column, so its pages show the reason without asking it.
 */
import { sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { ProblemStatus } from '../../core/db/schema.ts';

/** A reported item as moderation shows it: enough to judge it in context, and whose it is. */
export interface ModeratedItem {
  id: number;
  authorId: number | null;
  /** The problem it belongs to (itself for a problem): its title, for context. */
  problemId: number;
  problemTitle: string;
  /** The reported text itself, unrendered (the views escape it). */
  text: string;
  /** Where it is shown publicly. */
  href: string;
  hidden: boolean;
  createdAt: Date;
}

const excerptLength = 2000;

export async function problemForModeration(executor: Executor, problemId: number): Promise<ModeratedItem | null> {
  if (!isRowId(problemId)) return null;
  const row = await executor
    .selectFrom('problems')
    .select(['id', 'author_id', 'title', 'description', 'status', 'created_at'])
    .where('id', '=', problemId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    authorId: row.author_id,
    problemId: row.id,
    problemTitle: row.title,
    text: `${row.title}\n\n${row.description}`.slice(0, excerptLength),
    href: `/problems/${row.id}`,
    hidden: row.status === 'hidden',
    createdAt: row.created_at,
  };
}

export async function commentForModeration(executor: Executor, commentId: number): Promise<ModeratedItem | null> {
  if (!isRowId(commentId)) return null;
  const row = await executor
    .selectFrom('comments as c')
    .innerJoin('problems as p', 'p.id', 'c.problem_id')
    .select(['c.id', 'c.author_id', 'c.body', 'c.hidden_at', 'c.created_at', 'p.id as problem_id', 'p.title', 'p.status'])
    .where('c.id', '=', commentId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    authorId: row.author_id,
    problemId: row.problem_id,
    problemTitle: row.title,
    text: row.body.slice(0, excerptLength),
    href: `/problems/${row.problem_id}#comment-${row.id}`,
    // Under a hidden problem it is shown nowhere either: nothing to report, and the problem's title stays hidden.
    hidden: row.hidden_at !== null || row.status === 'hidden',
    createdAt: row.created_at,
  };
}

/** Hides a problem from every page, list, feed and search; it remembers its status for a restore. */
export async function hideProblem(executor: Executor, problemId: number, reason: string): Promise<void> {
  await executor
    .updateTable('problems')
    .set({
      // Hidden twice (a second decision), it keeps the status it had before the first.
      status_before_hidden: sql<'open' | 'solved' | 'closed'>`case when status = 'hidden' then status_before_hidden else status end`,
      status: 'hidden',
      hidden_reason: reason,
      updated_at: new Date(),
    })
    .where('id', '=', problemId)
    .execute();
}

export async function restoreProblem(executor: Executor, problemId: number): Promise<void> {
  await executor
    .updateTable('problems')
    .set({ status: sql<ProblemStatus>`coalesce(status_before_hidden, 'open')`, status_before_hidden: null, hidden_reason: null, updated_at: new Date() })
    .where('id', '=', problemId)
    .where('status', '=', 'hidden')
    .execute();
}

export async function hideComment(executor: Executor, commentId: number, reason: string, at: Date): Promise<void> {
  await executor
    .updateTable('comments')
    .set((eb) => ({ hidden_at: eb.fn.coalesce('hidden_at', eb.val(at)), hidden_reason: reason }))
    .where('id', '=', commentId)
    .execute();
}

export async function restoreComment(executor: Executor, commentId: number): Promise<void> {
  await executor.updateTable('comments').set({ hidden_at: null, hidden_reason: null }).where('id', '=', commentId).execute();
}

/** A person's problems and comments that are still shown (for hiding all of them when moderation blocks him). */
export async function visibleItemsOf(executor: Executor, userId: number, limit = 1000): Promise<{ problems: number[]; comments: number[] }> {
  const [problems, comments] = await Promise.all([
    executor.selectFrom('problems').select('id').where('author_id', '=', userId).where('status', '<>', 'hidden').orderBy('id').limit(limit).execute(),
    executor.selectFrom('comments').select('id').where('author_id', '=', userId).where('hidden_at', 'is', null).orderBy('id').limit(limit).execute(),
  ]);
  return { problems: problems.map((row) => row.id), comments: comments.map((row) => row.id) };
}
