/**
 * Webhooks never reach a non-public address, whatever the endpoint's URL said when it was saved: the address is
 * checked when the delivery connects (a name that resolves to a private address later — DNS rebinding — or a URL
 * written past the form's check). Against a real receiver on 127.0.0.1 that must receive nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, addMember, createOrganization, verifiedCitizen } from '../../../test/support/factories.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { newWebhookSecret } from './cabinet.webhooks.rules.ts';
import { deliverWebhook, guardedLookup, sendTestEvent } from './cabinet.webhooks.ts';

let t: TestApp;
let organization: Organization;
let head: User;
let server: Server;
let port = 0;
let received = 0;

beforeAll(async () => {
  // As in production: no WEBHOOK_ALLOW_LOCAL.
  t = await createTestApp();
  organization = await createOrganization(t.ctx, { name: 'Управление внутренних адресов', slug: 'webhook-ssrf' });
  head = await verifiedCitizen(t.ctx);
  await addMember(t.ctx, organization, head, 'head', 'глава');
  server = createServer((_request, response) => {
    received += 1;
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.close();
  await t?.stop();
});

describe('webhook deliveries and non-public addresses', () => {
  it('refuses, when connecting, a name that resolves to a loopback address and addresses written as IP literals', async () => {
    const head_ = actorOf(head, { memberships: new Map([[organization.id, 'head']]) });
    for (const url of [
      `http://localhost:${port}/hooks`,
      `http://127.0.0.1:${port}/hooks`,
      `http://[::ffff:127.0.0.1]:${port}/hooks`,
      `https://169.254.169.254/latest`,
    ]) {
      // Written past the form's check, as a rebinding name would pass it.
      const endpoint = await t.ctx.db
        .insertInto('webhook_endpoints')
        .values({ organization_id: organization.id, url, secret: newWebhookSecret(), event_types: ['appeal.received'], created_by: head.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      const delivery = await sendTestEvent(t.ctx, head_, organization, endpoint.id);
      await deliverWebhook(t.ctx, delivery.id);
      const attempts = await t.ctx.db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', '=', delivery.id).execute();
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ status_code: null, error: expect.stringContaining('not a public address') });
    }
    expect(received).toBe(0);
  });

  it('resolves with every address checked, and lets loopback through only when allowed', async () => {
    const resolve = (allowLocal: boolean, all: boolean) =>
      new Promise<unknown>((done) =>
        guardedLookup(allowLocal)('localhost', { all, family: 0 }, (error, address) => done(error ? (error as Error).name : address)),
      );
    expect(await resolve(false, false)).toBe('NonPublicAddressError');
    expect(await resolve(false, true)).toBe('NonPublicAddressError');
    expect(String(await resolve(true, false))).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await resolve(true, true)).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]));
  });
});
