/**
 * The webhooks' pure rules: which events exist and which an endpoint may subscribe to, what URL is acceptable,
 * the retry schedule (exponential back-off, 3 days at most), and the secrets' and message ids' shape. No I/O.
 */
import { randomBytes } from 'node:crypto';
import type { FieldChecks } from '../../core/errors.ts';
import { type OrganizationEventType, organizationEventTypes } from '../appeals/appeals.ports.ts';

export { organizationEventTypes };
export type WebhookEventType = OrganizationEventType;

/** `message.received` is reserved (messaging is not built): it may be subscribed to but nothing sends it yet. */
export const reservedEventTypes: readonly WebhookEventType[] = ['message.received'];
/** The event a «send test event» delivers; nobody subscribes to it, every endpoint may receive it. */
export const testEventType = 'webhook.test';

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (organizationEventTypes as readonly string[]).includes(value);
}

export const webhookUrlMaxLength = 2000;
/** Endpoints per organization. */
export const endpointsPerOrganization = 10;

/**
 * The delay before each retry, in seconds: the first attempt goes at once, then after 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 14 h, 20 h and 20 h — ten attempts over 71.6 hours, within the three days a delivery is tried.
 */
export const retryDelaysSeconds: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 72_000];
export const maxAttempts = retryDelaysSeconds.length + 1;

/** After `attempts` failed attempts, how long until the next one (scaled by WEBHOOK_RETRY_SCALE), or null when the schedule is spent. */
export function nextRetryDelayMs(attempts: number, scale = 1): number | null {
  const delay = retryDelaysSeconds[attempts - 1];
  return delay === undefined ? null : Math.round(delay * 1000 * scale);
}

const privateHost =
  /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|\[::1?\]|\[f[cd][0-9a-f:]*\]|\[fe80:[0-9a-f:]*\])$/i;
const loopbackHost = /^(localhost|127\.0\.0\.1|\[::1\])$/i;

/**
 * Checks an endpoint's URL: an absolute https:// URL of a public host, without credentials. With `allowLocal`
 * (WEBHOOK_ALLOW_LOCAL, for development and tests) http:// and https:// to the loopback host are accepted too.
 * Returns the URL as it will be called, or null after adding the problem to `checks`.
 */
export function checkWebhookUrl(checks: FieldChecks, value: string, allowLocal: boolean, field = 'url'): string | null {
  const trimmed = value.trim();
  if (!trimmed) {
    checks.add(field, 'required');
    return null;
  }
  if (trimmed.length > webhookUrlMaxLength) {
    checks.add(field, 'tooLong', { limit: webhookUrlMaxLength });
    return null;
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    checks.add(field, 'webhookUrl');
    return null;
  }
  const local = loopbackHost.test(url.hostname);
  if (url.username || url.password || url.hash) {
    checks.add(field, 'webhookUrl');
    return null;
  }
  if (local && allowLocal && (url.protocol === 'http:' || url.protocol === 'https:')) return url.toString();
  if (url.protocol !== 'https:') {
    checks.add(field, 'webhookUrl');
    return null;
  }
  if (privateHost.test(url.hostname) || !url.hostname.includes('.')) {
    checks.add(field, 'webhookUrlPrivate');
    return null;
  }
  return url.toString();
}

/** The events chosen on a form or in a request: known ones, each once; an unknown one is a problem. */
export function checkEventTypes(checks: FieldChecks, values: readonly string[], field = 'events'): WebhookEventType[] {
  const chosen = new Set<WebhookEventType>();
  for (const value of values) {
    if (isWebhookEventType(value)) chosen.add(value);
    else {
      checks.add(field, 'webhookEvent');
      return [];
    }
  }
  if (chosen.size === 0) checks.add(field, 'webhookEventRequired');
  return organizationEventTypes.filter((type) => chosen.has(type));
}

/** A new signing secret: `whsec_` and 32 random bytes in base64, as the Standard Webhooks libraries read it. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A message id (`webhook-id`): unique per event and endpoint, the same on each retry, so the receiver can drop repeats. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** What a receiver's answer means: 2xx delivered; anything else (or no answer) is tried again. */
export function isDelivered(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}
