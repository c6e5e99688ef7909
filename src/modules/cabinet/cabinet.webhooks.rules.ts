/**
 * The webhooks' pure rules: which events exist and which an endpoint may subscribe to, what URL is acceptable,
 * the retry schedule (exponential back-off, 3 days at most), and the secrets' and message ids' shape. No I/O.
 */
import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FieldChecks } from '../../core/errors.ts';
import { type OrganizationEventType, organizationEventTypes } from '../appeals/appeals.ports.ts';

export { organizationEventTypes };
export type WebhookEventType = OrganizationEventType;

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

/**
 * Addresses no webhook may reach, whatever name leads there: private, loopback, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, reserved and documentation ranges (IANA special-purpose registries).
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv6');

/**
 * Whether a webhook may be delivered to this IP address. An IPv4-mapped IPv6 address (`::ffff:…`, dotted or in hex)
 * is judged by its IPv4 address (BlockList itself checks IPv4 addresses against IPv6 rules as mapped ones, so no
 * `::ffff:0:0/96` rule may be listed: it would refuse every IPv4 address).
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(.+)$/i.exec(address)?.[1];
    if (mapped !== undefined) {
      if (isIP(mapped) === 4) return isPublicAddress(mapped);
      const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(mapped);
      if (!hex) return false;
      const [high, low] = [Number.parseInt(hex[1] as string, 16), Number.parseInt(hex[2] as string, 16)];
      return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
  }
  return !nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The loopback addresses a delivery may reach with WEBHOOK_ALLOW_LOCAL (development and tests). */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address) || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(address);
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
