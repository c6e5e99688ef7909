/**
 * An organization's webhooks end to end, against a real HTTP receiver on 127.0.0.1: an appeal the platform sends
 * reaches the endpoint signed per Standard Webhooks (checked with the `standardwebhooks` verifier) after the
 * receiver failed twice, with the back-off between the attempts; the appeal's later events reach only the endpoints
 * that subscribed to them; an endpoint that keeps failing is turned off and the heads are told; the head's pages work
 * without JavaScript; bad input and foreign endpoints are refused, translated, with nothing written.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, addMember, apiTokenFor, createOrganization, openAppeal, sessionCookieFor, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { browser, csrfFrom, decode } from '../../../test/support/http.ts';
import type { Organization, User, WebhookEndpoint } from '../../core/db/schema.ts';
import { translator } from '../../core/i18n/i18n.ts';
import { closeEndedReviews, rateAnswer } from '../answers/answers.review.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { markOverdueAppeals } from '../appeals/appeals.overdue.ts';
import { getAppealRow } from '../appeals/appeals.service.ts';
import { publishDraft, saveDraft } from './cabinet.answers.ts';
import { nextRetryDelayMs } from './cabinet.webhooks.rules.ts';
import { createEndpoint, sendTestEvent } from './cabinet.webhooks.ts';

const retryScale = 0.002;
const ru = translator('ru');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver answering each request with the next of `statuses` (the last one from then on). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, server };
}

let t: TestApp;
let organization: Organization;
let foreign: Organization;
let head: User;
let clerk: User;
let headOfForeign: User;
const servers: Server[] = [];

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_LOCAL: 'true', WEBHOOK_RETRY_SCALE: String(retryScale), WEBHOOK_DISABLE_AFTER_FAILURES: '3' });
  organization = await createOrganization(t.ctx, { name: 'Администрация Вебхукового района', slug: 'webhook-district', appealThreshold: 1 });
  foreign = await createOrganization(t.ctx, { name: 'Чужое управление', slug: 'webhook-foreign', appealThreshold: 1 });
  head = await verifiedCitizen(t.ctx, { surname: 'Руководилова', firstName: 'Римма', email: `rimma-${process.pid}@webhooks.example` });
  clerk = await verifiedCitizen(t.ctx, { surname: 'Помощников', firstName: 'Пётр' });
  headOfForeign = await verifiedCitizen(t.ctx, { surname: 'Чужанин', firstName: 'Фома' });
  await addMember(t.ctx, organization, head, 'head', 'глава');
  await addMember(t.ctx, organization, clerk, 'clerk');
  await addMember(t.ctx, foreign, headOfForeign, 'head');
});
afterAll(async () => {
  for (const server of servers) server.close();
  await t?.stop();
});

const headActor = () => actorOf(head, { memberships: new Map([[organization.id, 'head']]) });
const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

async function sentAppeal(title: string, to: Organization = organization) {
  const { appeal } = await openAppeal(t.ctx, { organization: to, title, acknowledgeWarnings: true });
  const { signer } = await sign(t.ctx, appeal.id);
  await dispatchAppeal(t.ctx, appeal.id);
  return { appeal: await getAppealRow(t.ctx, appeal.id), signer };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deliveriesOf = (endpoint: WebhookEndpoint) =>
  t.ctx.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpoint.id).orderBy('id').execute();
const attemptsOf = (deliveryId: number) =>
  t.ctx.db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();

describe('delivery', () => {
  it('delivers «appeal.received» after the receiver failed twice: one webhook-id, a valid signature each time, the back-off between attempts', async () => {
    const target = await receiver([500, 503, 200]);
    const endpoint = await createEndpoint(t.ctx, headActor(), organization, { url: target.url, events: ['appeal.received'] });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { appeal } = await sentAppeal('О ремонте моста на улице Вебхуковой');

    const [delivery] = await deliveriesOf(endpoint);
    expect(delivery).toMatchObject({ event_type: 'appeal.received', attempts: expect.any(Number) });
    const delivered = await until('the delivery', async () => {
      const row = await t.ctx.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', delivery?.id ?? 0)
        .executeTakeFirst();
      return row?.delivered_at ? row : null;
    });
    expect(delivered).toMatchObject({ attempts: 3, last_status_code: 200, last_error: null, next_attempt_at: null, failed_at: null });
    expect(delivered.message_id).toMatch(/^msg_/);

    expect(target.received).toHaveLength(3);
    const verifier = new Webhook(endpoint.secret);
    for (const request of target.received) {
      expect(request.headers['webhook-id']).toBe(delivered.message_id);
      expect(request.headers['content-type']).toBe('application/json');
      expect(String(request.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const payload = verifier.verify(request.body, request.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
      expect(payload.type).toBe('appeal.received');
      expect(payload.data).toMatchObject({
        appealId: appeal.id,
        title: appeal.title,
        signatures: 1,
        cabinetUrl: expect.stringContaining('/cabinet/webhook-district/'),
      });
    }
    // A forged body or another secret does not verify.
    const first = target.received[0] as Received;
    expect(() => verifier.verify(first.body.replace('Вебхуковой', 'Поддельной'), first.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(first.body, first.headers as Record<string, string>)).toThrow();

    const attempts = await attemptsOf(delivered.id);
    expect(attempts.map((a) => a.status_code)).toEqual([500, 503, 200]);
    const [a1, a2, a3] = attempts.map((a) => a.attempted_at.getTime()) as [number, number, number];
    // Each retry waited at least its step of the schedule (5 s, then 5 min, scaled for the test).
    expect(a2 - a1).toBeGreaterThanOrEqual(nextRetryDelayMs(1, retryScale) as number);
    expect(a3 - a2).toBeGreaterThanOrEqual(nextRetryDelayMs(2, retryScale) as number);
    const after = await t.ctx.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ enabled: true, consecutive_failures: 0 });
  }, 60_000);

  it('writes the appeal’s later events for the endpoints that subscribed to them, and none for another organization’s', async () => {
    const quiet = await receiver([200]);
    const all = await createEndpoint(t.ctx, headActor(), organization, {
      url: quiet.url,
      events: ['appeal.overdue', 'answer.rated', 'review.closed', 'message.received'],
    });
    const foreignEndpoint = await createEndpoint(t.ctx, actorOf(headOfForeign, { memberships: new Map([[foreign.id, 'head']]) }), foreign, {
      url: quiet.url,
      events: ['appeal.received', 'appeal.overdue', 'answer.rated', 'review.closed'],
    });
    const { appeal, signer } = await sentAppeal('Об освещении сквера Вебхукового');
    await sql`update appeals set answer_due_at = now() - interval '1 hour' where id = ${appeal.id}`.execute(t.ctx.db);
    expect(await markOverdueAppeals(t.ctx)).toBeGreaterThanOrEqual(1);
    await saveDraft(t.ctx, headActor(), organization, appeal.id, {
      text: 'Сквер осветят в мае.',
      outgoingNumber: '',
      outgoingDate: '',
      files: [],
      removeAttachments: [],
    });
    await publishDraft(t.ctx, headActor(), organization, appeal.id);
    await rateAnswer(t.ctx, actorOf(signer), appeal.id, { score: 4, solved: 'partly', comment: null });
    await sql`update appeals set review_closes_at = now() - interval '1 minute' where id = ${appeal.id}`.execute(t.ctx.db);
    expect(await closeEndedReviews(t.ctx)).toBe(1);

    const events = (await deliveriesOf(all)).filter((d) => (d.payload.data as { appealId?: number }).appealId === appeal.id);
    expect(events.map((d) => d.event_type)).toEqual(['appeal.overdue', 'answer.rated', 'review.closed']);
    expect(events[1]?.payload).toMatchObject({ type: 'answer.rated', data: { appealId: appeal.id, score: 4, solved: 'partly', changed: false } });
    // The rater is not named.
    expect(JSON.stringify(events[1]?.payload)).not.toContain(String(signer.surname));
    expect(events[2]?.payload).toMatchObject({ type: 'review.closed', data: { outcome: 'partly', verdicts: { yes: 0, partly: 1, no: 0 } } });
    expect(await deliveriesOf(foreignEndpoint)).toEqual([]);
    await until('the events delivered', async () => {
      const rows = await deliveriesOf(all);
      return rows.every((row) => row.delivered_at) ? rows : null;
    });
  }, 60_000);

  it('turns off an endpoint that keeps failing, gives up its waiting deliveries and tells the heads (not the clerk) by e-mail', async () => {
    const broken = await receiver([502]);
    const endpoint = await createEndpoint(t.ctx, headActor(), organization, { url: broken.url, events: ['appeal.received'] });
    await sendTestEvent(t.ctx, headActor(), organization, endpoint.id);
    const disabled = await until('the endpoint turned off', async () => {
      const row = await t.ctx.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
      return row.enabled ? null : row;
    });
    expect(disabled).toMatchObject({ disabled_reason: 'failing', consecutive_failures: 3 });
    const [delivery] = await deliveriesOf(endpoint);
    expect(delivery).toMatchObject({ event_type: 'webhook.test', attempts: 3, last_status_code: 502, next_attempt_at: null });
    expect(delivery?.failed_at).not.toBeNull();
    expect((await attemptsOf(delivery?.id ?? 0)).map((a) => a.status_code)).toEqual([502, 502, 502]);
    expect(broken.received).toHaveLength(3);

    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'data'])
      .where('kind', '=', 'cabinet.webhook_disabled')
      .where(sql<boolean>`data->>'url' = ${broken.url}`)
      .execute();
    expect(told.map((n) => n.user_id)).toEqual([head.id]);
    const mail = await until('the heads’ mail', () =>
      t.ctx.db
        .selectFrom('mail_messages')
        .selectAll()
        .where('to_address', '=', head.email)
        .where('subject', '=', 'Вебхук организации отключён')
        .executeTakeFirst(),
    );
    expect(mail.text_body).toContain(broken.url);
    expect(mail.text_body).toContain('3 попытки доставки подряд завершились ошибкой');
    // A test event is refused while it is off; nothing more is sent.
    await expect(sendTestEvent(t.ctx, headActor(), organization, endpoint.id)).rejects.toMatchObject({ code: 'webhook_disabled' });
    expect(await deliveriesOf(endpoint)).toHaveLength(1);
  }, 60_000);
});

describe('the head’s pages, without JavaScript', () => {
  it('adds an endpoint, shows its secret, sends a test event, turns it off and deletes it behind a confirmation', async () => {
    const me = browser(t.app, await sessionCookieFor(t.ctx, head));
    const target = await receiver([200]);
    const list = await me.get(`/cabinet/${organization.slug}/webhooks`);
    expect(list.status).toBe(200);
    expect(list.body).toContain(`href="/cabinet/${organization.slug}/webhooks"`);
    const csrf = csrfFrom(list.body);
    const before = await t.ctx.db.selectFrom('webhook_endpoints').select('id').execute();

    const notUrl = await me.post(`/cabinet/${organization.slug}/webhooks`, { url: 'не адрес', events: ['appeal.received'] }, csrf);
    expect(notUrl.status).toBe(422);
    expect(textOf(notUrl.body)).toContain(ru('validation.webhookUrl'));
    const unknown = await me.post(`/cabinet/${organization.slug}/webhooks`, { url: 'https://sed.example.ru/hooks', events: ['appeal.deleted'] }, csrf);
    expect(unknown.status).toBe(422);
    expect(textOf(unknown.body)).toContain(ru('validation.webhookEvent'));
    const none = await me.post(`/cabinet/${organization.slug}/webhooks`, { url: 'https://sed.example.ru/hooks' }, csrf);
    expect(none.status).toBe(422);
    expect(textOf(none.body)).toContain(ru('validation.webhookEventRequired'));
    const internal = await me.post(`/cabinet/${organization.slug}/webhooks`, { url: 'https://192.168.1.10/hooks', events: ['appeal.received'] }, csrf);
    expect(internal.status).toBe(422);
    expect(textOf(internal.body)).toContain(ru('validation.webhookUrlPrivate'));
    expect(await t.ctx.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual(before);

    const created = await me.post(`/cabinet/${organization.slug}/webhooks`, { url: target.url, events: ['appeal.received', 'review.closed'] }, csrf);
    expect(created.status).toBe(303);
    const endpointPath = created.location as string;
    expect(endpointPath).toMatch(new RegExp(`^/cabinet/${organization.slug}/webhooks/\\d+$`));
    const endpoint = await t.ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', Number(endpointPath.split('/').pop()))
      .executeTakeFirstOrThrow();
    expect(endpoint.event_types).toEqual(['appeal.received', 'review.closed']);
    const page = await me.get(endpointPath);
    expect(page.status).toBe(200);
    expect(page.body).toContain(endpoint.secret);
    expect(textOf(page.body)).toContain(ru('cabinet.webhooks.sendTest'));

    const test = await me.post(`${endpointPath}/test`, {}, csrfFrom(page.body));
    expect(test.status).toBe(303);
    await until('the test event delivered', async () => {
      const rows = await deliveriesOf(endpoint);
      return rows[0]?.delivered_at ? rows : null;
    });
    const log = await me.get(endpointPath);
    expect(textOf(log.body)).toContain('webhook.test');
    expect(textOf(log.body)).toContain(ru('cabinet.webhooks.statusCode', { code: 200 }));

    const off = await me.post(`${endpointPath}/enabled`, { enabled: 'no' }, csrfFrom(log.body));
    expect(off.status).toBe(303);
    const offPage = await me.get(endpointPath);
    expect(textOf(offPage.body)).toContain(ru('cabinet.webhooks.turnOn'));
    const refusedTest = await me.post(`${endpointPath}/test`, {}, csrfFrom(offPage.body));
    expect(refusedTest.status).toBe(409);
    expect(textOf(refusedTest.body)).toContain(ru('errors.webhook_disabled'));

    const confirm = await me.get(`${endpointPath}/delete`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.body)).toContain(ru('cabinet.webhooks.deleteConfirmTitle', { url: endpoint.url }));
    const deleted = await me.post(`${endpointPath}/delete`, {}, csrfFrom(confirm.body));
    expect(deleted).toMatchObject({ status: 303, location: `/cabinet/${organization.slug}/webhooks` });
    expect(await t.ctx.db.selectFrom('webhook_endpoints').select('id').where('id', '=', endpoint.id).execute()).toEqual([]);
  }, 60_000);

  it('is the head’s alone: the clerk has no link and is refused; another organization’s head and endpoint are not found here', async () => {
    const clerkBrowser = browser(t.app, await sessionCookieFor(t.ctx, clerk));
    const inbox = await clerkBrowser.get(`/cabinet/${organization.slug}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body).not.toContain(`href="/cabinet/${organization.slug}/webhooks"`);
    const refused = await clerkBrowser.get(`/cabinet/${organization.slug}/webhooks`);
    expect(refused.status).toBe(403);
    expect(textOf(refused.body)).toContain(ru('errors.not_head'));

    const foreignHead = browser(t.app, await sessionCookieFor(t.ctx, headOfForeign));
    expect((await foreignHead.get(`/cabinet/${organization.slug}/webhooks`)).status).toBe(403);
    const [theirs] = await t.ctx.db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', foreign.id).execute();
    const me = browser(t.app, await sessionCookieFor(t.ctx, head));
    const notHere = await me.get(`/cabinet/${organization.slug}/webhooks/${theirs?.id}`);
    expect(notHere.status).toBe(404);
    expect(textOf(notHere.body)).toContain(ru('errors.not_found'));
  });
});

describe('the API', () => {
  it('creates, lists, changes, tests, logs and deletes an endpoint; refuses bad input and foreign endpoints with nothing written', async () => {
    const token = await apiTokenFor(t.ctx, head, 'webhooks');
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
      const response = await t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
      return { status: response.statusCode, json: response.body ? (response.json() as Record<string, unknown>) : null };
    };
    const base = `/api/v1/cabinet/${organization.slug}/webhooks`;
    const target = await receiver([200]);
    const count = async () => (await t.ctx.db.selectFrom('webhook_endpoints').select('id').execute()).length;
    const before = await count();

    const bad = await call('POST', base, { url: 'ftp://sed.example.ru', events: ['appeal.received'] });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ error: { code: 'validation_failed', fields: [{ field: 'url', rule: 'webhookUrl' }] } });
    const unknown = await call('POST', base, { url: 'https://sed.example.ru/hooks', events: ['appeal.received', 'appeal.deleted'] });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toMatchObject({ error: { fields: [{ field: 'events', rule: 'webhookEvent' }] } });
    expect(await count()).toBe(before);

    const created = await call('POST', base, { url: target.url, events: ['answer.rated'] });
    expect(created.status).toBe(201);
    const id = created.json?.id as number;
    expect(created.json).toMatchObject({ url: target.url, events: ['answer.rated'], enabled: true, secret: expect.stringMatching(/^whsec_/) });
    expect(((await call('GET', base)).json?.items as { id: number }[] | undefined)?.map((item) => item.id)).toContain(id);
    expect((await call('PATCH', `${base}/${id}`, { events: ['review.closed', 'answer.rated'] })).json).toMatchObject({
      events: ['answer.rated', 'review.closed'],
    });
    const tested = await call('POST', `${base}/${id}/test`);
    expect(tested.status).toBe(202);
    expect(tested.json).toMatchObject({ eventType: 'webhook.test', messageId: expect.stringMatching(/^msg_/) });
    await until('the test delivered', async () => {
      const log = await call('GET', `${base}/${id}/deliveries`);
      const [item] = (log.json?.items ?? []) as { deliveredAt: string | null; attemptLog: { statusCode: number }[] }[];
      return item?.deliveredAt ? item : null;
    }).then((item) => expect(item.attemptLog.map((a) => a.statusCode)).toEqual([200]));
    expect((await call('PATCH', `${base}/${id}`, { enabled: false })).json).toMatchObject({ enabled: false, disabledReason: 'manual' });
    expect((await call('POST', `${base}/${id}/test`)).json).toMatchObject({ error: { code: 'webhook_disabled' } });

    const [theirs] = await t.ctx.db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', foreign.id).execute();
    for (const [method, url] of [
      ['GET', `${base}/${theirs?.id}`],
      ['PATCH', `${base}/${theirs?.id}`],
      ['DELETE', `${base}/${theirs?.id}`],
      ['GET', `${base}/${theirs?.id}/deliveries`],
      ['POST', `${base}/${theirs?.id}/test`],
    ] as const) {
      const answer = await call(method, url, method === 'PATCH' ? { enabled: false } : undefined);
      expect([method, url, answer.status]).toEqual([method, url, 404]);
    }
    expect(
      (
        await t.ctx.db
          .selectFrom('webhook_endpoints')
          .select('enabled')
          .where('id', '=', theirs?.id ?? 0)
          .executeTakeFirst()
      )?.enabled,
    ).toBe(true);
    const clerkToken = await apiTokenFor(t.ctx, clerk, 'webhooks-clerk');
    const asClerk = await t.app.inject({ method: 'GET', url: base, headers: { authorization: `Bearer ${clerkToken}` } });
    expect(asClerk.statusCode).toBe(403);
    expect(asClerk.json()).toMatchObject({ error: { code: 'not_head' } });

    expect((await call('DELETE', `${base}/${id}`)).status).toBe(204);
    expect((await call('GET', `${base}/${id}`)).status).toBe(404);
  }, 60_000);
});
