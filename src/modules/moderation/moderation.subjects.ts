/**
 * The items moderation works on, each owned by another module: one shape for all of them (what a report and the
 * queue show), and hiding or restoring through the owner's own functions, so no other module's table is named here.
 * A person (`user`) is a subject too, but is never hidden like an item: he is blocked, with the moderator named
 * (moderation.service's blockAndHide), so hiding and restoring here take items only.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { ModerationItemType, ModerationSubjectType } from '../../core/db/schema.ts';
import { personForModeration } from '../accounts/accounts.moderation.ts';
import { hideRatingComment, ratingForModeration, restoreRatingComment, visibleRatingCommentsOf } from '../answers/answers.moderation.ts';
import {
  amendmentCommentForModeration,
  amendmentForModeration,
  appealForModeration,
  hideAmendment,
  hideAmendmentComment,
  hideAppeal,
  restoreAmendment,
  restoreAmendmentComment,
  restoreAppeal,
  visibleAmendmentItemsOf,
  visibleAppealsOf,
} from '../appeals/appeals.moderation.ts';
import {
  commentForModeration,
  hideComment,
  hideProblem,
  problemForModeration,
  restoreComment,
  restoreProblem,
  visibleItemsOf,
} from '../problems/problems.moderation.ts';

export interface Subject {
  type: ModerationSubjectType;
  id: number;
  authorId: number | null;
  /** What it belongs to, for context: the problem's title, the appeal's for a rating, the name for a person. */
  context: string;
  /** The reported words themselves. */
  text: string;
  href: string;
  hidden: boolean;
  createdAt: Date;
}

/** The shape every owner's item shares, with what it belongs to (for context) under `context`. */
function subjectFrom(
  type: ModerationSubjectType,
  id: number,
  item: { authorId: number | null; text: string; href: string; hidden: boolean; createdAt: Date },
  context: string,
): Subject {
  return { type, id, authorId: item.authorId, context, text: item.text, href: item.href, hidden: item.hidden, createdAt: item.createdAt };
}

export async function subjectOf(ctx: AppContext, executor: Executor, type: ModerationSubjectType, id: number): Promise<Subject | null> {
  switch (type) {
    case 'problem': {
      const item = await problemForModeration(executor, id);
      return item && subjectFrom(type, id, item, item.problemTitle);
    }
    case 'comment': {
      const item = await commentForModeration(executor, id);
      return item && subjectFrom(type, id, item, item.problemTitle);
    }
    case 'appeal': {
      const item = await appealForModeration(executor, id);
      return item && subjectFrom(type, id, { ...item, text: `${item.title}\n\n${item.text}` }, item.title);
    }
    case 'rating': {
      const item = await ratingForModeration(ctx, executor, id);
      return item && subjectFrom(type, id, item, item.appealTitle);
    }
    case 'amendment': {
      const item = await amendmentForModeration(executor, id);
      return item && subjectFrom(type, id, item, item.appealTitle);
    }
    case 'amendment_comment': {
      const item = await amendmentCommentForModeration(executor, id);
      return item && subjectFrom(type, id, item, item.appealTitle);
    }
    case 'user': {
      const person = await personForModeration(executor, id);
      if (!person) return null;
      // He has no page of his own: he is shown where he was last reported from.
      const origin = await executor
        .selectFrom('moderation_reports as r')
        .innerJoin('moderation_cases as c', 'c.id', 'r.case_id')
        .select(['r.origin_type', 'r.origin_id'])
        .where('c.subject_type', '=', 'user')
        .where('c.subject_id', '=', id)
        .where('r.origin_type', 'is not', null)
        .orderBy('r.id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const shown = origin?.origin_type && origin.origin_id !== null ? await subjectOf(ctx, executor, origin.origin_type, origin.origin_id) : null;
      return subjectFrom(
        type,
        id,
        { authorId: id, text: person.name, href: shown?.href ?? '/', hidden: person.blocked, createdAt: person.createdAt },
        person.name,
      );
    }
  }
}

export async function hideSubject(ctx: AppContext, executor: Executor, type: ModerationItemType, id: number, reason: string): Promise<void> {
  switch (type) {
    case 'problem':
      return hideProblem(executor, id, reason);
    case 'comment':
      return hideComment(executor, id, reason, ctx.now());
    case 'appeal':
      return hideAppeal(ctx, executor, id, reason);
    case 'rating':
      return hideRatingComment(ctx, executor, id, reason);
    case 'amendment':
      return hideAmendment(executor, id, reason, ctx.now());
    case 'amendment_comment':
      return hideAmendmentComment(executor, id, reason, ctx.now());
  }
}

export async function restoreSubject(ctx: AppContext, executor: Executor, type: ModerationItemType, id: number): Promise<void> {
  switch (type) {
    case 'problem':
      return restoreProblem(executor, id);
    case 'comment':
      return restoreComment(executor, id);
    case 'appeal':
      return restoreAppeal(ctx, executor, id);
    case 'rating':
      return restoreRatingComment(executor, id);
    case 'amendment':
      return restoreAmendment(executor, id);
    case 'amendment_comment':
      return restoreAmendmentComment(executor, id);
  }
}

/** Everything of one person's that is still shown, by type: what blocking him hides. */
export async function visibleSubjectsOf(executor: Executor, userId: number): Promise<{ type: ModerationItemType; id: number }[]> {
  const [{ problems, comments }, appeals, ratings, amendmentItems] = await Promise.all([
    visibleItemsOf(executor, userId),
    visibleAppealsOf(executor, userId),
    visibleRatingCommentsOf(executor, userId),
    visibleAmendmentItemsOf(executor, userId),
  ]);
  return [
    ...problems.map((id) => ({ type: 'problem' as const, id })),
    ...comments.map((id) => ({ type: 'comment' as const, id })),
    ...appeals.map((id) => ({ type: 'appeal' as const, id })),
    ...ratings.map((id) => ({ type: 'rating' as const, id })),
    ...amendmentItems.amendments.map((id) => ({ type: 'amendment' as const, id })),
    ...amendmentItems.comments.map((id) => ({ type: 'amendment_comment' as const, id })),
  ];
}
