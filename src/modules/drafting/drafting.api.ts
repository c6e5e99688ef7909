/**
 * REST routes of co-writing under /api/v1, with the pages' policies: a draft's text (as Markdown, HTML and plain
 * text) and the save that merges over newer revisions (409 `draft_conflict` when the same paragraph changed), the
 * co-authors (join, leave, removal), the author's settings (shared, locked), the revisions, their word-level
 * comparison and restoring one. The live editor speaks Yjs over the websocket `/collab` (see drafting.collab.ts).
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import { bearer, errorResponses, Id, IdParams, optionalBearer } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import type { Actor } from '../../core/policy.ts';
import {
  compareRevisions,
  draftView,
  joinDraft,
  maxTextCharacters,
  removeCoauthor,
  restoreRevision,
  revisionHistory,
  saveDraftText,
  setDraftShared,
  setTextLocked,
} from '../appeals/appeals.revisions.ts';
import { addDraftComment, commentLimits, type DraftCommentView, type DraftThread, draftThreads, resolveDraftComment } from './drafting.comments.ts';

const DateTime = Type.String({ format: 'date-time' });

const DraftSchema = Type.Object({
  appealId: Type.Integer(),
  status: Type.String({ description: 'The appeal’s state: the text is written while it is `draft`' }),
  revision: Type.Integer({ description: 'The latest revision: the base of the next save' }),
  markdown: Type.String({ description: 'The text as Markdown (what a save sends back)' }),
  html: Type.String({ description: 'The text as sanitized HTML' }),
  text: Type.String({ description: 'The plain text the letter prints and the signatures’ SHA-256 covers' }),
  shared: Type.Boolean({ description: 'Anyone may read the draft and a verified citizen may join as a co-author' }),
  locked: Type.Boolean({ description: 'The author locked the text against the co-authors' }),
  coauthors: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The public name («Иван П.»)' }),
      joinedAt: DateTime,
      userId: Type.Optional(Type.Integer({ description: 'Only for the author, who may remove a co-author' })),
    }),
  ),
  canWrite: Type.Boolean(),
  canJoin: Type.Boolean(),
});

const RevisionSchema = Type.Object({
  number: Type.Integer(),
  createdAt: DateTime,
  contributors: Type.Array(Type.String({ description: 'Public names of who wrote it' })),
  restoredFrom: Type.Union([Type.Null(), Type.Integer()]),
  characters: Type.Integer({ minimum: 0 }),
});

const CommentSchema = Type.Object({
  id: Type.Integer(),
  author: Type.String({ description: 'The public name («Иван П.»)' }),
  body: Type.String(),
  createdAt: DateTime,
  revision: Type.Integer({ description: 'The revision it was written on' }),
});
const ThreadSchema = Type.Object({
  id: Type.Integer(),
  author: Type.String(),
  body: Type.String(),
  createdAt: DateTime,
  revision: Type.Integer(),
  passage: Type.String({ description: 'The words of the text the thread is about, as they stood in `revision`' }),
  passageGone: Type.Boolean({ description: 'The words are no longer in the latest revision' }),
  resolved: Type.Boolean(),
  replies: Type.Array(CommentSchema),
});

function commentJson(comment: DraftCommentView) {
  return { id: comment.id, author: comment.author, body: comment.body, createdAt: comment.createdAt.toISOString(), revision: comment.revisionNumber };
}

function threadJson(thread: DraftThread) {
  return {
    ...commentJson(thread),
    passage: thread.passage,
    passageGone: thread.passageGone,
    resolved: thread.resolved,
    replies: thread.replies.map(commentJson),
  };
}

const RevisionNumberParams = Type.Object({ id: Id, number: Type.Integer({ minimum: 1, maximum: 1_000_000 }) });
const CoauthorParams = Type.Object({ id: Id, userId: Id });

async function draftJson(ctx: AppContext, actor: Actor | null, appealId: number) {
  const view = await draftView(ctx, actor, appealId);
  return {
    appealId: view.appeal.id,
    status: view.appeal.status,
    revision: view.latest.number,
    markdown: view.markdown,
    html: view.html,
    text: view.latest.text,
    shared: view.appeal.shared_at !== null,
    locked: view.appeal.text_locked_at !== null,
    coauthors: view.coauthors.map((coauthor) => ({
      name: coauthor.name,
      joinedAt: coauthor.joinedAt.toISOString(),
      ...(view.isAuthor ? { userId: coauthor.userId } : {}),
    })),
    canWrite: view.canWrite,
    canJoin: view.joinRefusal === null,
  };
}

export function draftingApi(ctx: AppContext): AppModule {
  return {
    name: 'drafting.api',
    routes(app: App) {
      app.get(
        '/api/v1/appeals/:id/draft',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['drafting'],
            operationId: 'getDraft',
            summary: 'A draft’s text, its co-authors and what the caller may do with it',
            security: optionalBearer,
            params: IdParams,
            response: { 200: DraftSchema, ...errorResponses(404, 422) },
          },
        },
        (request) => draftJson(ctx, request.actor, request.params.id),
      );

      app.put(
        '/api/v1/appeals/:id/draft',
        {
          config: { policy: 'appeal.writeText', rateLimit: { max: 60, timeWindow: '1 minute' } },
          schema: {
            tags: ['drafting'],
            operationId: 'saveDraft',
            summary:
              'Save the draft’s text (Markdown) written from revision `baseRevision`: changes to paragraphs that changed meanwhile by others merge; the same paragraph changed on both sides is 409 draft_conflict and nothing is saved',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              { text: Type.String({ maxLength: maxTextCharacters * 2 }), baseRevision: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ revision: Type.Integer(), merged: Type.Boolean() }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const outcome = await saveDraftText(ctx, request.actor, request.params.id, { markdown: request.body.text, baseRevision: request.body.baseRevision });
          if (outcome.kind === 'conflict') throw new DomainError('draft_conflict', { latest: outcome.latest.number });
          return { revision: outcome.revision.number, merged: outcome.merged };
        },
      );

      app.put(
        '/api/v1/appeals/:id/draft/settings',
        {
          config: { policy: 'appeal.leadDraft' },
          schema: {
            tags: ['drafting'],
            operationId: 'setDraftSettings',
            summary: 'Share the draft for co-writing (or make it private again) and lock its text against the co-authors (the author)',
            security: bearer,
            params: IdParams,
            body: Type.Object({ shared: Type.Optional(Type.Boolean()), locked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
            response: { 200: DraftSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          if (request.body.shared !== undefined) await setDraftShared(ctx, request.actor, request.params.id, request.body.shared);
          if (request.body.locked !== undefined) await setTextLocked(ctx, request.actor, request.params.id, request.body.locked);
          return draftJson(ctx, request.actor, request.params.id);
        },
      );

      app.post(
        '/api/v1/appeals/:id/coauthors',
        {
          config: { policy: 'appeal.joinDraft' },
          schema: {
            tags: ['drafting'],
            operationId: 'joinDraft',
            summary: 'Join a shared draft as a co-author (a verified citizen)',
            security: bearer,
            params: IdParams,
            response: { 200: DraftSchema, ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await joinDraft(ctx, request.actor, request.params.id);
          return draftJson(ctx, request.actor, request.params.id);
        },
      );

      app.delete(
        '/api/v1/appeals/:id/coauthors/me',
        {
          config: { policy: 'appeal.leaveDraft' },
          schema: {
            tags: ['drafting'],
            operationId: 'leaveDraft',
            summary: 'Stop being a co-author of a draft',
            security: bearer,
            params: IdParams,
            response: { 200: DraftSchema, ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await removeCoauthor(ctx, request.actor, request.params.id, request.actor?.id ?? 0);
          return draftJson(ctx, request.actor, request.params.id);
        },
      );

      app.delete(
        '/api/v1/appeals/:id/coauthors/:userId',
        {
          config: { policy: 'appeal.leadDraft' },
          schema: {
            tags: ['drafting'],
            operationId: 'removeCoauthor',
            summary: 'Remove a co-author (the author): his open editor turns read-only at once',
            security: bearer,
            params: CoauthorParams,
            response: { 200: DraftSchema, ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await removeCoauthor(ctx, request.actor, request.params.id, request.params.userId);
          return draftJson(ctx, request.actor, request.params.id);
        },
      );

      app.get(
        '/api/v1/appeals/:id/draft/comments',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['drafting'],
            operationId: 'listDraftComments',
            summary: 'The discussion of a draft’s text: threads anchored to a quoted passage, with their replies',
            security: optionalBearer,
            params: IdParams,
            response: { 200: Type.Object({ items: Type.Array(ThreadSchema) }), ...errorResponses(404, 422) },
          },
        },
        async (request) => ({ items: (await draftThreads(ctx, request.actor, request.params.id)).map(threadJson) }),
      );

      app.post(
        '/api/v1/appeals/:id/draft/comments',
        {
          config: { policy: 'draft.comment', rateLimit: { max: 30, timeWindow: '1 minute' } },
          schema: {
            tags: ['drafting'],
            operationId: 'addDraftComment',
            summary: 'Start a thread on a passage of the draft’s latest revision (the words as they stand in its text), or reply to a thread (`parentId`)',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                body: Type.String({ maxLength: commentLimits.body * 2 }),
                passage: Type.Optional(Type.String({ maxLength: commentLimits.passage * 2 })),
                parentId: Type.Optional(Id),
              },
              { additionalProperties: false },
            ),
            response: { 201: Type.Object({ id: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          const comment = await addDraftComment(ctx, request.actor, request.params.id, {
            body: request.body.body,
            passage: request.body.passage ?? '',
            parentId: request.body.parentId ?? null,
          });
          return reply.code(201).send({ id: comment.id });
        },
      );

      app.put(
        '/api/v1/appeals/:id/draft/comments/:commentId/resolved',
        {
          config: { policy: 'draft.resolveComment' },
          schema: {
            tags: ['drafting'],
            operationId: 'resolveDraftComment',
            summary: 'Mark a thread resolved, or open it again (the draft’s author or whoever started the thread)',
            security: bearer,
            params: Type.Object({ id: Id, commentId: Id }),
            body: Type.Object({ resolved: Type.Boolean() }, { additionalProperties: false }),
            response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await resolveDraftComment(ctx, request.actor, request.params.id, request.params.commentId, request.body.resolved);
          return reply.code(204).send(null);
        },
      );

      app.get(
        '/api/v1/appeals/:id/revisions',
        {
          config: { policy: 'appeal.view' },
          schema: {
            tags: ['drafting'],
            operationId: 'listRevisions',
            summary: 'The revisions of an appeal’s text, newest first, with who wrote each',
            security: optionalBearer,
            params: IdParams,
            response: { 200: Type.Object({ items: Type.Array(RevisionSchema) }), ...errorResponses(404, 422) },
          },
        },
        async (request) => {
          const { revisions } = await revisionHistory(ctx, request.actor, request.params.id);
          return {
            items: revisions.map((revision) => ({
              number: revision.number,
              createdAt: revision.createdAt.toISOString(),
              contributors: revision.contributors,
              restoredFrom: revision.restoredFrom,
              characters: revision.characters,
            })),
          };
        },
      );

      app.get(
        '/api/v1/appeals/:id/revisions/compare',
        {
          config: { policy: 'appeal.view', rateLimit: { max: 60, timeWindow: '1 minute' } },
          schema: {
            tags: ['drafting'],
            operationId: 'compareRevisions',
            summary: 'The words that changed from one revision to another (whole Russian words)',
            security: optionalBearer,
            params: IdParams,
            querystring: Type.Object({ from: Type.Integer({ minimum: 1, maximum: 1_000_000 }), to: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
            response: {
              200: Type.Object({
                from: Type.Integer(),
                to: Type.Integer(),
                changes: Type.Array(
                  Type.Object({ kind: Type.Union([Type.Literal('same'), Type.Literal('added'), Type.Literal('removed')]), text: Type.String() }),
                ),
              }),
              ...errorResponses(404, 422),
            },
          },
        },
        async (request) => {
          const compared = await compareRevisions(ctx, request.actor, request.params.id, request.query.from, request.query.to);
          return { from: compared.from.number, to: compared.to.number, changes: compared.changes };
        },
      );

      app.post(
        '/api/v1/appeals/:id/revisions/:number/restore',
        {
          config: { policy: 'appeal.leadDraft' },
          schema: {
            tags: ['drafting'],
            operationId: 'restoreRevision',
            summary: 'Make an old revision the newest again, as a new revision (the author)',
            security: bearer,
            params: RevisionNumberParams,
            response: { 200: Type.Object({ revision: Type.Integer(), restoredFrom: Type.Integer() }), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const revision = await restoreRevision(ctx, request.actor, request.params.id, request.params.number);
          return { revision: revision.number, restoredFrom: request.params.number };
        },
      );
    },
  };
}
