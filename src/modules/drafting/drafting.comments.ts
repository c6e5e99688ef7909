/**
 * The discussion of a draft's text: threads anchored to a passage (the words quoted from the revision they were
 * written on), replies, and resolving a thread. Plain forms and links, so every part is reachable by keyboard and
 * read in order by a screen reader; the editor island only fills the passage in from a selection.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { DraftComment } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { publicNamesOf } from '../accounts/accounts.service.ts';
import { getAppealRow, latestRevision } from '../appeals/appeals.service.ts';
import './drafting.policy.ts';

export const commentLimits = { passage: 500, body: 2000, threads: 500 } as const;

/** Spaces of any kind and line breaks as one space: a passage copied from the page still matches its text. */
function normalized(text: string): string {
  return text.replace(/\s+/g, ' ').trim().normalize('NFC');
}

export interface DraftCommentView {
  id: number;
  author: string;
  body: string;
  createdAt: Date;
  revisionNumber: number;
}

export interface DraftThread extends DraftCommentView {
  passage: string;
  /** The quoted words are no longer in the latest revision (edited since). */
  passageGone: boolean;
  resolved: boolean;
  replies: DraftCommentView[];
  /** Whether the viewer may mark it resolved (or open it again). */
  canResolve: boolean;
}

/** Starts a thread on a passage of the latest revision, or replies to a thread (`parentId`). */
export async function addDraftComment(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  input: { passage: string; body: string; parentId: number | null },
): Promise<DraftComment> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'draft.comment', appeal);
  const checks = new FieldChecks();
  const body = input.body.trim();
  if (!body) checks.add('body', 'required');
  else if (characterCount(body) > commentLimits.body) checks.add('body', 'tooLong', { limit: commentLimits.body });
  const latest = await latestRevision(ctx.db, appealId);
  let passage: string | null = null;
  if (input.parentId === null) {
    passage = normalized(input.passage);
    if (!passage) checks.add('passage', 'required');
    else if (characterCount(passage) > commentLimits.passage) checks.add('passage', 'tooLong', { limit: commentLimits.passage });
    else if (!normalized(latest.text).includes(passage)) checks.add('passage', 'passageNotFound');
  }
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    if (input.parentId !== null) {
      const parent = await trx
        .selectFrom('draft_comments')
        .select(['id', 'parent_id'])
        .where('id', '=', input.parentId)
        .where('appeal_id', '=', appealId)
        .executeTakeFirst();
      // Replies go to a thread, never to a reply: one level, read in order.
      if (!parent || parent.parent_id !== null) throw new DomainError('not_found');
    } else {
      const threads = await trx
        .selectFrom('draft_comments')
        .select(sql<number>`count(*)`.as('count'))
        .where('appeal_id', '=', appealId)
        .where('parent_id', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(threads.count) >= commentLimits.threads) throw new DomainError('conflict');
    }
    return trx
      .insertInto('draft_comments')
      .values({
        appeal_id: appealId,
        parent_id: input.parentId,
        author_id: actor.id,
        revision_number: latest.number,
        passage,
        body,
        created_at: ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Marks a thread resolved, or open again. */
export async function resolveDraftComment(ctx: AppContext, asker: Actor | null, appealId: number, commentId: number, resolved: boolean): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  const thread = await ctx.db
    .selectFrom('draft_comments')
    .select(['id', 'author_id', 'parent_id'])
    .where('id', '=', commentId)
    .where('appeal_id', '=', appealId)
    .executeTakeFirst();
  // Hidden from whoever may not read the draft: its comments do not exist for him either.
  authorize(asker, 'appeal.view', appeal);
  if (!thread || thread.parent_id !== null) throw new DomainError('not_found');
  const actor = authorize(asker, 'draft.resolveComment', { appeal, commentAuthorId: thread.author_id });
  await ctx.db
    .updateTable('draft_comments')
    .set(resolved ? { resolved_at: ctx.now(), resolved_by: actor.id } : { resolved_at: null, resolved_by: null })
    .where('id', '=', commentId)
    .execute();
}

/** The draft's threads, oldest first, with their replies and the authors' public names. */
export async function draftThreads(ctx: AppContext, viewer: Actor | null, appealId: number): Promise<DraftThread[]> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(viewer, 'appeal.view', appeal);
  const [rows, latest] = await Promise.all([
    ctx.db.selectFrom('draft_comments').selectAll().where('appeal_id', '=', appealId).orderBy('id').limit(5000).execute(),
    latestRevision(ctx.db, appealId),
  ]);
  const names = await publicNamesOf(
    ctx.db,
    rows.flatMap((row) => (row.author_id !== null ? [row.author_id] : [])),
  );
  const text = normalized(latest.text);
  const view = (row: (typeof rows)[number]): DraftCommentView => ({
    id: row.id,
    author: (row.author_id !== null ? names.get(row.author_id) : undefined) ?? '—',
    body: row.body,
    createdAt: row.created_at,
    revisionNumber: row.revision_number,
  });
  const threads = new Map<number, DraftThread>();
  for (const row of rows) {
    if (row.parent_id === null) {
      threads.set(row.id, {
        ...view(row),
        passage: row.passage ?? '',
        passageGone: !text.includes(row.passage ?? ''),
        resolved: row.resolved_at !== null,
        replies: [],
        canResolve: appeal.status === 'draft' && viewer !== null && (viewer.id === appeal.author_id || viewer.id === row.author_id),
      });
    } else threads.get(row.parent_id)?.replies.push(view(row));
  }
  return [...threads.values()];
}
