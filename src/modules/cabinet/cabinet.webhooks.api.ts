/**
 * An organization's webhooks under /api/v1/cabinet/{slug}/webhooks, for its head (as the pages): the endpoints with
 * their secrets, creating, changing, turning off or on and deleting one, its delivery log, and a test event.
 */
import { Type } from 'typebox';
import type { AppContext } from '../../core/context.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../../core/db/schema.ts';
import { bearer, errorResponses, Id } from '../../core/http/api-schemas.ts';
import type { App, AppModule } from '../../core/http/server.tsx';
import * as members from './cabinet.members.ts';
import { organizationEventTypes, webhookUrlMaxLength } from './cabinet.webhooks.rules.ts';
import * as webhooks from './cabinet.webhooks.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });
const SlugIdParams = Type.Object({ slug: Type.String({ maxLength: 100 }), id: Id });

const eventsDescription = `Events to receive: ${organizationEventTypes.join(', ')} (message.received: a citizen wrote to the organization in one of its message threads)`;
// Any string up to 100 characters: an unknown event is refused with a translated 422, not a schema error.
const Events = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, description: eventsDescription });

const EndpointSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  secret: Type.String({ description: 'The signing secret (whsec_…): verify each request with a Standard Webhooks library' }),
  enabled: Type.Boolean(),
  disabledAt: Nullable(DateTime),
  disabledReason: Nullable(Type.Union([Type.Literal('manual'), Type.Literal('failing')])),
  consecutiveFailures: Type.Integer({ description: 'Failed attempts in a row; the platform turns the endpoint off after too many' }),
  createdAt: DateTime,
});

const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  attemptedAt: DateTime,
  statusCode: Nullable(Type.Integer({ description: 'The receiver’s HTTP status; null when it did not answer' })),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  eventType: Type.String(),
  messageId: Type.String({ description: 'The webhook-id header, the same on every attempt' }),
  payload: Type.Object({}, { additionalProperties: true, description: 'The JSON body: type, timestamp and data' }),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(DateTime),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(DateTime),
  failedAt: Nullable(DateTime),
  createdAt: DateTime,
  attemptLog: Type.Optional(Type.Array(AttemptSchema)),
});

function endpointJson(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.event_types,
    secret: endpoint.secret,
    enabled: endpoint.enabled,
    disabledAt: endpoint.disabled_at?.toISOString() ?? null,
    disabledReason: endpoint.disabled_reason,
    consecutiveFailures: endpoint.consecutive_failures,
    createdAt: endpoint.created_at.toISOString(),
  };
}

function deliveryJson(delivery: WebhookDelivery | webhooks.DeliveryLogItem) {
  return {
    id: delivery.id,
    eventType: delivery.event_type,
    messageId: delivery.message_id,
    payload: delivery.payload,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.next_attempt_at?.toISOString() ?? null,
    lastStatusCode: delivery.last_status_code,
    lastError: delivery.last_error,
    deliveredAt: delivery.delivered_at?.toISOString() ?? null,
    failedAt: delivery.failed_at?.toISOString() ?? null,
    createdAt: delivery.created_at.toISOString(),
    ...('attemptLog' in delivery
      ? {
          attemptLog: delivery.attemptLog.map((attempt) => ({
            attempt: attempt.attempt,
            attemptedAt: attempt.attempted_at.toISOString(),
            statusCode: attempt.status_code,
            error: attempt.error,
            durationMs: attempt.duration_ms,
          })),
        }
      : {}),
  };
}

export function webhookApi(ctx: AppContext): AppModule {
  return {
    name: 'cabinet.webhooks.api',
    routes(app: App) {
      app.get(
        '/api/v1/cabinet/:slug/webhooks',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetWebhooks',
            summary: 'The organization’s webhook endpoints, with their secrets (the head)',
            security: bearer,
            params: SlugParams,
            response: { 200: Type.Object({ items: Type.Array(EndpointSchema) }), ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return { items: (await webhooks.listEndpoints(ctx, request.actor, organization)).map(endpointJson) };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/webhooks',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'createCabinetWebhook',
            summary: 'Register a webhook endpoint (the head): an https URL and its events; the answer has its signing secret',
            description:
              'Each event is POSTed as JSON ({type, timestamp, data}) signed per the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature). A 2xx answer within 10 s delivers it; otherwise it is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 20 h.',
            security: bearer,
            params: SlugParams,
            body: Type.Object({ url: Type.String({ maxLength: webhookUrlMaxLength * 2 }), events: Events }, { additionalProperties: false }),
            response: { 201: EndpointSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return reply.status(201).send(endpointJson(await webhooks.createEndpoint(ctx, request.actor, organization, request.body)));
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/webhooks/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'getCabinetWebhook',
            summary: 'One webhook endpoint (the head)',
            security: bearer,
            params: SlugIdParams,
            response: { 200: EndpointSchema, ...errorResponses(401, 403, 404) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return endpointJson(await webhooks.getEndpoint(ctx, request.actor, organization, request.params.id));
        },
      );

      app.patch(
        '/api/v1/cabinet/:slug/webhooks/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'updateCabinetWebhook',
            summary: 'Change a webhook endpoint’s URL or events, or turn it off or on (the head); on again, its failures count from zero',
            security: bearer,
            params: SlugIdParams,
            body: Type.Object(
              {
                url: Type.Optional(Type.String({ maxLength: webhookUrlMaxLength * 2 })),
                events: Type.Optional(Events),
                enabled: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
            response: { 200: EndpointSchema, ...errorResponses(400, 401, 403, 404, 422) },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return endpointJson(await webhooks.updateEndpoint(ctx, request.actor, organization, request.params.id, request.body));
        },
      );

      app.delete(
        '/api/v1/cabinet/:slug/webhooks/:id',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'deleteCabinetWebhook',
            summary: 'Delete a webhook endpoint and its delivery log (the head)',
            security: bearer,
            params: SlugIdParams,
            response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          await webhooks.deleteEndpoint(ctx, request.actor, organization, request.params.id);
          return reply.status(204).send(null);
        },
      );

      app.get(
        '/api/v1/cabinet/:slug/webhooks/:id/deliveries',
        {
          config: { policy: 'cabinet.manage' },
          schema: {
            tags: ['cabinet'],
            operationId: 'listCabinetWebhookDeliveries',
            summary: 'An endpoint’s delivery log, newest first, each delivery with every attempt’s status code (the head)',
            security: bearer,
            params: SlugIdParams,
            querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }),
            response: {
              200: Type.Object({ items: Type.Array(DeliverySchema), total: Type.Integer(), page: Type.Integer(), perPage: Type.Integer() }),
              ...errorResponses(400, 401, 403, 404),
            },
          },
        },
        async (request) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          const log = await webhooks.deliveryLog(ctx, request.actor, organization, request.params.id, request.query.page ?? 1);
          return { items: log.items.map(deliveryJson), total: log.total, page: log.page, perPage: log.perPage };
        },
      );

      app.post(
        '/api/v1/cabinet/:slug/webhooks/:id/test',
        {
          config: { policy: 'cabinet.manage', rateLimit: { max: 20, timeWindow: '1 minute' } },
          schema: {
            tags: ['cabinet'],
            operationId: 'testCabinetWebhook',
            summary: 'Send a webhook.test event to an enabled endpoint (the head); it is delivered and logged like any other',
            security: bearer,
            params: SlugIdParams,
            response: { 202: DeliverySchema, ...errorResponses(401, 403, 404, 409) },
          },
        },
        async (request, reply) => {
          const organization = await members.cabinetOrganization(ctx, request.actor, request.params.slug);
          return reply.status(202).send(deliveryJson(await webhooks.sendTestEvent(ctx, request.actor, organization, request.params.id)));
        },
      );
    },
  };
}
