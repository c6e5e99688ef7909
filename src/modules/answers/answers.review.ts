/**
 * The two-week review of a published answer (DESIGN §2): the signers and the author rate it — a score of
 * 1 to 5 and «решена ли проблема: да / частично / нет», one rating each, changeable until the window
 * closes, with an optional public comment; then a sweep closes the appeal with the citizens' verdict and
 * tells its people the result in one e-mail.
 *
 * A rating and the close serialize on the appeal's row (the rating reads it `for share`, the close locks it
 * `for update`), so a rating is either in the verdict or refused as late, never lost in between. The close
 * happens once even when two workers sweep at once: they take different rows (`skip locked`) and the
 * status guard of `closeAppeal` turns a second close into nothing.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { AnswerRating, AnswerVerdict, Appeal } from '../../core/db/schema.ts';
import { type Actor, authorize, refusal } from '../../core/policy.ts';
import { appealAudience } from '../appeals/appeals.notices.ts';
import { appealRowForShare, appealsWithReviewEnded, closeAppeal, getAppealRow, organizationOf } from '../appeals/appeals.service.ts';
import { hasCountedSignature, publicNamesOf } from '../appeals/appeals.signing.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { countClose } from './answers.ratings.ts';
import { checkRating, type Distribution, distributionOf, outcomeOf, type RatingInput } from './answers.review.rules.ts';
import '../appeals/appeals.policy.ts';
import './answers.policy.ts';
import './answers.ports.ts';

/** A public comment under the answer: what the rater said, and who by as far as they allowed it. */
export interface ReviewComment {
  /** The rating's id: what a report names. */
  id: number;
  score: number;
  solved: AnswerVerdict;
  comment: string;
  /** The author of the appeal, a signer with the public name they consented to («Иван П.»), or a signer. */
  by: { kind: 'author' } | { kind: 'signer'; publicName: string | null };
  updated_at: Date;
  /** Moderation hid the comment (its text is then empty): the reason shown in its place. The score still counts. */
  hiddenReason: string | null;
}

export interface Review {
  appealId: number;
  /** Null before an answer is published. */
  closesAt: Date | null;
  open: boolean;
  distribution: Distribution;
  /** The author's own verdict, shown beside the citizens'. */
  authorVerdict: AnswerVerdict | null;
  comments: ReviewComment[];
  /** The viewer's own rating, and why the viewer may not rate (null: may). */
  mine: Pick<AnswerRating, 'score' | 'solved' | 'comment' | 'updated_at'> | null;
  refusal: ReturnType<typeof refusal>;
}

const commentsShown = 200;

/** The review of an appeal as the viewer sees it: the distribution, the comments, and the viewer's own rating. */
export async function reviewOf(ctx: AppContext, viewer: Actor | null, appeal: Appeal, executor: Executor = ctx.db): Promise<Review> {
  authorize(viewer, 'appeal.view', appeal);
  // The distribution as at most fifteen groups, not a row per rating: the page of a viral appeal is polled by every reader.
  const [groups, authorRating, comments, mine, signed] = await Promise.all([
    ratingGroups(executor, appeal.id),
    appeal.author_id === null
      ? undefined
      : executor.selectFrom('answer_ratings').select('solved').where('appeal_id', '=', appeal.id).where('user_id', '=', appeal.author_id).executeTakeFirst(),
    executor
      .selectFrom('answer_ratings')
      .select(['id', 'user_id', 'score', 'solved', 'comment', 'updated_at', 'comment_hidden_at', 'comment_hidden_reason'])
      .where('appeal_id', '=', appeal.id)
      .where('comment', 'is not', null)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(commentsShown)
      .execute(),
    viewer
      ? executor
          .selectFrom('answer_ratings')
          .select(['score', 'solved', 'comment', 'updated_at'])
          .where('appeal_id', '=', appeal.id)
          .where('user_id', '=', viewer.id)
          .executeTakeFirst()
      : undefined,
    viewer ? hasCountedSignature(executor, appeal.id, viewer.id) : false,
  ]);
  const names = await publicNamesOf(
    executor,
    appeal.id,
    comments.map((comment) => comment.user_id),
  );
  const now = ctx.now();
  return {
    appealId: appeal.id,
    closesAt: appeal.review_closes_at,
    open: appeal.status === 'review' && appeal.review_closes_at !== null && appeal.review_closes_at > now,
    distribution: distributionOf(groups),
    authorVerdict: authorRating?.solved ?? null,
    comments: comments.map((comment) => ({
      id: comment.id,
      score: comment.score,
      solved: comment.solved,
      comment: comment.comment_hidden_at ? '' : (comment.comment as string),
      hiddenReason: comment.comment_hidden_at ? (comment.comment_hidden_reason ?? '') : null,
      by: comment.user_id === appeal.author_id ? { kind: 'author' } : { kind: 'signer', publicName: names.get(comment.user_id) ?? null },
      updated_at: comment.updated_at,
    })),
    mine: mine ?? null,
    refusal: refusal(viewer, 'answer.rate', { appeal, signed, at: now }),
  };
}

/** Rates the answer, or changes one's rating: the author and the signers, while the window is open. */
export async function rateAnswer(ctx: AppContext, asker: Actor | null, appealId: number, input: RatingInput): Promise<AnswerRating> {
  return ctx.db.transaction().execute(async (trx) => {
    // `for share`: the close (which locks the row for update) waits for this rating, or this rating for the close.
    const appeal = await appealRowForShare(trx, appealId);
    authorize(asker, 'appeal.view', appeal);
    const signed = asker ? await hasCountedSignature(trx, appealId, asker.id) : false;
    const actor = authorize(asker, 'answer.rate', { appeal, signed, at: ctx.now() });
    const rating = checkRating(input);
    const now = ctx.now();
    const saved = await trx
      .insertInto('answer_ratings')
      .values({ appeal_id: appealId, user_id: actor.id, ...rating, created_at: now, updated_at: now })
      .onConflict((conflict) => conflict.columns(['appeal_id', 'user_id']).doUpdateSet({ ...rating, updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
    // The addressee's webhooks hear the score and the verdict, never who rated.
    await ctx.ports.answers.organizationEvent(ctx, trx, {
      organizationId: appeal.organization_id,
      type: 'answer.rated',
      data: {
        appealId,
        problemId: appeal.problem_id,
        score: saved.score,
        solved: saved.solved,
        changed: saved.created_at.getTime() !== saved.updated_at.getTime(),
        ratedAt: now.toISOString(),
        reviewClosesAt: appeal.review_closes_at?.toISOString() ?? null,
        url: `${ctx.config.baseUrl}/appeals/${appealId}`,
      },
    });
    return saved;
  });
}

/** An appeal's ratings as groups of equal ones (score × verdict, at most fifteen). */
async function ratingGroups(executor: Executor, appealId: number): Promise<{ score: number; solved: AnswerVerdict; count: number }[]> {
  const rows = await executor
    .selectFrom('answer_ratings')
    .select(['score', 'solved', (eb) => eb.fn.countAll<number>().as('n')])
    .where('appeal_id', '=', appealId)
    .groupBy(['score', 'solved'])
    .execute();
  return rows.map((row) => ({ score: row.score, solved: row.solved, count: Number(row.n) }));
}

const closeBatch = 50;

/**
 * Closes every appeal whose review window ended by `ctx.now()`: the ratings freeze, the appeal closes with
 * the verdict most raters gave, the fact goes on the timeline and the result mail is queued — in one
 * transaction per batch. Returns how many it closed.
 */
export async function closeEndedReviews(ctx: AppContext): Promise<number> {
  let closed = 0;
  for (;;) {
    const now = ctx.now();
    const count = await ctx.db.transaction().execute(async (trx) => {
      const ended = await appealsWithReviewEnded(trx, now, closeBatch);
      let done = 0;
      for (const appeal of ended) {
        const { verdicts: counts, scores } = distributionOf(await ratingGroups(trx, appeal.id));
        const outcome = outcomeOf(counts);
        if (!(await closeAppeal(trx, appeal.id, 'closeReview', outcome, now))) continue;
        await countClose(trx, appeal, outcome, { scoreCounts: [scores[1], scores[2], scores[3], scores[4], scores[5]] }, now);
        const organization = await organizationOf(trx, appeal.organization_id);
        await recordEvent(trx, {
          problemId: appeal.problem_id,
          appealId: appeal.id,
          kind: 'appeal.closed',
          actorId: null,
          data: { organization: organization.name, outcome: outcome ?? 'none', ...counts },
        });
        await ctx.jobs.send('answers.notify-closed', { appealId: appeal.id }, trx);
        await ctx.ports.answers.organizationEvent(ctx, trx, {
          organizationId: organization.id,
          type: 'review.closed',
          data: {
            appealId: appeal.id,
            problemId: appeal.problem_id,
            outcome: outcome ?? 'none',
            verdicts: counts,
            closedAt: now.toISOString(),
            url: `${ctx.config.baseUrl}/appeals/${appeal.id}`,
          },
        });
        done += 1;
      }
      return { taken: ended.length, done };
    });
    closed += count.done;
    if (count.taken < closeBatch) return closed;
  }
}

/** The author, the signers and the followers get the result of the review in one e-mail. */
export async function notifyClosed(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.status !== 'closed' || appeal.outcome === 'unanswered') return;
  const [organization, groups] = await Promise.all([organizationOf(ctx.db, appeal.organization_id), ratingGroups(ctx.db, appealId)]);
  const counts = distributionOf(groups).verdicts;
  await notifyInBatches(
    ctx,
    { kind: 'appeal.closed', problemId: appeal.problem_id, appealId, data: { title: appeal.title, organization: organization.name, ...counts } },
    await appealAudience(ctx, appeal),
  );
}
