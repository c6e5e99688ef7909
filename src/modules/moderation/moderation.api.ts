/**
 * REST routes of moderation under /api/v1, with the same policies as the pages: reporting an item (anyone signed
 * in), the moderators' queue, a case and decisions (one or many), the author's hidden items and appeal, and the
 * administrators' decisions on appeals.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, errorResponses, Id, IdParams, PageQuery, paged } from '../../core/http/api-schemas.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { appealMaxLength, bulkMax, detailsMaxLength, reasonMaxLength } from './moderation.rules.ts';
import * as moderation from './moderation.service.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const ItemType = Type.Union(
  [
    Type.Literal('problem'),
    Type.Literal('comment'),
    Type.Literal('appeal'),
    Type.Literal('rating'),
    Type.Literal('amendment'),
    Type.Literal('amendment_comment'),
  ],
  {
    description: 'problem, comment, appeal (its text) or rating (a rating’s public comment)',
  },
);
const SubjectType = Type.Union([...ItemType.anyOf, Type.Literal('user')], {
  description: 'problem, comment, appeal (its text), rating (a rating’s public comment), or user: a person, reported through one of his items',
});
const ReportTarget = Type.Union([Type.Literal('item'), Type.Literal('author')], {
  description: 'item (the default): the item itself; author: the person who wrote it, reported through it',
});
const ReportReason = Type.Union([
  Type.Literal('spam'),
  Type.Literal('abuse'),
  Type.Literal('personal_data'),
  Type.Literal('illegal'),
  Type.Literal('misleading'),
  Type.Literal('other'),
]);
const CaseState = Type.Union([Type.Literal('reported'), Type.Literal('auto_hidden'), Type.Literal('hidden'), Type.Literal('restored')], {
  description: 'reported: awaiting review; auto_hidden: hidden by reports pending review; hidden / restored: decided',
});
const Outcome = Type.Union([Type.Literal('upheld'), Type.Literal('reversed')]);
const Decision = Type.Union([Type.Literal('hide'), Type.Literal('restore')]);
const QueueSort = Type.Union([Type.Literal('oldest'), Type.Literal('newest'), Type.Literal('reports')]);

const CaseSchema = Type.Object({
  id: Type.Integer(),
  subjectType: SubjectType,
  subjectId: Type.Integer(),
  state: CaseState,
  openReports: Type.Integer({ description: 'Reports not yet resolved by a decision' }),
  lastReportedAt: Nullable(DateTime),
  publicReason: Nullable(Type.String({ description: 'Shown in place of a hidden item' })),
  decidedAt: Nullable(DateTime),
  appealedAt: Nullable(DateTime),
  appealText: Nullable(Type.String()),
  appealOutcome: Nullable(Outcome),
  appealReason: Nullable(Type.String()),
  subject: Nullable(
    Type.Object({
      context: Type.String({ description: 'The title of the problem or appeal it belongs to; for a person, his public name' }),
      text: Type.String(),
      url: Type.String(),
      hidden: Type.Boolean(),
    }),
  ),
  reasons: Type.Array(Type.Object({ reason: ReportReason, count: Type.Integer() })),
});

/**
 * A case's decidedAt as the caller read it, as the service compares it (ms; 0 for never decided). A date that does
 * not parse names no moment: it cannot match, so the decision is refused as stale.
 */
function seenMoment(decidedAt: string | null): number {
  return decidedAt === null ? 0 : Date.parse(decidedAt) || -1;
}

function caseJson(ctx: AppContext, item: moderation.QueueItem) {
  const c = item.case;
  return {
    id: c.id,
    subjectType: c.subject_type,
    subjectId: c.subject_id,
    state: c.state,
    openReports: c.open_reports,
    lastReportedAt: c.last_reported_at?.toISOString() ?? null,
    publicReason: c.public_reason,
    decidedAt: c.decided_at?.toISOString() ?? null,
    appealedAt: c.appealed_at?.toISOString() ?? null,
    appealText: c.appeal_text,
    appealOutcome: c.appeal_outcome,
    appealReason: c.appeal_reason,
    subject: item.subject
      ? { context: item.subject.context, text: item.subject.text, url: `${ctx.config.baseUrl}${item.subject.href}`, hidden: item.subject.hidden }
      : null,
    reasons: item.reasons,
  };
}

const CaseDetailsSchema = Type.Object({
  case: CaseSchema,
  reports: Type.Array(
    Type.Object({
      id: Type.Integer(),
      reason: ReportReason,
      details: Nullable(Type.String()),
      reporter: Nullable(
        Type.String({ description: 'The reporter’s public name («Иван П.»): moderators only, and null for the moderator whose own item it is' }),
      ),
      createdAt: DateTime,
      resolvedAt: Nullable(DateTime),
    }),
  ),
  history: Type.Array(Type.Object({ action: Type.String(), at: DateTime, reason: Nullable(Type.String()) })),
  refusal: Nullable(Type.String({ description: 'Why the caller may not decide: own_content (his own or reported by him), wrong_state (under appeal)' })),
});

export function moderationApi(ctx: AppContext): AppModule {
  return {
    name: 'moderation.api',
    routes(app: App) {
      app.post(
        '/api/v1/reports',
        {
          config: { policy: 'content.report' },
          onRequest: rateLimitFor(app, ctx, 'report'),
          schema: {
            tags: ['moderation'],
            operationId: 'reportContent',
            summary:
              'Report a problem, comment, appeal text or rating comment, or its author; reports from enough different people hide an item pending review (a person is only blocked by a moderator)',
            security: bearer,
            body: Type.Object(
              {
                subjectType: ItemType,
                subjectId: Id,
                target: Type.Optional(ReportTarget),
                reason: ReportReason,
                details: Type.Optional(Type.String({ maxLength: detailsMaxLength * 2 })),
              },
              { additionalProperties: false },
            ),
            response: { 201: Type.Object({ state: CaseState }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          const outcome = await moderation.report(ctx, request.actor, { ...request.body, details: request.body.details ?? '' });
          return reply.code(201).send({ state: outcome.state });
        },
      );

      app.get(
        '/api/v1/moderation/queue',
        {
          config: { policy: 'moderation.queue' },
          schema: {
            tags: ['moderation'],
            operationId: 'moderationQueue',
            summary: 'Items with open reports (moderators): those hidden pending review first, then by the chosen order',
            security: bearer,
            querystring: Type.Object({ ...PageQuery.properties, sort: Type.Optional(QueueSort) }),
            response: { 200: paged(CaseSchema), ...errorResponses(400, 401, 403) },
          },
        },
        async (request) => {
          const page = request.query.page ?? 1;
          const perPage = request.query.perPage ?? 50;
          const { items, total } = await moderation.queue(ctx, request.actor, {
            sort: request.query.sort ?? 'oldest',
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          return { items: items.map((item) => caseJson(ctx, item)), total, page, perPage };
        },
      );

      app.get(
        '/api/v1/moderation/cases/:id',
        {
          config: { policy: 'moderation.queue' },
          schema: {
            tags: ['moderation'],
            operationId: 'getModerationCase',
            summary: 'A reported item with its reports and its decisions (moderators)',
            security: bearer,
            params: IdParams,
            response: { 200: CaseDetailsSchema, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const details = await moderation.caseDetails(ctx, request.actor, request.params.id);
          return {
            case: caseJson(ctx, details),
            reports: details.reports.map((report) => ({
              id: report.id,
              reason: report.reason,
              details: report.details,
              reporter: report.reporter,
              createdAt: report.created_at.toISOString(),
              resolvedAt: report.resolved_at?.toISOString() ?? null,
            })),
            history: details.history.map((entry) => ({
              action: entry.action,
              at: entry.created_at.toISOString(),
              reason: typeof entry.details.reason === 'string' ? entry.details.reason : null,
            })),
            refusal: details.refusal,
          };
        },
      );

      app.post(
        '/api/v1/moderation/decisions',
        {
          config: { policy: 'moderation.queue' },
          schema: {
            tags: ['moderation'],
            operationId: 'decideModeration',
            summary: 'Hide or restore one or several reported items with one reason (moderators): all or nothing',
            security: bearer,
            body: Type.Object(
              {
                caseIds: Type.Array(Id, { minItems: 1, maxItems: bulkMax }),
                decision: Decision,
                reason: Type.String({ maxLength: reasonMaxLength * 2, description: 'Shown publicly in place of a hidden item' }),
                seen: Type.Optional(
                  Type.Array(Type.Object({ caseId: Id, decidedAt: Nullable(DateTime) }, { additionalProperties: false }), {
                    maxItems: bulkMax,
                    description:
                      'Each case’s decidedAt as the caller last read it: if another moderator has decided one since, nothing is decided (409 case_already_decided)',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ decided: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          const { seen, ...input } = request.body;
          const seenAt = seen && new Map(seen.map((entry) => [entry.caseId, seenMoment(entry.decidedAt)]));
          return moderation.decide(ctx, request.actor, { ...input, ...(seenAt ? { seen: seenAt } : {}) });
        },
      );

      app.post(
        '/api/v1/moderation/cases/:id/block-author',
        {
          config: { policy: 'moderation.queue' },
          schema: {
            tags: ['moderation'],
            operationId: 'blockModeratedAuthor',
            summary: 'Block the author of a reported item (moderators block citizens only) and hide everything of his still shown, with one reason',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                reason: Type.String({ maxLength: reasonMaxLength * 2, description: 'Shown to him and in place of his posts' }),
                seenDecidedAt: Type.Optional(Nullable(DateTime)),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({ hidden: Type.Integer({ description: 'How many of his posts were hidden' }) }),
              ...errorResponses(400, 401, 403, 404, 409, 422),
            },
          },
        },
        async (request) => {
          const { seenDecidedAt, reason } = request.body;
          const seen = seenDecidedAt === undefined ? undefined : seenMoment(seenDecidedAt);
          return moderation.blockAuthor(ctx, request.actor, request.params.id, { reason, ...(seen === undefined ? {} : { seen }) });
        },
      );

      app.get(
        '/api/v1/moderation/mine',
        {
          config: { policy: 'moderation.mine' },
          schema: {
            tags: ['moderation'],
            operationId: 'myModeratedItems',
            summary: 'The caller’s own items that moderation hid (or hid and restored), with the state of any appeal',
            security: bearer,
            response: { 200: Type.Object({ items: Type.Array(CaseSchema) }), ...errorResponses(401) },
          },
        },
        async (request) => ({ items: (await moderation.myCases(ctx, request.actor)).map((item) => caseJson(ctx, item)) }),
      );

      app.post(
        '/api/v1/moderation/cases/:id/appeal',
        {
          config: { policy: 'moderation.mine' },
          schema: {
            tags: ['moderation'],
            operationId: 'appealModeration',
            summary: 'The author appeals a decision to hide his item, once',
            security: bearer,
            params: IdParams,
            body: Type.Object({ text: Type.String({ maxLength: appealMaxLength * 2 }) }, { additionalProperties: false }),
            response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await moderation.appealDecision(ctx, request.actor, request.params.id, request.body);
          return reply.code(204).send(null);
        },
      );

      app.get(
        '/api/v1/moderation/appeals',
        {
          config: { policy: 'moderation.decideAppeal' },
          schema: {
            tags: ['moderation'],
            operationId: 'pendingModerationAppeals',
            summary: 'Authors’ appeals awaiting a decision (administrators), oldest first',
            security: bearer,
            response: { 200: Type.Object({ items: Type.Array(CaseSchema) }), ...errorResponses(401, 403) },
          },
        },
        async (request) => ({ items: (await moderation.pendingAppeals(ctx, request.actor)).map((item) => caseJson(ctx, item)) }),
      );

      app.post(
        '/api/v1/moderation/cases/:id/appeal-decision',
        {
          config: { policy: 'moderation.decideAppeal' },
          schema: {
            tags: ['moderation'],
            operationId: 'decideModerationAppeal',
            summary: 'Uphold (it stays hidden) or reverse (it is shown again) an author’s appeal (administrators)',
            security: bearer,
            params: IdParams,
            body: Type.Object({ outcome: Outcome, reason: Type.String({ maxLength: reasonMaxLength * 2 }) }, { additionalProperties: false }),
            response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 422) },
          },
        },
        async (request, reply) => {
          await moderation.decideAppeal(ctx, request.actor, request.params.id, request.body);
          return reply.code(204).send(null);
        },
      );
    },
  };
}
