/**
 * What the appeals module tells signers and followers besides the dispatch (appeals.dispatch.ts
 * `notifySent`): an appeal withdrawn, a problem marked solved. Both run as jobs after the action's
 * commit, in short idempotent batches (notify tells nobody twice), so a retried job resumes.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal } from '../../core/db/schema.ts';
import { type Recipient, uniqueRecipients } from '../notifications/notifications.rules.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { followerIds, getProblemRow } from '../problems/problems.service.ts';
import { getAppealRow } from './appeals.service.ts';

/** Everyone an appeal's news is for: its author, its signers and the problem's followers, each once with the closest reason. */
export async function appealAudience(ctx: AppContext, appeal: Pick<Appeal, 'id' | 'author_id' | 'problem_id'>): Promise<Recipient[]> {
  const [signers, followers] = await Promise.all([
    ctx.db.selectFrom('signatures').select('user_id').where('appeal_id', '=', appeal.id).orderBy('user_id').execute(),
    followerIds(ctx.db, appeal.problem_id),
  ]);
  return uniqueRecipients([
    ...(appeal.author_id ? [{ userId: appeal.author_id, reason: 'author' as const }] : []),
    ...signers.map((row) => ({ userId: row.user_id, reason: 'signer' as const })),
    ...followers.map((userId) => ({ userId, reason: 'follower' as const })),
  ]);
}

/**
 * Whom the addressee's message to all the signers of an appeal is for: its author and every signer whose signature
 * counts (a flagged one does not), each once, the author first. Only ids: the cabinet never sees who they are.
 */
export async function appealSignerIds(ctx: AppContext, appeal: Pick<Appeal, 'id' | 'author_id'>, executor: Executor = ctx.db): Promise<number[]> {
  const signers = await executor
    .selectFrom('signatures')
    .select('user_id')
    .where('appeal_id', '=', appeal.id)
    .where('flagged_at', 'is', null)
    .orderBy('user_id')
    .execute();
  return [...new Set([...(appeal.author_id ? [appeal.author_id] : []), ...signers.map((row) => row.user_id)])];
}

/** Whether the person is one `appealSignerIds` would name — one row by the signature's unique key, not every signer of a viral appeal. */
export async function isAppealSigner(appeal: Pick<Appeal, 'id' | 'author_id'>, userId: number, executor: Executor): Promise<boolean> {
  if (appeal.author_id === userId) return true;
  const row = await executor
    .selectFrom('signatures')
    .select('id')
    .where('appeal_id', '=', appeal.id)
    .where('user_id', '=', userId)
    .where('flagged_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The signers of a withdrawn appeal learn that their signatures will not be sent. */
export async function notifyWithdrawn(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.status !== 'withdrawn') return;
  // Those whose signature waits under a version an amendment replaced signed it too (kept a day after the withdrawal
  // for this job: appeals.amendments.ts forgetSupersededSignatures).
  const [signers, superseded] = await Promise.all([
    ctx.db.selectFrom('signatures').select('user_id').where('appeal_id', '=', appealId).orderBy('user_id').execute(),
    ctx.db.selectFrom('superseded_signatures').select('user_id').where('appeal_id', '=', appealId).orderBy('user_id').execute(),
  ]);
  const recipients = uniqueRecipients(
    [...signers, ...superseded].filter((row) => row.user_id !== appeal.author_id).map((row) => ({ userId: row.user_id, reason: 'signer' as const })),
  );
  await notifyInBatches(ctx, { kind: 'appeal.withdrawn', problemId: appeal.problem_id, appealId, data: { title: appeal.title } }, recipients);
}

/**
 * The followers of a solved problem, and the signers of its appeals that were not withdrawn (those
 * learn of the withdrawal instead), learn that the author marked it solved. The author is not told.
 */
export async function notifySolved(ctx: AppContext, problemId: number): Promise<void> {
  const problem = await getProblemRow(ctx, problemId);
  if (problem.status !== 'solved') return;
  const [signers, followers] = await Promise.all([
    ctx.db
      .selectFrom('signatures as s')
      .innerJoin('appeals as a', 'a.id', 's.appeal_id')
      .select('s.user_id')
      .distinct()
      .where('a.problem_id', '=', problemId)
      .where('a.status', 'not in', ['draft', 'withdrawn'])
      .orderBy('s.user_id')
      .execute(),
    followerIds(ctx.db, problemId),
  ]);
  const recipients = uniqueRecipients([
    ...signers.map((row) => ({ userId: row.user_id, reason: 'signer' as const })),
    ...followers.map((userId) => ({ userId, reason: 'follower' as const })),
  ]).filter((recipient) => recipient.userId !== problem.author_id);
  await notifyInBatches(
    ctx,
    { kind: 'problem.solved', problemId, data: { title: problem.title, ...(problem.solved_note ? { note: problem.solved_note } : {}) } },
    recipients,
  );
}
