/**
 * REST routes of amendments under /api/v1, with the pages' policies: list and propose amendments of a collecting
 * appeal, read one with its word diff and discussion, comment on it, and the author's decision. A signer of a version
 * an amendment replaced signs the new one through the usual `POST /api/v1/appeals/{id}/signatures` (a new consent);
 * `GET …/signatures/me` says whether his signature is of the current version.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, Id, IdParams, optionalBearer } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import {
  type AmendmentSummary,
  amendmentDetails,
  amendmentLimits,
  amendmentsOf,
  commentOnAmendment,
  decideAmendment,
  proposeAmendment,
} from './appeals.amendments.ts';
import { maxTextCharacters } from './appeals.revisions.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const AmendmentSchema = Type.Object({
  number: Type.Integer({ description: '1, 2, … within the appeal' }),
  proposer: Type.String({ description: 'The public name («Иван П.»)' }),
  reason: Type.String(),
  status: Type.Union([Type.Literal('proposed'), Type.Literal('accepted'), Type.Literal('rejected')]),
  createdAt: DateTime,
  decidedAt: Nullable(DateTime),
  decisionReason: Nullable(Type.String()),
  baseRevision: Type.Integer({ description: 'The version of the text it was made to' }),
  revision: Type.Union([Type.Integer(), Type.Null()], { description: 'The version accepting it published' }),
  outdated: Type.Boolean({ description: 'Made to a version the appeal has replaced since: it can no longer be accepted' }),
  supersededSignatures: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Accepted: how many signatures the replaced version had, which wait to be given again for the new one',
  }),
  comments: Type.Integer(),
  hiddenReason: Type.Union([Type.String(), Type.Null()], { description: 'Hidden by a moderator: the public reason (its reason and text are then empty)' }),
});

function amendmentJson(amendment: AmendmentSummary) {
  return {
    number: amendment.number,
    proposer: amendment.proposer,
    reason: amendment.reason,
    status: amendment.status,
    createdAt: amendment.createdAt.toISOString(),
    decidedAt: amendment.decidedAt?.toISOString() ?? null,
    decisionReason: amendment.decisionReason,
    baseRevision: amendment.baseRevision,
    revision: amendment.revision,
    outdated: amendment.outdated,
    supersededSignatures: amendment.supersededCount,
    comments: amendment.comments,
    hiddenReason: amendment.hiddenReason,
  };
}

const AmendmentParams = Type.Object({ id: Id, number: Id });

export function amendmentApi(ctx: AppContext): AppModule {
  async function summaryOf(appealId: number, number: number, actor: Parameters<typeof amendmentDetails>[1]) {
    return amendmentJson((await amendmentDetails(ctx, actor, appealId, number)).amendment);
  }

  return {
    name: 'appeals.amendments.api',
    routes(app: App) {
      app.get(
        '/api/v1/appeals/:id/amendments',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'listAmendments',
            summary: 'The amendments proposed to an appeal’s text, newest first',
            security: optionalBearer,
            params: IdParams,
            response: { 200: Type.Object({ items: Type.Array(AmendmentSchema) }), ...errorResponses(404, 410, 422) },
          },
        },
        async (request) => ({ items: (await amendmentsOf(ctx, request.actor, request.params.id)).amendments.map(amendmentJson) }),
      );

      app.post(
        '/api/v1/appeals/:id/amendments',
        {
          config: { policy: 'amendment.propose', rateLimit: { max: 10, timeWindow: '1 minute' } },
          schema: {
            tags: ['appeals'],
            operationId: 'proposeAmendment',
            summary:
              'Propose an amendment of a collecting appeal: the whole new text (Markdown, as the draft’s) and the reason. The word diff against the current version is made once, now',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                text: Type.String({ maxLength: maxTextCharacters * 2 }),
                reason: Type.String({ maxLength: amendmentLimits.reason * 2 }),
              },
              { additionalProperties: false },
            ),
            response: { 201: AmendmentSchema, ...errorResponses(400, 401, 403, 404, 409, 410, 422) },
          },
        },
        async (request, reply) => {
          const amendment = await proposeAmendment(ctx, request.actor, request.params.id, request.body);
          return reply.code(201).send(await summaryOf(request.params.id, amendment.number, request.actor));
        },
      );

      app.get(
        '/api/v1/appeals/:id/amendments/:number',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['appeals'],
            operationId: 'getAmendment',
            summary: 'One amendment: its text, the words it changes from the version it was made to, and its discussion',
            security: optionalBearer,
            params: AmendmentParams,
            response: {
              200: Type.Object({
                amendment: AmendmentSchema,
                text: Type.String({ description: 'The whole new text, plain (what a version’s SHA-256 covers)' }),
                html: Type.String({ description: 'The new text as sanitized HTML' }),
                changes: Type.Array(
                  Type.Object({ kind: Type.Union([Type.Literal('same'), Type.Literal('added'), Type.Literal('removed')]), text: Type.String() }),
                ),
                comments: Type.Array(
                  Type.Object({
                    author: Type.String(),
                    body: Type.String({ description: 'Empty when a moderator hid it' }),
                    hiddenReason: Type.Union([Type.String(), Type.Null()]),
                    createdAt: DateTime,
                  }),
                ),
              }),
              ...errorResponses(404, 410, 422),
            },
          },
        },
        async (request) => {
          const details = await amendmentDetails(ctx, request.actor, request.params.id, request.params.number);
          return {
            amendment: amendmentJson(details.amendment),
            text: details.text,
            html: details.html,
            changes: details.changes,
            comments: details.comments.map((comment) => ({
              author: comment.author,
              body: comment.body,
              hiddenReason: comment.hiddenReason,
              createdAt: comment.createdAt.toISOString(),
            })),
          };
        },
      );

      app.post(
        '/api/v1/appeals/:id/amendments/:number/comments',
        {
          config: { policy: 'amendment.comment', rateLimit: { max: 30, timeWindow: '1 minute' } },
          schema: {
            tags: ['appeals'],
            operationId: 'commentOnAmendment',
            summary: 'Comment on an amendment, while the appeal collects signatures',
            security: bearer,
            params: AmendmentParams,
            body: Type.Object({ body: Type.String({ maxLength: amendmentLimits.comment * 2 }) }, { additionalProperties: false }),
            response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await commentOnAmendment(ctx, request.actor, request.params.id, request.params.number, request.body.body);
          return reply.code(204).send(null);
        },
      );

      app.put(
        '/api/v1/appeals/:id/amendments/:number/decision',
        {
          config: { policy: 'amendment.decide' },
          schema: {
            tags: ['appeals'],
            operationId: 'decideAmendment',
            summary:
              'The appeal’s author accepts an amendment (a new version with its own SHA-256; the signatures of the old one stop counting until their signers sign the new one) or rejects it, with a reason either way. 409 `amendment_too_late` from 1,000 signatures on',
            security: bearer,
            params: AmendmentParams,
            body: Type.Object(
              {
                decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
                reason: Type.String({ maxLength: amendmentLimits.reason * 2 }),
              },
              { additionalProperties: false },
            ),
            response: { 200: AmendmentSchema, ...errorResponses(400, 401, 403, 404, 409, 410, 422) },
          },
        },
        async (request) => {
          await decideAmendment(ctx, request.actor, request.params.id, request.params.number, {
            accept: request.body.decision === 'accept',
            reason: request.body.reason,
          });
          return summaryOf(request.params.id, request.params.number, request.actor);
        },
      );
    },
  };
}
