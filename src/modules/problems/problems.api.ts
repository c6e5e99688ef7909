/**
 * REST routes of problems: list, filter and search with paging; similar problems; map markers; one
 * problem with its photos, appeals and counts; create and change (the author), photos as a
 * separate multipart upload, mark solved; timeline; comments; follow and unfollow.
 */

import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { ProblemStatus } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import {
  absentBodyIsEmpty,
  bearer,
  errorResponses,
  Id,
  IdParams,
  noAuth,
  OktmoPattern,
  optionalBearer,
  PageQuery,
  paged,
  ref,
} from '../../core/http/api-schemas.ts';
import { rateLimitFor, withoutProofLimitFor } from '../../core/http/rate-limits.ts';
import { publicReads } from '../../core/http/replica-reads.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import { photoLimits } from '../../core/images/photos.ts';
import { authorize, can } from '../../core/policy.ts';
import { altchaDescription, checkProofOfWork } from '../../core/security/altcha.ts';
import { photoUploadOptions, uploadedFiles } from './problems.pages.tsx';
import './problems.policy.ts';
import { mapMarkers } from './problems.markers.ts';
import { eventActor, eventLabel } from './problems.page.views.tsx';
import type { ProblemAppeal } from './problems.ports.ts';
import {
  commentMaxLength,
  decodeCursor,
  encodeCursor,
  type ListedStatus,
  type ListingCursor,
  listedStatuses,
  mapDefaultZoom,
  mapMaxZoom,
  mapPointLimit,
  mapPointsZoom,
  mapZoomFor,
  type ProblemInput,
  type ProblemSort,
  parseMapBox,
  problemSorts,
  wholeMap,
} from './problems.rules.ts';
import * as problems from './problems.service.ts';

// Null first: with coerceTypes, ajv would otherwise turn a JSON null into 0 for a number (a point at longitude 0).
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const DateTime = Type.String({ format: 'date-time' });
const StatusSchema = Type.Union([Type.Literal('open'), Type.Literal('solved'), Type.Literal('closed')]);

/** Moderation's `hidden` never reaches the API: the services answer 404 for it, and so does this guard. */
function visibleStatus(status: ProblemStatus): Static<typeof StatusSchema> {
  if (status === 'hidden') throw new DomainError('not_found');
  return status;
}

const ProblemSummarySchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    status: StatusSchema,
    url: Type.String({ description: 'The problem page' }),
    excerpt: Type.String({ description: 'The beginning of the description, plain text' }),
    category: Type.Object({ slug: Type.String(), name: Type.String() }),
    territory: Type.Object({ id: Type.Integer(), oktmo: Type.String(), name: Type.String() }),
    address: Nullable(Type.String()),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    authorName: Nullable(Type.String({ description: 'Public name, e.g. «Иван П.»' })),
    photos: Type.Integer(),
    signatures: Type.Integer({ description: 'Counted signatures under all appeals of the problem' }),
    recentSignatures: Type.Integer({ description: 'Signatures in the last 30 days (the "resonant" sort)' }),
    createdAt: DateTime,
    updatedAt: DateTime,
    solvedAt: Nullable(DateTime),
  },
  { $id: 'ProblemSummary' },
);

const PhotoSchema = Type.Object({
  position: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  contentType: Type.String(),
  url: Type.String(),
  thumbnailUrl: Type.String(),
});

const AppealBriefSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  organization: Type.Object({ slug: Type.String(), name: Type.String() }),
  signatures: Type.Integer(),
  threshold: Type.Integer(),
  previousAppealId: Nullable(Type.Integer()),
  sentAt: Nullable(DateTime),
  answerDueAt: Nullable(DateTime),
  url: Type.String(),
});

const ProblemSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    description: Type.String(),
    status: StatusSchema,
    url: Type.String(),
    category: Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() }),
    territory: Type.Object({
      id: Type.Integer(),
      oktmo: Type.String(),
      name: Type.String(),
      region: Nullable(Type.Object({ oktmo: Type.String(), name: Type.String() })),
    }),
    address: Nullable(Type.String()),
    latitude: Nullable(Type.Number()),
    longitude: Nullable(Type.Number()),
    authorName: Nullable(Type.String()),
    photos: Type.Array(PhotoSchema),
    appeals: Type.Array(AppealBriefSchema, { description: 'The chain of appeals, oldest first; drafts only for their author' }),
    counts: Type.Object({ comments: Type.Integer(), followers: Type.Integer(), signatures: Type.Integer(), appeals: Type.Integer() }),
    viewer: Nullable(
      Type.Object(
        { following: Type.Boolean(), canEdit: Type.Boolean(), canMarkSolved: Type.Boolean() },
        { description: 'What the authenticated caller may do; null for anonymous calls' },
      ),
    ),
    createdAt: DateTime,
    updatedAt: DateTime,
    solvedAt: Nullable(DateTime),
    solvedBy: Nullable(Type.String({ description: 'The public name of whoever marked the problem solved' })),
    solvedNote: Nullable(Type.String({ description: 'The note left when the problem was marked solved: how it was solved' })),
    controlledBy: Type.Array(Type.Object({ slug: Type.String(), name: Type.String() }), { description: 'The organizations holding it «на контроль»' }),
  },
  { $id: 'Problem' },
);

const CommentSchema = Type.Object(
  {
    id: Type.Integer(),
    parentId: Nullable(Type.Integer()),
    authorName: Nullable(Type.String()),
    body: Type.String({ description: 'Markdown source; empty when moderation hid the comment' }),
    html: Type.String({ description: 'Safe HTML rendered from the Markdown subset' }),
    hidden: Type.Boolean(),
    createdAt: DateTime,
  },
  { $id: 'Comment' },
);

const EventSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'problem.published, problem.edited, problem.solved, comment.created, appeal.drafted, appeal.opened, appeal.sent, …' }),
  label: Type.String({ description: 'The event as the timeline shows it, in the request language' }),
  appealId: Nullable(Type.Integer()),
  actorName: Nullable(Type.String()),
  data: Type.Object({}, { additionalProperties: true }),
  createdAt: DateTime,
});

const ProblemBody = Type.Object({
  title: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 20_000 }),
  categoryId: Id,
  territoryId: Id,
  address: Type.Optional(Type.String({ maxLength: 500 })),
  latitude: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
  longitude: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
  acknowledgeWarnings: Type.Optional(
    Type.Boolean({
      description: 'With obscene language or threats (59-FZ Art. 11) in the title or description the answer is 422 language_warning until this is true',
    }),
  ),
});

const CreateProblemBody = Type.Object({
  ...ProblemBody.properties,
  altcha: Type.Optional(
    Type.String({
      maxLength: 20_000,
      description: `${altchaDescription} Problems without one have a tighter hourly limit per client address.`,
    }),
  ),
});

const FilterQuery = Type.Object({
  territory: Type.Optional(Type.String({ pattern: OktmoPattern, description: 'OKTMO; a region includes its municipalities' })),
  category: Type.Optional(Type.String({ maxLength: 100, description: 'Category slug' })),
  organization: Type.Optional(Type.String({ maxLength: 100, description: 'Slug of an organization the problem has an appeal to' })),
  status: Type.Optional(Type.Union(listedStatuses.map((s) => Type.Literal(s)))),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Full-text search in Russian (word forms match: «ямы» finds «яма»)' })),
  sort: Type.Optional(
    Type.Union(
      problemSorts.map((s) => Type.Literal(s)),
      { default: 'new' },
    ),
  ),
});

/** The markers take the list's filters, without its pages (page and perPage are accepted and ignored), and a viewport. */
const MarkerQuery = Type.Intersect([
  PageQuery,
  FilterQuery,
  Type.Object({
    bbox: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'The viewport: `west,south,east,north` in degrees (west < east: a view across the 180th meridian is two requests). Without it, the whole map. Anything else is 400 invalid_bbox',
        examples: ['35.6,56.8,36.1,56.9'],
      }),
    ),
    zoom: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: mapMaxZoom,
        description: `The map's zoom (0–${mapMaxZoom}): the clusters are cells of 64 pixels at it. Default: ${mapDefaultZoom} without bbox, the zoom that shows the bbox about 1,000 pixels wide with it`,
      }),
    ),
  }),
]);

const MapBoxSchema = Type.Object(
  { west: Type.Number(), south: Type.Number(), east: Type.Number(), north: Type.Number() },
  { $id: 'MapBox', description: 'A box in degrees' },
);

const ListQuery = Type.Intersect([
  PageQuery,
  FilterQuery,
  Type.Object({
    after: Type.Optional(
      Type.String({ maxLength: 100, description: 'The page after this one: the `next` of a listing of the same sort (then `page` is ignored)' }),
    ),
    before: Type.Optional(Type.String({ maxLength: 100, description: 'The page before this one: the `previous` of a listing of the same sort' })),
  }),
]);

/** A listing's page: the cursors lead on without counting pages; the total is exact up to 10,000. */
const ProblemListSchema = Type.Object({
  items: Type.Array(ref(ProblemSummarySchema)),
  total: Type.Integer({ description: 'Matching problems, counted up to 10,000; past that 10,000 with totalCapped' }),
  totalCapped: Type.Boolean({ description: 'true: more than `total` problems match' }),
  page: Type.Integer({ description: 'The page asked for by number (1 when asked by cursor)' }),
  perPage: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last' }),
  previous: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the previous page; null on the first' }),
});

/** The cursor of an `after` or `before` parameter, or a 400 invalid_cursor when it is not one of this sort. */
function cursorParameter(text: string | undefined, sort: ProblemSort): ListingCursor | undefined {
  if (text === undefined || text === '') return undefined;
  const cursor = decodeCursor(text, sort);
  if (!cursor) throw new DomainError('invalid_cursor');
  return cursor;
}

/** The filters of a listing query (the list and the map take the same ones). */
function listFilter(query: Static<typeof FilterQuery>) {
  const { territory, category, organization, status, q, sort = 'new' } = query;
  return {
    territoryOktmo: territory,
    categorySlug: category,
    organizationSlug: organization,
    status: status as ListedStatus | undefined,
    search: q,
    sort: sort as ProblemSort,
  };
}

function inputFrom(body: Static<typeof ProblemBody>): ProblemInput {
  return {
    title: body.title,
    description: body.description,
    categoryId: body.categoryId,
    territoryId: body.territoryId,
    address: body.address ?? '',
    latitude: body.latitude ?? null,
    longitude: body.longitude ?? null,
    acknowledgeWarnings: body.acknowledgeWarnings === true,
  };
}

export function problemApi(ctx: AppContext): AppModule {
  const base = ctx.config.baseUrl;
  const problemUrl = (id: number) => `${base}/problems/${id}`;

  function summaryJson(item: problems.ProblemListItem, locale: string) {
    return {
      id: item.id,
      title: item.title,
      status: visibleStatus(item.status),
      url: problemUrl(item.id),
      excerpt: item.excerpt,
      category: { slug: item.category_slug, name: locale === 'en' ? item.category_en : item.category_ru },
      territory: { id: item.territory_id, oktmo: item.territory_oktmo, name: item.territory_name },
      address: item.address,
      latitude: item.latitude,
      longitude: item.longitude,
      authorName: item.author_name,
      photos: item.photos,
      signatures: item.signatures,
      recentSignatures: item.recent_signatures,
      createdAt: item.created_at.toISOString(),
      updatedAt: item.updated_at.toISOString(),
      solvedAt: item.solved_at?.toISOString() ?? null,
    };
  }

  function appealJson(appeal: ProblemAppeal) {
    return {
      id: appeal.id,
      title: appeal.title,
      status: appeal.status,
      organization: { slug: appeal.organization_slug, name: appeal.organization_name },
      signatures: appeal.signatures,
      threshold: appeal.threshold,
      previousAppealId: appeal.previous_appeal_id,
      sentAt: appeal.sent_at?.toISOString() ?? null,
      answerDueAt: appeal.answer_due_at?.toISOString() ?? null,
      url: `${base}/appeals/${appeal.id}`,
    };
  }

  async function problemJson(request: FastifyRequest, problemId: number) {
    const reads = publicReads(ctx, request);
    const details = await problems.getProblemDetails(reads, problemId);
    const actor = request.actor;
    const [appeals, following] = await Promise.all([
      ctx.ports.problems.appeals.forProblem(reads, problemId, actor?.id ?? null),
      actor ? problems.isFollowing(ctx, actor.id, problemId) : Promise.resolve(false),
    ]);
    const { problem, category, territory, region, counts } = details;
    const en = request.locale === 'en';
    return {
      id: problem.id,
      title: problem.title,
      description: problem.description,
      status: visibleStatus(problem.status),
      url: problemUrl(problem.id),
      category: { id: category.id, slug: category.slug, name: en ? category.name_en : category.name_ru },
      territory: {
        id: territory.id,
        oktmo: territory.oktmo,
        name: en && territory.name_en ? territory.name_en : territory.name,
        region: region ? { oktmo: region.oktmo, name: en && region.name_en ? region.name_en : region.name } : null,
      },
      address: problem.address,
      latitude: problem.latitude,
      longitude: problem.longitude,
      authorName: details.authorName,
      photos: details.photos.map((photo) => ({
        position: photo.position,
        width: photo.width,
        height: photo.height,
        contentType: photo.content_type,
        url: `${problemUrl(problem.id)}/photos/${photo.position}`,
        thumbnailUrl: `${problemUrl(problem.id)}/photos/${photo.position}/thumbnail`,
      })),
      appeals: appeals.map(appealJson),
      counts: { ...counts, appeals: appeals.length },
      viewer: actor
        ? {
            following,
            canEdit: can(actor, 'problem.update', problem),
            canMarkSolved: can(actor, 'problem.markSolved', problem),
          }
        : null,
      createdAt: problem.created_at.toISOString(),
      updatedAt: problem.updated_at.toISOString(),
      solvedAt: problem.solved_at?.toISOString() ?? null,
      solvedBy: problem.solved_at ? details.solvedByName : null,
      solvedNote: problem.solved_note,
      controlledBy: (await ctx.ports.problems.officials.controls(ctx, [problem.id])).get(problem.id) ?? [],
    };
  }

  function commentJson(comment: problems.CommentItem) {
    return {
      id: comment.id,
      parentId: comment.parent_id,
      authorName: comment.author_name,
      body: comment.body,
      html: comment.html,
      hidden: comment.hidden,
      createdAt: comment.created_at.toISOString(),
    };
  }

  return {
    name: 'problems.api',
    routes(app: App) {
      const withoutProof = withoutProofLimitFor(app, ctx, 'publish');
      app.addSchema(ProblemSummarySchema);
      app.addSchema(ProblemSchema);
      app.addSchema(CommentSchema);
      app.addSchema(MapBoxSchema);

      app.get(
        '/api/v1/problems',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'listProblems',
            security: noAuth,
            summary: 'Problems, filtered by territory, category, addressee and status, searched in Russian, sorted and paged',
            querystring: ListQuery,
            response: { 200: ProblemListSchema, ...errorResponses(400, 422) },
          },
        },
        async (request) => {
          const { page = 1, perPage = 50 } = request.query;
          const filter = listFilter(request.query);
          const after = cursorParameter(request.query.after, filter.sort);
          const before = cursorParameter(request.query.before, filter.sort);
          const result = await problems.listProblems(publicReads(ctx, request), { ...filter, limit: perPage, offset: (page - 1) * perPage, after, before });
          return {
            items: result.items.map((item) => summaryJson(item, request.locale)),
            total: result.total,
            totalCapped: result.totalCapped,
            page: after || before ? 1 : page,
            perPage,
            next: result.next ? encodeCursor(result.next) : null,
            previous: result.previous ? encodeCursor(result.previous) : null,
          };
        },
      );

      app.get(
        '/api/v1/problems/similar',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'listSimilarProblems',
            security: noAuth,
            summary: 'Open problems like the one being written, in the same territory (suggested before publishing)',
            querystring: Type.Object({
              territoryId: Id,
              title: Type.String({ maxLength: 200 }),
              description: Type.Optional(Type.String({ maxLength: 2000 })),
            }),
            response: {
              200: Type.Object({
                items: Type.Array(
                  Type.Object({ id: Type.Integer(), title: Type.String(), territoryName: Type.String(), signatures: Type.Integer(), url: Type.String() }),
                ),
              }),
              ...errorResponses(422),
            },
          },
        },
        async (request, reply) => {
          const { territoryId, title, description = '' } = request.query;
          const similar = await problems.similarProblems(ctx, { territoryId, title, description });
          return reply.header('cache-control', 'no-store').send({
            items: similar.map((s) => ({ id: s.id, title: s.title, territoryName: s.territory_name, signatures: s.signatures, url: problemUrl(s.id) })),
          });
        },
      );

      app.get(
        '/api/v1/problems/markers',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'listProblemMarkers',
            security: noAuth,
            summary: `Problems with a point inside a viewport, for the map (same filters as the list): each problem as a point when there are at most ${mapPointLimit}, otherwise clusters of the cells of 64 pixels at the zoom (from zoom ${mapPointsZoom}, the newest ${mapPointLimit} points and truncated)`,
            querystring: MarkerQuery,
            response: {
              200: Type.Object({
                items: Type.Array(
                  Type.Object({
                    id: Type.Integer(),
                    title: Type.String(),
                    status: StatusSchema,
                    latitude: Type.Number(),
                    longitude: Type.Number(),
                    url: Type.String(),
                  }),
                  { description: 'The problems shown one by one' },
                ),
                clusters: Type.Array(
                  Type.Object({
                    problems: Type.Integer({ minimum: 2, description: 'How many problems the cell holds' }),
                    latitude: Type.Number({ description: 'The mean position of its problems' }),
                    longitude: Type.Number(),
                    bounds: ref(MapBoxSchema),
                  }),
                  { description: 'Cells of the grid with more than one problem; zooming to `bounds` splits one' },
                ),
                total: Type.Integer({ description: 'The problems inside `bbox`: the items and the clusters’ problems, or more when truncated' }),
                truncated: Type.Boolean({
                  description: `true: more than ${mapPointLimit} problems lie inside bbox at a zoom from ${mapPointsZoom}; the items are the newest`,
                }),
                zoom: Type.Integer({ description: 'The zoom of the cells (lower than asked when bbox covers more than 1,024 of them)' }),
                bbox: ref(MapBoxSchema),
              }),
              ...errorResponses(400, 422),
            },
          },
        },
        async (request, reply) => {
          const { bbox, zoom } = request.query;
          const box = bbox === undefined ? wholeMap : parseMapBox(bbox);
          if (!box) throw new DomainError('invalid_bbox');
          const markers = await mapMarkers(publicReads(ctx, request), listFilter(request.query), {
            box,
            zoom: zoom ?? (bbox === undefined ? mapDefaultZoom : mapZoomFor(box)),
          });
          return reply.header('cache-control', 'public, max-age=60').send({
            items: markers.points.map((point) => ({
              id: point.id,
              title: point.title,
              status: point.status,
              latitude: point.latitude,
              longitude: point.longitude,
              url: problemUrl(point.id),
            })),
            clusters: markers.clusters,
            total: markers.total,
            truncated: markers.truncated,
            zoom: markers.zoom,
            bbox: markers.box,
          });
        },
      );

      app.post(
        '/api/v1/problems',
        {
          config: { policy: 'problem.create' },
          onRequest: rateLimitFor(app, ctx, 'publish'),
          schema: {
            tags: ['problems'],
            operationId: 'createProblem',
            summary: 'Publish a problem (citizens with a verified e-mail). Photos go separately to POST /api/v1/problems/{id}/photos',
            security: bearer,
            body: CreateProblemBody,
            response: { 201: ref(ProblemSchema), ...errorResponses(401, 403, 422, 429) },
          },
        },
        async (request, reply) => {
          const { altcha, ...body } = request.body;
          if ((await checkProofOfWork(ctx, altcha)) === 'missing') await withoutProof(request);
          const created = await problems.createProblem(ctx, request.actor, inputFrom(body));
          return reply
            .code(201)
            .header('location', `/api/v1/problems/${created.id}`)
            .send(await problemJson(request, created.id));
        },
      );

      app.get(
        '/api/v1/problems/:id',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'getProblem',
            security: optionalBearer,
            summary: 'One problem with its photos, appeals and counts',
            params: IdParams,
            response: { 200: ref(ProblemSchema), ...errorResponses(404, 422) },
          },
        },
        async (request) => await problemJson(request, request.params.id),
      );

      app.put(
        '/api/v1/problems/:id',
        {
          config: { policy: 'problem.update' },
          schema: {
            tags: ['problems'],
            operationId: 'updateProblem',
            summary: 'Change a problem (its author, while it is open)',
            security: bearer,
            params: IdParams,
            body: ProblemBody,
            response: { 200: ref(ProblemSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await problems.updateProblem(ctx, request.actor, request.params.id, inputFrom(request.body));
          return await problemJson(request, request.params.id);
        },
      );

      app.post(
        '/api/v1/problems/:id/photos',
        {
          config: { policy: 'problem.update', multipartOptions: photoUploadOptions, rateLimit: { max: 20, timeWindow: '1 minute' } },
          schema: {
            tags: ['problems'],
            operationId: 'addProblemPhotos',
            summary: `Add photos (its author, while open): multipart/form-data, one or more files in the field "photos"; JPEG, PNG or WebP, ${photoLimits.maxPerProblem} per problem in all. All are stored or none; metadata (EXIF, GPS) is removed`,
            security: bearer,
            consumes: ['multipart/form-data'],
            params: IdParams,
            response: { 201: Type.Object({ photos: Type.Array(PhotoSchema) }), ...errorResponses(401, 403, 404, 409, 415, 422) },
          },
        },
        async (request, reply) => {
          if (!request.isMultipart()) throw new DomainError('bad_request');
          // Whose problem it is before any image is decoded: a stranger's upload costs no resizing, and is refused as such.
          const actor = authorize(request.actor, 'problem.update', await problems.getProblemRow(ctx, request.params.id));
          const uploads = uploadedFiles((request.body ?? {}) as Record<string, unknown>, 'photos');
          if (uploads.length > photoLimits.maxPerProblem) {
            throw new DomainError('validation_failed', {}, [{ field: 'photos', rule: 'tooManyPhotos', params: { limit: photoLimits.maxPerProblem } }]);
          }
          const processed = await problems.processPhotos(uploads);
          if (processed.problems.length > 0) throw new DomainError('validation_failed', {}, processed.problems);
          await problems.addPhotos(ctx, actor, request.params.id, processed.photos);
          const json = await problemJson(request, request.params.id);
          return reply.code(201).send({ photos: json.photos });
        },
      );

      app.post(
        '/api/v1/problems/:id/solved',
        {
          config: { policy: 'problem.markSolved' },
          preValidation: absentBodyIsEmpty,
          schema: {
            tags: ['problems'],
            operationId: 'markProblemSolved',
            summary: 'Mark the problem solved (its author)',
            description:
              'Cannot be undone. Signers and followers are told. With `withdrawOpenAppeals`, the appeals still in draft or collecting signatures are withdrawn too (not one the platform already started sending).',
            security: bearer,
            params: IdParams,
            body: Type.Object(
              {
                withdrawOpenAppeals: Type.Optional(Type.Boolean({ default: false, description: 'Withdraw the open appeals of the problem as well' })),
                note: Type.Optional(
                  Type.String({
                    maxLength: 5000,
                    description: 'How the problem was solved, shown on its page and sent to its signers; at most 1,000 characters',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            response: { 200: ref(ProblemSchema), ...errorResponses(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await problems.markSolved(ctx, request.actor, request.params.id, {
            withdrawOpenAppeals: request.body.withdrawOpenAppeals === true,
            ...(request.body.note === undefined ? {} : { note: request.body.note }),
          });
          return await problemJson(request, request.params.id);
        },
      );

      app.get(
        '/api/v1/problems/:id/events',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'listProblemEvents',
            security: noAuth,
            summary: 'The public timeline of the problem and its appeals, oldest first',
            params: IdParams,
            response: { 200: Type.Object({ items: Type.Array(EventSchema) }), ...errorResponses(404, 422) },
          },
        },
        async (request) => {
          const reads = publicReads(ctx, request);
          await problems.getProblemDetails(reads, request.params.id);
          const events = await problems.problemEvents(reads, request.params.id, request.actor?.id ?? null);
          return {
            items: events.map((event) => ({
              id: event.id,
              kind: event.kind,
              label: eventLabel(request.t, request.locale, event),
              appealId: event.appeal_id,
              actorName: eventActor(event),
              data: event.data ?? {},
              createdAt: event.created_at.toISOString(),
            })),
          };
        },
      );

      app.get(
        '/api/v1/problems/:id/comments',
        {
          config: { policy: 'problem.view' },
          schema: {
            tags: ['problems'],
            operationId: 'listComments',
            security: noAuth,
            summary: 'Comments, oldest first; replies name their parent',
            params: IdParams,
            querystring: PageQuery,
            response: { 200: paged(ref(CommentSchema)), ...errorResponses(404, 422) },
          },
        },
        async (request) => {
          const { page = 1, perPage = 50 } = request.query;
          const reads = publicReads(ctx, request);
          await problems.getProblemDetails(reads, request.params.id);
          const comments = await problems.listComments(reads, request.params.id);
          return { items: comments.slice((page - 1) * perPage, page * perPage).map(commentJson), total: comments.length, page, perPage };
        },
      );

      app.post(
        '/api/v1/problems/:id/comments',
        {
          config: { policy: 'comment.create' },
          onRequest: rateLimitFor(app, ctx, 'comment'),
          schema: {
            tags: ['problems'],
            operationId: 'addComment',
            summary: `Comment (citizens with a verified e-mail). Markdown subset, up to ${commentMaxLength} characters; parentId answers a comment`,
            security: bearer,
            params: IdParams,
            body: Type.Object({
              body: Type.String({ maxLength: 20_000 }),
              parentId: Type.Optional(Nullable(Id)),
              acknowledgeWarnings: Type.Optional(
                Type.Boolean({ description: 'With obscene language or threats (59-FZ Art. 11) the answer is 422 language_warning until this is true' }),
              ),
            }),
            response: { 201: ref(CommentSchema), ...errorResponses(401, 403, 404, 422) },
          },
        },
        async (request, reply) => {
          const comment = await problems.addComment(ctx, request.actor, request.params.id, {
            body: request.body.body,
            parentId: request.body.parentId ?? null,
            acknowledgeWarnings: request.body.acknowledgeWarnings === true,
          });
          return reply.code(201).send(commentJson(comment));
        },
      );

      for (const method of ['PUT', 'DELETE'] as const) {
        app.route({
          method,
          url: '/api/v1/problems/:id/follow',
          config: { policy: 'problem.follow' },
          schema: {
            tags: ['problems'],
            operationId: method === 'PUT' ? 'followProblem' : 'unfollowProblem',
            summary: method === 'PUT' ? 'Follow the problem' : 'Stop following the problem',
            security: bearer,
            params: IdParams,
            response: { 200: Type.Object({ following: Type.Boolean(), followers: Type.Integer() }), ...errorResponses(401, 404, 422) },
          },
          handler: async (request) => {
            const { id } = request.params;
            await problems.follow(ctx, request.actor, id, method === 'PUT');
            return { following: method === 'PUT', followers: await problems.followerCount(ctx, id) };
          },
        });
      }
    },
  };
}
