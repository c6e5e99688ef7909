/**
 * The cabinet's messages to citizens under /api/v1, for both sides, as on the pages. The citizen's own conversations
 * (`/api/v1/messages…`, a personal token or the session); the organization's (`/api/v1/cabinet/{slug}/messages…`,
 * and starting one from an appeal or a problem), which an organization's API token may use as other cabinet
 * operations. No answer ever carries a citizen's e-mail or address: the organization's side reads a public name.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import { bearer, cabinetSecurity, errorResponses, Id, IdParams, PageQuery, paged, SlugParams } from '../../core/http/api-schemas.ts';
import { rateLimitFor } from '../../core/http/rate-limits.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import * as members from './cabinet.members.ts';
import { messageMaxLength } from './cabinet.threads.rules.ts';
import * as threads from './cabinet.threads.ts';

const SlugIdParams = Type.Object({ slug: Type.String({ maxLength: 100 }), id: Id });

const MessageBody = Type.Object(
  { body: Type.String({ maxLength: 20_000, description: `The message: plain text or the comment Markdown subset, at most ${messageMaxLength} characters` }) },
  { additionalProperties: false },
);

const MessageSchema = Type.Object({
  id: Type.Integer(),
  side: Type.Union([Type.Literal('organization'), Type.Literal('citizen')]),
  channel: Type.Union([Type.Literal('site'), Type.Literal('api'), Type.Literal('email'), Type.Literal('broadcast')], {
    description: '`email`: the citizen replied to the mail; `broadcast`: the organization’s message to all signers, which opened this conversation',
  }),
  body: Type.String({ description: 'As written (Markdown source)' }),
  html: Type.String({ description: 'Rendered and sanitized' }),
  official: Type.Union([Type.String(), Type.Null()], { description: 'The official, where the organization shows its officials’ names' }),
  createdAt: Type.String({ format: 'date-time' }),
});

const ThreadSummarySchema = Type.Object({
  id: Type.Integer(),
  organization: Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String() }),
  citizenName: Type.String({ description: 'The citizen’s public name («Иван П.»): all the organization’s side reads of them' }),
  subject: Type.String(),
  appealId: Type.Union([Type.Integer(), Type.Null()]),
  problemId: Type.Integer(),
  lastMessageAt: Type.String({ format: 'date-time' }),
  unread: Type.Boolean({ description: 'A message of the other side came after the asking side last read it' }),
  messages: Type.Integer(),
});

const ThreadSchema = Type.Object({ ...ThreadSummarySchema.properties, items: Type.Array(MessageSchema) });

const CreatedSchema = Type.Object({ threadId: Type.Integer(), message: MessageSchema });

const BroadcastSchema = Type.Object({
  id: Type.Integer(),
  organizationName: Type.String(),
  appealId: Type.Integer(),
  subject: Type.String(),
  body: Type.String(),
  html: Type.String(),
  official: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  threadId: Type.Union([Type.Integer(), Type.Null()], { description: 'The asker’s own conversation its answer went to, if they answered' }),
});

function summaryJson(thread: threads.ThreadSummary) {
  return {
    id: thread.id,
    organization: { id: thread.organizationId, name: thread.organizationName, slug: thread.organizationSlug },
    citizenName: thread.citizenName,
    subject: thread.subject,
    appealId: thread.appealId,
    problemId: thread.problemId,
    lastMessageAt: thread.lastMessageAt.toISOString(),
    unread: thread.unread,
    messages: thread.messages,
  };
}

function messageJson(message: threads.ThreadMessageView) {
  return {
    id: message.id,
    side: message.side,
    channel: message.channel,
    body: message.body,
    html: message.html,
    official: message.official,
    createdAt: message.createdAt.toISOString(),
  };
}

const threadJson = (thread: threads.ThreadView) => ({ ...summaryJson(thread), items: thread.items.map(messageJson) });

function createdJson(result: { thread: { id: number }; message: Parameters<typeof threads.storedMessageView>[0] }) {
  return { threadId: result.thread.id, message: messageJson(threads.storedMessageView(result.message)) };
}

function pageOf(query: { page?: number; perPage?: number }) {
  const page = query.page ?? 1;
  const perPage = query.perPage ?? 50;
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage };
}

export function threadApi(ctx: AppContext): AppModule {
  return {
    name: 'cabinet.threads.api',
    routes(app: App) {
      const limited = { onRequest: rateLimitFor(app, ctx, 'comment') };

      // The cabinet's side.
      app.get(
        '/api/v1/cabinet/:slug/messages',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetThreads',
            summary: 'The organization’s conversations with citizens, unread first, then the newest (any of its officials)',
            security: cabinetSecurity,
            params: SlugParams,
            querystring: Type.Object({ ...PageQuery.properties, appealId: Type.Optional(Id) }),
            response: { 200: paged(ThreadSummarySchema), ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const { page, perPage, limit, offset } = pageOf(request.query);
          const result = await threads.organizationThreads(ctx, request.actor, organization, {
            limit,
            offset,
            ...(request.query.appealId ? { appealId: request.query.appealId } : {}),
          });
          return { items: result.items.map(summaryJson), total: result.total, page, perPage };
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/messages/:id',
        {
          config: { policy: 'cabinet.view' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getCabinetThread',
            summary: 'One of the organization’s conversations with its messages; reading marks it read for the organization',
            security: cabinetSecurity,
            params: SlugIdParams,
            response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return threadJson(await threads.organizationThread(ctx, request.actor, organization, request.params.id));
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/messages/:id',
        {
          config: { policy: 'cabinet.work' },
          ...limited,
          schema: {
            tags: ['cabinet'],
            operationId: 'replyCabinetThread',
            summary: 'Answer in one of the organization’s conversations; the citizen is told on the site and by e-mail',
            description: `At most ${messageMaxLength} characters; an official writes at most 60 messages an hour for one organization (429 with Retry-After).`,
            security: cabinetSecurity,
            params: SlugIdParams,
            body: MessageBody,
            response: { 201: CreatedSchema, ...errorResponses(400, 401, 403, 404, 422, 429) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const result = await threads.replyAsOrganization(ctx, request.actor, organization, request.params.id, { body: request.body.body, channel: 'api' });
          return reply.status(201).send(createdJson(result));
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/appeals/:id/messages',
        {
          config: { policy: 'cabinet.work' },
          ...limited,
          schema: {
            tags: ['cabinet'],
            operationId: 'writeToAppealAuthor',
            summary: 'Write to the author of an appeal addressed to the organization (starts the conversation, or continues it)',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: MessageBody,
            response: { 201: CreatedSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const result = await threads.writeToCitizen(
            ctx,
            request.actor,
            organization,
            { appealId: request.params.id },
            { body: request.body.body, channel: 'api' },
          );
          return reply.status(201).send(createdJson(result));
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/appeals/:id/messages/signers',
        {
          config: { policy: 'cabinet.work' },
          ...limited,
          schema: {
            tags: ['cabinet'],
            operationId: 'writeToAppealSigners',
            summary: 'Write one message to all the signers of an appeal addressed to the organization (its author among them)',
            description:
              'Mailed in batches by a job, each signer with a reply address of their own; a signer who answers gets a private conversation with the organization. The organization never learns who the signers are.',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: MessageBody,
            response: {
              202: Type.Object({ broadcastId: Type.Integer(), createdAt: Type.String({ format: 'date-time' }) }),
              ...errorResponses(400, 401, 403, 404, 422, 429),
            },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const broadcast = await threads.writeToSigners(ctx, request.actor, organization, request.params.id, { body: request.body.body, channel: 'api' });
          return reply.status(202).send({ broadcastId: broadcast.id, createdAt: broadcast.created_at.toISOString() });
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/problems/:id/messages',
        {
          config: { policy: 'cabinet.work' },
          ...limited,
          schema: {
            tags: ['cabinet'],
            operationId: 'writeToProblemAuthor',
            summary: 'Write to the author of a problem the organization holds «на контроль» (409 message_not_controlled otherwise)',
            security: cabinetSecurity,
            params: SlugIdParams,
            body: MessageBody,
            response: { 201: CreatedSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const result = await threads.writeToCitizen(
            ctx,
            request.actor,
            organization,
            { problemId: request.params.id },
            { body: request.body.body, channel: 'api' },
          );
          return reply.status(201).send(createdJson(result));
        },
      );

      // The citizen's side.
      app.get(
        '/api/v1/messages',
        {
          config: { policy: 'message.list' },
          schema: {
            tags: ['messages'],
            operationId: 'listMyThreads',
            summary: 'My conversations with organizations, unread first, then the newest',
            security: bearer,
            querystring: PageQuery,
            response: { 200: paged(ThreadSummarySchema), ...errorResponses(400, 401, 403) },
          },
        },
        async (request) => {
          const { page, perPage, limit, offset } = pageOf(request.query);
          const result = await threads.citizenThreads(ctx, request.actor, { limit, offset });
          return { items: result.items.map(summaryJson), total: result.total, page, perPage };
        },
      );

      app.get(
        '/api/v1/messages/:id',
        {
          config: { policy: 'message.read' },
          schema: {
            tags: ['messages'],
            operationId: 'getMyThread',
            summary: 'One of my conversations with its messages (404 for anyone else’s); reading marks it read',
            security: bearer,
            params: IdParams,
            response: { 200: ThreadSchema, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => threadJson(await threads.citizenThread(ctx, request.actor, request.params.id)),
      );

      app.post(
        '/api/v1/messages/:id',
        {
          config: { policy: 'message.reply' },
          ...limited,
          schema: {
            tags: ['messages'],
            operationId: 'replyMyThread',
            summary: 'Answer in one of my conversations; the organization’s officials are told',
            description: `At most ${messageMaxLength} characters, and 20 messages an hour over all one’s conversations (429 with Retry-After).`,
            security: bearer,
            params: IdParams,
            body: MessageBody,
            response: { 201: CreatedSchema, ...errorResponses(400, 401, 403, 404, 422, 429) },
          },
        },
        async (request, reply) => {
          const result = await threads.replyAsCitizen(ctx, request.actor, request.params.id, { body: request.body.body, channel: 'api' });
          return reply.status(201).send(createdJson(result));
        },
      );

      app.get(
        '/api/v1/messages/broadcasts/:id',
        {
          config: { policy: 'message.list' },
          schema: {
            tags: ['messages'],
            operationId: 'getBroadcast',
            summary: 'An organization’s message to all the signers of an appeal I signed (404 for anyone it was not for)',
            security: bearer,
            params: IdParams,
            response: { 200: BroadcastSchema, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const broadcast = await threads.citizenBroadcast(ctx, request.actor, request.params.id);
          return {
            id: broadcast.id,
            organizationName: broadcast.organizationName,
            appealId: broadcast.appealId,
            subject: broadcast.subject,
            body: broadcast.body,
            html: broadcast.html,
            official: broadcast.official,
            createdAt: broadcast.createdAt.toISOString(),
            threadId: broadcast.threadId,
          };
        },
      );

      app.post(
        '/api/v1/messages/broadcasts/:id',
        {
          config: { policy: 'message.reply' },
          ...limited,
          schema: {
            tags: ['messages'],
            operationId: 'answerBroadcast',
            summary: 'Answer an organization’s message to all signers: the answer goes to my own conversation with it, which no other signer sees',
            security: bearer,
            params: IdParams,
            body: MessageBody,
            response: { 201: CreatedSchema, ...errorResponses(400, 401, 403, 404, 422, 429) },
          },
        },
        async (request, reply) => {
          const result = await threads.answerBroadcast(ctx, request.actor, request.params.id, { body: request.body.body, channel: 'api' });
          return reply.status(201).send(createdJson(result));
        },
      );
    },
  };
}
