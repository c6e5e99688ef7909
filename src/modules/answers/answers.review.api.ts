/**
 * REST routes of the review under /api/v1: an appeal's ratings (the distribution, the public comments, the
 * window, and the caller's own rating), and rating the answer — the same policy as the page.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, IdParams, optionalBearer } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { commentMaxLength } from './answers.review.rules.ts';
import { type Review, rateAnswer, reviewOf } from './answers.review.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const Verdict = Type.Union([Type.Literal('yes'), Type.Literal('partly'), Type.Literal('no')], { description: 'Was the problem solved' });
const Counts = <T extends string>(keys: readonly T[]) => Type.Object(Object.fromEntries(keys.map((key) => [key, Type.Integer({ minimum: 0 })])));

const MyRating = Type.Object({ score: Type.Integer({ minimum: 1, maximum: 5 }), solved: Verdict, comment: Nullable(Type.String()), updatedAt: DateTime });

const ReviewSchema = Type.Object({
  appealId: Type.Integer(),
  closesAt: Nullable(DateTime),
  open: Type.Boolean({ description: 'Whether ratings may still be given or changed' }),
  total: Type.Integer({ minimum: 0 }),
  average: Nullable(Type.Number({ description: 'Mean score, 1 to 5' })),
  scores: Counts(['1', '2', '3', '4', '5']),
  verdicts: Counts(['yes', 'partly', 'no']),
  authorVerdict: Nullable(Verdict),
  comments: Type.Array(
    Type.Object({
      score: Type.Integer(),
      solved: Verdict,
      id: Type.Integer({ description: 'The rating’s id (what a report names)' }),
      comment: Type.String({ description: 'Empty when a moderator hid it' }),
      hiddenReason: Nullable(Type.String({ description: 'Why a moderator hid the comment, shown in its place' })),
      by: Type.Union([Type.Literal('author'), Type.Literal('signer')]),
      publicName: Nullable(Type.String({ description: 'A signer’s public name, when they consented to show it' })),
      updatedAt: DateTime,
    }),
  ),
  mine: Nullable(MyRating),
  canRate: Type.Boolean(),
  refusal: Nullable(Type.String({ description: 'Why the caller may not rate: not_signer, review_closed, wrong_state, unauthenticated, email_not_verified' })),
});

function reviewJson(review: Review) {
  const { distribution } = review;
  return {
    appealId: review.appealId,
    closesAt: review.closesAt?.toISOString() ?? null,
    open: review.open,
    total: distribution.total,
    average: distribution.average,
    scores: Object.fromEntries(Object.entries(distribution.scores).map(([score, count]) => [score, count])),
    verdicts: distribution.verdicts,
    authorVerdict: review.authorVerdict,
    comments: review.comments.map((comment) => ({
      score: comment.score,
      solved: comment.solved,
      id: comment.id,
      comment: comment.comment,
      hiddenReason: comment.hiddenReason,
      by: comment.by.kind,
      publicName: comment.by.kind === 'signer' ? comment.by.publicName : null,
      updatedAt: comment.updated_at.toISOString(),
    })),
    mine: review.mine
      ? { score: review.mine.score, solved: review.mine.solved, comment: review.mine.comment, updatedAt: review.mine.updated_at.toISOString() }
      : null,
    canRate: review.refusal === null,
    refusal: review.refusal,
  };
}

export function reviewApi(ctx: AppContext): AppModule {
  return {
    name: 'answers.review.api',
    routes(app: App) {
      app.get(
        '/api/v1/appeals/:id/review',
        {
          config: { policy: 'appeal-letter.view' },
          schema: {
            tags: ['answers'],
            operationId: 'getAnswerReview',
            summary: 'The rating of an appeal’s answer: the distribution, the public comments, the window and the caller’s own rating',
            security: optionalBearer,
            params: IdParams,
            response: { 200: ReviewSchema, ...errorResponses(404, 422) },
          },
        },
        async (request) => reviewJson(await reviewOf(ctx, request.actor, await getAppealRow(ctx, request.params.id))),
      );

      app.put(
        '/api/v1/appeals/:id/review/mine',
        {
          config: { policy: 'answer.rate' },
          schema: {
            tags: ['answers'],
            operationId: 'rateAnswer',
            summary: 'Rate the answer, or change one’s rating, while the review window is open (the appeal’s signers and author)',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                score: Type.Integer({ minimum: 1, maximum: 5 }),
                solved: Verdict,
                comment: Type.Optional(Nullable(Type.String({ maxLength: commentMaxLength * 2 }))),
              },
              { additionalProperties: false },
            ),
            response: { 200: ReviewSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await rateAnswer(ctx, request.actor, request.params.id, {
            score: request.body.score,
            solved: request.body.solved,
            comment: request.body.comment ?? null,
          });
          return reviewJson(await reviewOf(ctx, request.actor, await getAppealRow(ctx, request.params.id)));
        },
      );
    },
  };
}
