/**
 * What moderation reads of an appeal and does to it: the appeal's text in context for a report and the queue, and
 * hiding or restoring it with the public reason. A hidden appeal stops collecting (the signing statement reads
 * `hidden_at`) and is not sent while hidden (dispatch skips it): text a moderator hid does not go to an authority
 * under the signers' names. Restoring it lets a dispatch its threshold had already earned go.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';

export interface ModeratedAppeal {
  id: number;
  authorId: number | null;
  problemId: number;
  title: string;
  /** The text as it is public: the frozen revision once opened, else the latest. */
  text: string;
  href: string;
  hidden: boolean;
  /** The platform already began sending it: hiding no longer stops the letter. */
  dispatching: boolean;
  createdAt: Date;
}

export async function appealForModeration(executor: Executor, appealId: number): Promise<ModeratedAppeal | null> {
  if (!isRowId(appealId)) return null;
  const appeal = await executor
    .selectFrom('appeals')
    .select(['id', 'author_id', 'problem_id', 'title', 'status', 'frozen_revision_id', 'hidden_at', 'dispatch_started_at', 'created_at'])
    .where('id', '=', appealId)
    .executeTakeFirst();
  // A draft is its author's alone: nobody else can have seen it, so nobody can report it.
  if (!appeal || appeal.status === 'draft') return null;
  const revision = await executor
    .selectFrom('appeal_revisions')
    .select('text')
    .where('appeal_id', '=', appealId)
    .$if(appeal.frozen_revision_id !== null, (qb) => qb.where('id', '=', appeal.frozen_revision_id as number))
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    id: appeal.id,
    authorId: appeal.author_id,
    problemId: appeal.problem_id,
    title: appeal.title,
    text: (revision?.text ?? '').slice(0, 4000),
    href: `/appeals/${appeal.id}`,
    hidden: appeal.hidden_at !== null,
    dispatching: appeal.dispatch_started_at !== null,
    createdAt: appeal.created_at,
  };
}

export async function hideAppeal(ctx: AppContext, executor: Executor, appealId: number, reason: string): Promise<void> {
  await executor
    .updateTable('appeals')
    .set((eb) => ({ hidden_at: eb.fn.coalesce('hidden_at', eb.val(ctx.now())), hidden_reason: reason, updated_at: ctx.now() }))
    .where('id', '=', appealId)
    .execute();
}

export async function restoreAppeal(ctx: AppContext, executor: Executor, appealId: number): Promise<void> {
  const restored = await executor
    .updateTable('appeals')
    .set({ hidden_at: null, hidden_reason: null, updated_at: ctx.now() })
    .where('id', '=', appealId)
    .where('hidden_at', 'is not', null)
    .returning(['status', 'threshold_reached_at', 'dispatch_message_id'])
    .executeTakeFirst();
  // The threshold was reached while it was hidden (or just before): the dispatch it skipped goes now.
  if (restored?.status === 'collecting' && restored.threshold_reached_at && !restored.dispatch_message_id) {
    await ctx.jobs.send('appeals.dispatch', { appealId }, executor, { singletonKey: `dispatch-${appealId}` });
  }
}

/** A person's public appeals (opened, not hidden), for hiding all of them when moderation blocks him. */
export async function visibleAppealsOf(executor: Executor, userId: number, limit = 1000): Promise<number[]> {
  const rows = await executor
    .selectFrom('appeals')
    .select('id')
    .where('author_id', '=', userId)
    .where('status', '<>', 'draft')
    .where('hidden_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** Which of these appeals this person signed (a moderator who signed one is party to it, not its judge). */
export async function appealsSignedBy(executor: Executor, appealIds: readonly number[], userId: number): Promise<Set<number>> {
  if (appealIds.length === 0) return new Set();
  const rows = await executor
    .selectFrom('signatures')
    .select('appeal_id')
    .where('appeal_id', 'in', [...appealIds])
    .where('user_id', '=', userId)
    .execute();
  return new Set(rows.map((row) => row.appeal_id));
}

/** An amendment or a comment under one, as moderation sees it: who wrote it, its words, where it is shown. */
export interface ModeratedAmendmentItem {
  id: number;
  authorId: number | null;
  /** The appeal's title, for context. */
  appealTitle: string;
  text: string;
  href: string;
  hidden: boolean;
  createdAt: Date;
}

/** An amendment (its reason and its text); under a hidden appeal it is shown nowhere, so there is nothing to report. */
export async function amendmentForModeration(executor: Executor, amendmentId: number): Promise<ModeratedAmendmentItem | null> {
  if (!isRowId(amendmentId)) return null;
  const row = await executor
    .selectFrom('appeal_amendments as m')
    .innerJoin('appeals as a', 'a.id', 'm.appeal_id')
    .select([
      'm.id',
      'm.number',
      'm.proposer_id',
      'm.reason',
      'm.text',
      'm.hidden_at',
      'm.created_at',
      'a.id as appeal_id',
      'a.title',
      'a.hidden_at as appeal_hidden_at',
    ])
    .where('m.id', '=', amendmentId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    authorId: row.proposer_id,
    appealTitle: row.title,
    text: `${row.reason}\n\n${row.text}`.slice(0, 4000),
    href: `/appeals/${row.appeal_id}/amendments/${row.number}`,
    hidden: row.hidden_at !== null || row.appeal_hidden_at !== null,
    createdAt: row.created_at,
  };
}

export async function amendmentCommentForModeration(executor: Executor, commentId: number): Promise<ModeratedAmendmentItem | null> {
  if (!isRowId(commentId)) return null;
  const row = await executor
    .selectFrom('amendment_comments as c')
    .innerJoin('appeal_amendments as m', 'm.id', 'c.amendment_id')
    .innerJoin('appeals as a', 'a.id', 'm.appeal_id')
    .select(['c.id', 'c.author_id', 'c.body', 'c.hidden_at', 'c.created_at', 'm.number', 'a.id as appeal_id', 'a.title', 'a.hidden_at as appeal_hidden_at'])
    .where('c.id', '=', commentId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    authorId: row.author_id,
    appealTitle: row.title,
    text: row.body.slice(0, 4000),
    href: `/appeals/${row.appeal_id}/amendments/${row.number}#amendment-comment-${row.id}`,
    hidden: row.hidden_at !== null || row.appeal_hidden_at !== null,
    createdAt: row.created_at,
  };
}

export async function hideAmendment(executor: Executor, amendmentId: number, reason: string, at: Date): Promise<void> {
  await executor
    .updateTable('appeal_amendments')
    .set((eb) => ({ hidden_at: eb.fn.coalesce('hidden_at', eb.val(at)), hidden_reason: reason }))
    .where('id', '=', amendmentId)
    .execute();
}

export async function restoreAmendment(executor: Executor, amendmentId: number): Promise<void> {
  await executor.updateTable('appeal_amendments').set({ hidden_at: null, hidden_reason: null }).where('id', '=', amendmentId).execute();
}

export async function hideAmendmentComment(executor: Executor, commentId: number, reason: string, at: Date): Promise<void> {
  await executor
    .updateTable('amendment_comments')
    .set((eb) => ({ hidden_at: eb.fn.coalesce('hidden_at', eb.val(at)), hidden_reason: reason }))
    .where('id', '=', commentId)
    .execute();
}

export async function restoreAmendmentComment(executor: Executor, commentId: number): Promise<void> {
  await executor.updateTable('amendment_comments').set({ hidden_at: null, hidden_reason: null }).where('id', '=', commentId).execute();
}

/** A person's amendments and comments under amendments still shown (for hiding all of them when moderation blocks him). */
export async function visibleAmendmentItemsOf(executor: Executor, userId: number, limit = 1000): Promise<{ amendments: number[]; comments: number[] }> {
  const [amendments, comments] = await Promise.all([
    executor.selectFrom('appeal_amendments').select('id').where('proposer_id', '=', userId).where('hidden_at', 'is', null).orderBy('id').limit(limit).execute(),
    executor.selectFrom('amendment_comments').select('id').where('author_id', '=', userId).where('hidden_at', 'is', null).orderBy('id').limit(limit).execute(),
  ]);
  return { amendments: amendments.map((row) => row.id), comments: comments.map((row) => row.id) };
}
