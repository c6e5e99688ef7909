/**
 * An organization's webhooks (issue 12): its head registers endpoints (an https URL and the events it wants), each
 * with its own signing secret; the platform writes every event for every subscribed endpoint as a delivery in the
 * transaction of what caused it (an outbox, through the ports of the appeals and answers modules), and a pg-boss
 * job posts it, signed per the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64 HMAC-SHA256>`, by the `standardwebhooks` package). A 2xx answer delivers it; any other answer, or none
 * within 10 s, is tried again on the back-off schedule of cabinet.webhooks.rules.ts for up to three days. Every
 * attempt is logged with its status code. An endpoint that fails every attempt of a delivery's schedule, or
 * WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row, is turned off and the organization's heads are told.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type SqlBool, sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Organization, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import type { EmitOrganizationEvent } from '../appeals/appeals.ports.ts';
import { notify } from '../notifications/notifications.service.ts';
import { memberIds } from '../organizations/organizations.members.ts';
import { organizationById } from '../organizations/organizations.service.ts';
import './cabinet.policy.ts';
import {
  checkEventTypes,
  checkWebhookUrl,
  endpointsPerOrganization,
  isDelivered,
  isLoopbackAddress,
  isPublicAddress,
  newMessageId,
  newWebhookSecret,
  nextRetryDelayMs,
  testEventType,
  type WebhookEventType,
} from './cabinet.webhooks.rules.ts';

declare module '../../core/jobs/jobs.ts' {
  interface JobPayloads {
    /** One attempt to post a webhook delivery to its endpoint (sent with the delivery, then once per retry). */
    'cabinet.webhook-deliver': { deliveryId: number };
  }
}

export const deliverJob = 'cabinet.webhook-deliver';
/** How long a receiver has to answer. */
export const deliveryTimeoutMs = 10_000;
/** Deliveries per page of the log. */
export const deliveriesPerPage = 25;

export interface EndpointInput {
  url: string;
  events: readonly string[];
}

async function endpointOf(executor: Executor, organization: Pick<Organization, 'id'>, endpointId: number, lock = false): Promise<WebhookEndpoint> {
  if (!Number.isInteger(endpointId) || endpointId < 1 || endpointId > 2_147_483_647) throw new DomainError('not_found');
  let query = executor.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).where('organization_id', '=', organization.id);
  if (lock) query = query.forUpdate();
  const endpoint = await query.executeTakeFirst();
  if (!endpoint) throw new DomainError('not_found');
  return endpoint;
}

/** The organization's endpoints, oldest first (the head only: they carry their secrets). */
export async function listEndpoints(ctx: AppContext, asker: Actor | null, organization: Organization): Promise<WebhookEndpoint[]> {
  authorize(asker, 'cabinet.manage', organization);
  return ctx.db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organization.id).orderBy('id').execute();
}

export async function getEndpoint(ctx: AppContext, asker: Actor | null, organization: Organization, endpointId: number): Promise<WebhookEndpoint> {
  authorize(asker, 'cabinet.manage', organization);
  return endpointOf(ctx.db, organization, endpointId);
}

/** The head registers an endpoint: its URL and the events it subscribes to; its secret is made here. */
export async function createEndpoint(ctx: AppContext, asker: Actor | null, organization: Organization, input: EndpointInput): Promise<WebhookEndpoint> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const checks = new FieldChecks();
  const url = checkWebhookUrl(checks, input.url, ctx.config.webhookAllowLocal);
  const events = checkEventTypes(checks, input.events);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    // Serializes two creations for one organization, so the limit holds.
    await sql`select pg_advisory_xact_lock(hashtext('cabinet.webhook_endpoints'), ${organization.id})`.execute(trx);
    const count = await trx
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organization.id)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= endpointsPerOrganization) {
      throw new DomainError('validation_failed', {}, [{ field: 'url', rule: 'tooManyWebhooks', params: { limit: endpointsPerOrganization } }]);
    }
    const endpoint = await trx
      .insertInto('webhook_endpoints')
      .values({ organization_id: organization.id, url: url as string, secret: newWebhookSecret(), event_types: events, created_by: actor.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.webhook_create',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { endpointId: endpoint.id, url: endpoint.url, events },
    });
    return endpoint;
  });
}

export interface EndpointChange {
  url?: string;
  events?: readonly string[];
  enabled?: boolean;
}

/**
 * The head changes an endpoint's URL or events, or turns it off or on. Turning it on again starts its count of
 * failures afresh; deliveries given up while it was off are not sent again.
 */
export async function updateEndpoint(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  endpointId: number,
  change: EndpointChange,
): Promise<WebhookEndpoint> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  await endpointOf(ctx.db, organization, endpointId);
  const checks = new FieldChecks();
  const url = change.url === undefined ? undefined : checkWebhookUrl(checks, change.url, ctx.config.webhookAllowLocal);
  const events = change.events === undefined ? undefined : checkEventTypes(checks, change.events);
  checks.throwIfAny();
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const current = await endpointOf(trx, organization, endpointId, true);
    const switching = change.enabled !== undefined && change.enabled !== current.enabled;
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set({
        ...(url ? { url } : {}),
        ...(events ? { event_types: events } : {}),
        ...(switching && change.enabled ? { enabled: true, disabled_at: null, disabled_reason: null, consecutive_failures: 0 } : {}),
        ...(switching && !change.enabled ? { enabled: false, disabled_at: now, disabled_reason: 'manual' as const } : {}),
        updated_at: now,
      })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (switching && !change.enabled) await giveUpPending(trx, current.id, now, 'endpoint disabled');
    await audit(trx, {
      actorId: actor.id,
      action: switching ? (change.enabled ? 'cabinet.webhook_enable' : 'cabinet.webhook_disable') : 'cabinet.webhook_update',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { endpointId: current.id, url: updated.url, events: updated.event_types },
    });
    return updated;
  });
}

/** The head deletes an endpoint, with its delivery log. */
export async function deleteEndpoint(ctx: AppContext, asker: Actor | null, organization: Organization, endpointId: number): Promise<void> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const endpoint = await endpointOf(ctx.db, organization, endpointId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_endpoints').where('id', '=', endpoint.id).execute();
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.webhook_delete',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { endpointId: endpoint.id, url: endpoint.url },
    });
  });
}

export interface DeliveryLogItem extends WebhookDelivery {
  attemptLog: Pick<WebhookDeliveryAttempt, 'attempt' | 'attempted_at' | 'status_code' | 'error' | 'duration_ms'>[];
}

/** One page of an endpoint's deliveries, newest first, each with its attempts. */
export async function deliveryLog(
  ctx: AppContext,
  asker: Actor | null,
  organization: Organization,
  endpointId: number,
  page: number,
): Promise<{ endpoint: WebhookEndpoint; items: DeliveryLogItem[]; total: number; page: number; perPage: number }> {
  const endpoint = await getEndpoint(ctx, asker, organization, endpointId);
  const offset = (Math.max(1, page) - 1) * deliveriesPerPage;
  const [deliveries, counted] = await Promise.all([
    ctx.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', endpoint.id)
      .orderBy('id', 'desc')
      .limit(deliveriesPerPage)
      .offset(offset)
      .execute(),
    ctx.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('endpoint_id', '=', endpoint.id)
      .executeTakeFirstOrThrow(),
  ]);
  const attempts =
    deliveries.length === 0
      ? []
      : await ctx.db
          .selectFrom('webhook_delivery_attempts')
          .select(['delivery_id', 'attempt', 'attempted_at', 'status_code', 'error', 'duration_ms'])
          .where(
            'delivery_id',
            'in',
            deliveries.map((d) => d.id),
          )
          .orderBy('delivery_id')
          .orderBy('attempt')
          .execute();
  const byDelivery = new Map<number, DeliveryLogItem['attemptLog']>();
  for (const { delivery_id: deliveryId, ...attempt } of attempts) {
    const list = byDelivery.get(deliveryId) ?? [];
    list.push(attempt);
    byDelivery.set(deliveryId, list);
  }
  return {
    endpoint,
    items: deliveries.map((delivery) => ({ ...delivery, attemptLog: byDelivery.get(delivery.id) ?? [] })),
    total: Number(counted.n),
    page: Math.max(1, page),
    perPage: deliveriesPerPage,
  };
}

/** Writes one delivery of an event for an endpoint and queues its first attempt, in the caller's transaction. */
async function enqueueDelivery(
  ctx: AppContext,
  trx: Executor,
  endpointId: number,
  type: WebhookEventType | typeof testEventType,
  data: Record<string, unknown>,
): Promise<WebhookDelivery> {
  const now = ctx.now();
  const delivery = await trx
    .insertInto('webhook_deliveries')
    .values({
      endpoint_id: endpointId,
      event_type: type,
      payload: JSON.stringify({ type, timestamp: now.toISOString(), data }),
      message_id: newMessageId(),
      next_attempt_at: now,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.jobs.send(deliverJob, { deliveryId: delivery.id }, trx);
  return delivery;
}

/** «Отправить тестовое событие»: a `webhook.test` delivery to one enabled endpoint, logged and retried like any other. */
export async function sendTestEvent(ctx: AppContext, asker: Actor | null, organization: Organization, endpointId: number): Promise<WebhookDelivery> {
  const actor = authorize(asker, 'cabinet.manage', organization);
  const endpoint = await endpointOf(ctx.db, organization, endpointId);
  if (!endpoint.enabled) throw new DomainError('webhook_disabled');
  return ctx.db.transaction().execute(async (trx) => {
    const delivery = await enqueueDelivery(ctx, trx, endpoint.id, testEventType, {
      organization: { slug: organization.slug, name: organization.name },
      endpointId: endpoint.id,
      message: 'Тестовое событие Democrator / a Democrator test event',
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.webhook_test',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { endpointId: endpoint.id, deliveryId: delivery.id },
    });
    return delivery;
  });
}

/**
 * The port the appeals and answers modules call (src/app.ts plugs it in): the event becomes a delivery for each of
 * the organization's enabled endpoints that subscribed to it, in the caller's transaction.
 */
export const emitOrganizationEvent: EmitOrganizationEvent = async (ctx, trx, event) => {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('organization_id', '=', event.organizationId)
    .where('enabled', '=', true)
    .where(sql<SqlBool>`${event.type} = any(event_types)`)
    .orderBy('id')
    .execute();
  for (const endpoint of endpoints) await enqueueDelivery(ctx, trx, endpoint.id, event.type, event.data);
};

/** Deliveries of an endpoint still waiting for an attempt are given up (it was turned off). */
async function giveUpPending(trx: Executor, endpointId: number, now: Date, reason: string): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: null, failed_at: now, last_error: reason })
    .where('endpoint_id', '=', endpointId)
    .where('delivered_at', 'is', null)
    .where('failed_at', 'is', null)
    .execute();
}

interface AttemptOutcome {
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** Refused before connecting: the endpoint's name led to an address no webhook may reach. */
class NonPublicAddressError extends Error {
  constructor(hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, which is not a public address`);
    this.name = 'NonPublicAddressError';
  }
}

/**
 * The resolver of a delivery's connection: every address the name resolves to must be public (or loopback with
 * WEBHOOK_ALLOW_LOCAL), checked when the connection is made. A URL's host was checked when it was saved, but a name
 * can resolve elsewhere later (DNS rebinding): this check is on the address actually connected to.
 */
export function guardedLookup(allowLocal: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find(({ address }) => !isPublicAddress(address) && !(allowLocal && isLoopbackAddress(address)));
      if (refused) return callback(new NonPublicAddressError(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** One POST with Node's own client, connecting only where `guardedLookup` allows; redirects are not followed. */
function postTo(url: URL, headers: Record<string, string>, body: string, allowLocal: boolean): Promise<number> {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !isPublicAddress(literal) && !(allowLocal && isLoopbackAddress(literal)))
    return Promise.reject(new NonPublicAddressError(url.hostname, literal));
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!send) return Promise.reject(new Error(`${url.protocol} is not a webhook protocol`));
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowLocal),
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      },
      (response) => {
        // The answer's body means nothing here: let it go without reading it.
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Posts the delivery, signed; never throws: a network error, a refused address or a timeout is an outcome like a 500. */
async function post(ctx: AppContext, endpoint: Pick<WebhookEndpoint, 'url' | 'secret'>, delivery: WebhookDelivery): Promise<AttemptOutcome> {
  const body = JSON.stringify(delivery.payload);
  const sentAt = ctx.now();
  const signature = new Webhook(endpoint.secret).sign(delivery.message_id, sentAt, body);
  const started = performance.now();
  try {
    const status = await postTo(
      new URL(endpoint.url),
      {
        'content-type': 'application/json',
        'user-agent': 'Democrator-Webhooks/1.0',
        'webhook-id': delivery.message_id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      ctx.config.webhookAllowLocal,
    );
    return {
      status,
      error: isDelivered(status) ? null : `HTTP ${status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message =
      name === 'TimeoutError' ? `no answer within ${deliveryTimeoutMs / 1000} s` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return { status: null, error: message.slice(0, 1000), durationMs: Math.round(performance.now() - started) };
  }
}

/**
 * One attempt of a delivery (the job). The HTTP call happens outside any transaction; its outcome is recorded in
 * one, with the next attempt queued in it, under the delivery's row lock: a run that finds the attempt already
 * recorded (pg-boss ran the job again after a crash) records nothing.
 */
export async function deliverWebhook(ctx: AppContext, deliveryId: number): Promise<void> {
  const delivery = await ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
  if (!delivery || delivery.delivered_at || delivery.failed_at || !delivery.next_attempt_at) return;
  // A run of an attempt already recorded, whose next attempt is queued for later.
  if (delivery.next_attempt_at.getTime() > ctx.now().getTime() + 1000) return;
  const endpoint = await ctx.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', delivery.endpoint_id).executeTakeFirst();
  if (!endpoint?.enabled) return;
  const outcome = await post(ctx, endpoint, delivery);
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const locked = await trx.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).forUpdate().executeTakeFirst();
    if (!locked || locked.attempts !== delivery.attempts || locked.delivered_at || locked.failed_at) return;
    const attempt = locked.attempts + 1;
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({ delivery_id: deliveryId, attempt, attempted_at: now, status_code: outcome.status, error: outcome.error, duration_ms: outcome.durationMs })
      .execute();
    if (isDelivered(outcome.status)) {
      await trx
        .updateTable('webhook_deliveries')
        .set({ attempts: attempt, delivered_at: now, next_attempt_at: null, last_status_code: outcome.status, last_error: null })
        .where('id', '=', deliveryId)
        .execute();
      await trx
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: 0 })
        .where('id', '=', endpoint.id)
        .where('consecutive_failures', '<>', 0)
        .execute();
      return;
    }
    const counted = await trx
      .updateTable('webhook_endpoints')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', endpoint.id)
      .returning(['consecutive_failures', 'enabled'])
      .executeTakeFirst();
    const delayMs = nextRetryDelayMs(attempt, ctx.config.webhookRetryScale);
    const failing = delayMs === null || (counted?.consecutive_failures ?? 0) >= ctx.config.webhookDisableAfterFailures;
    await trx
      .updateTable('webhook_deliveries')
      .set({
        attempts: attempt,
        last_status_code: outcome.status,
        last_error: outcome.error,
        next_attempt_at: failing || delayMs === null ? null : new Date(now.getTime() + delayMs),
        ...(failing ? { failed_at: now } : {}),
      })
      .where('id', '=', deliveryId)
      .execute();
    if (failing) {
      if (counted?.enabled) await disableFailing(ctx, trx, endpoint, now, counted.consecutive_failures);
      return;
    }
    await ctx.jobs.send(deliverJob, { deliveryId }, trx, { startAfter: new Date(Date.now() + (delayMs as number)) });
  });
}

/** The platform turns off an endpoint that keeps failing, gives up its waiting deliveries and tells the organization's heads. */
async function disableFailing(ctx: AppContext, trx: Executor, endpoint: WebhookEndpoint, now: Date, failures: number): Promise<void> {
  await trx
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_at: now, disabled_reason: 'failing', updated_at: now })
    .where('id', '=', endpoint.id)
    .execute();
  await giveUpPending(trx, endpoint.id, now, 'endpoint disabled after repeated failure');
  await audit(trx, {
    actorId: null,
    action: 'cabinet.webhook_disabled',
    subjectType: 'organization',
    subjectId: endpoint.organization_id,
    details: { endpointId: endpoint.id, url: endpoint.url, failures },
  });
  const organization = await organizationById(trx, endpoint.organization_id);
  const heads = await memberIds(trx, endpoint.organization_id, 'head');
  await notify(
    ctx,
    trx,
    {
      kind: 'cabinet.webhook_disabled',
      problemId: null,
      key: `webhook:${endpoint.id}:${now.getTime()}`,
      data: { organization: organization.name, url: endpoint.url, count: failures, path: `/cabinet/${organization.slug}/webhooks/${endpoint.id}` },
    },
    heads.map((userId) => ({ userId, reason: 'official' as const })),
  );
}
