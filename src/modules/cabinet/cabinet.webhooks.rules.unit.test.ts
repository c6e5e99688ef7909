/** The webhooks' pure rules: the retry schedule stays within three days, which URLs and events are accepted, the secrets' shape. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import {
  checkEventTypes,
  checkWebhookUrl,
  isDelivered,
  isLoopbackAddress,
  isPublicAddress,
  maxAttempts,
  newMessageId,
  newWebhookSecret,
  nextRetryDelayMs,
  retryDelaysSeconds,
} from './cabinet.webhooks.rules.ts';

describe('the retry schedule', () => {
  it('backs off exponentially-ish from 5 s, ten attempts in all, all of them within three days', () => {
    expect(nextRetryDelayMs(1)).toBe(5_000);
    expect(nextRetryDelayMs(2)).toBe(300_000);
    expect(maxAttempts).toBe(10);
    for (let i = 1; i < retryDelaysSeconds.length; i++) expect(retryDelaysSeconds[i]).toBeGreaterThanOrEqual(retryDelaysSeconds[i - 1] as number);
    const total = retryDelaysSeconds.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeLessThanOrEqual(72 * 3600);
    expect(total).toBeGreaterThan(70 * 3600);
    expect(nextRetryDelayMs(maxAttempts)).toBeNull();
    expect(nextRetryDelayMs(maxAttempts - 1)).toBe(72_000_000);
  });

  it('scales every delay (WEBHOOK_RETRY_SCALE)', () => {
    expect(nextRetryDelayMs(1, 0.01)).toBe(50);
    expect(nextRetryDelayMs(2, 0.5)).toBe(150_000);
  });

  it('counts only 2xx as delivered', () => {
    expect([200, 201, 204, 299].map(isDelivered)).toEqual([true, true, true, true]);
    expect([null, 199, 301, 400, 410, 500].map(isDelivered)).toEqual([false, false, false, false, false, false]);
  });
});

describe('an endpoint’s URL', () => {
  const check = (url: string, allowLocal = false) => {
    const checks = new FieldChecks();
    const result = checkWebhookUrl(checks, url, allowLocal);
    return { result, rules: checks.problems.map((p) => p.rule) };
  };

  it('takes https to a public host', () => {
    expect(check(' https://sed.tver.gov.ru/hooks?x=1 ')).toEqual({ result: 'https://sed.tver.gov.ru/hooks?x=1', rules: [] });
  });

  it('refuses what is not an https URL, carries credentials, or points inside the network', () => {
    expect(check('').rules).toEqual(['required']);
    expect(check('не адрес').rules).toEqual(['webhookUrl']);
    expect(check('http://sed.tver.gov.ru/hooks').rules).toEqual(['webhookUrl']);
    expect(check('ftp://sed.tver.gov.ru/').rules).toEqual(['webhookUrl']);
    expect(check('https://user:pass@sed.tver.gov.ru/').rules).toEqual(['webhookUrl']);
    expect(check(`https://sed.tver.gov.ru/${'a'.repeat(2000)}`).rules).toEqual(['tooLong']);
    for (const host of ['localhost', '127.0.0.1', '10.1.2.3', '192.168.0.5', '172.20.0.1', '169.254.169.254', '[::1]', 'intranet']) {
      expect([host, check(`https://${host}/hooks`).rules]).toEqual([host, ['webhookUrlPrivate']]);
    }
  });

  it('takes http or https on the loopback host only when local endpoints are allowed (WEBHOOK_ALLOW_LOCAL)', () => {
    expect(check('http://127.0.0.1:8080/hooks', true)).toEqual({ result: 'http://127.0.0.1:8080/hooks', rules: [] });
    expect(check('http://localhost/hooks', true).rules).toEqual([]);
    expect(check('http://10.0.0.1/hooks', true).rules).toEqual(['webhookUrl']);
    expect(check('http://127.0.0.1:8080/hooks', false).rules).toEqual(['webhookUrl']);
  });
});

describe('an endpoint’s events', () => {
  it('keeps known events once each, in the list’s order; refuses an unknown one or none', () => {
    const checks = new FieldChecks();
    expect(checkEventTypes(checks, ['review.closed', 'appeal.received', 'review.closed'])).toEqual(['appeal.received', 'review.closed']);
    expect(checks.problems).toEqual([]);
    const unknown = new FieldChecks();
    expect(checkEventTypes(unknown, ['appeal.received', 'appeal.deleted'])).toEqual([]);
    expect(unknown.problems.map((p) => p.rule)).toEqual(['webhookEvent']);
    const none = new FieldChecks();
    checkEventTypes(none, []);
    expect(none.problems.map((p) => p.rule)).toEqual(['webhookEventRequired']);
  });
});

describe('secrets and message ids', () => {
  it('makes a whsec_ secret the Standard Webhooks library signs and verifies with, and unique msg_ ids', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(secret);
    const id = newMessageId();
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    const body = '{"type":"webhook.test"}';
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, body);
    expect(signature).toMatch(/^v1,/);
    expect(
      new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature }),
    ).toEqual({ type: 'webhook.test' });
  });
});

describe('public addresses', () => {
  it('knows private, loopback, link-local, shared, reserved and documentation ranges, and IPv4 mapped into IPv6', () => {
    for (const address of ['8.8.8.8', '77.88.8.8', '2a00:1450:4010:c05::8a', '::ffff:8.8.8.8', '::ffff:808:808', '0:0:0:0:0:ffff:808:808'])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '198.51.100.7',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0:0:0:0:0:ffff:a00:1',
      '::ffff:10.0.0.1',
      'fd00::1',
      'fe80::1',
      'ff02::1',
      '2001:db8::1',
      'localhost',
      'example.com',
    ])
      expect(isPublicAddress(address), address).toBe(false);
    expect(isPublicAddress('172.32.0.1')).toBe(true);
    expect(['127.0.0.1', '127.5.5.5', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
  });
});
