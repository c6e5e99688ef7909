/**
 * The cabinet's messages to citizens, end to end: an official writes to an appeal's author from the cabinet's page,
 * the author is mailed with the thread's signed reply address and no page or API answer of the cabinet shows the
 * author's e-mail, surname or address; the author answers on the site and by replying to the e-mail (the quote cut
 * off, a reply from another address kept unmatched); the officials are told and the organization's
 * `message.received` webhook delivery is queued; an official of another organization, another citizen and staff get
 * 403/404 on the thread's pages and API; a removed official loses it at once. And the message to all signers: each
 * signer is mailed with an address of their own, and one who answers gets a private thread no other signer sees.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  addMember,
  apiTokenFor,
  createOrganization,
  createUser,
  openAppeal,
  sessionCookieFor,
  sign,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { removeMemberRow } from '../organizations/organizations.members.ts';
import { broadcastReplyAddress, citizenMessagesPerHour, messageMaxLength, threadReplyAddress } from './cabinet.threads.rules.ts';
import { replyAsCitizen, replyAsOrganization, writeToCitizen } from './cabinet.threads.ts';
import { createToken } from './cabinet.tokens.ts';
import { createEndpoint } from './cabinet.webhooks.ts';

const domain = 'reply.democrator.test';
const inboundSecret = 'inbound-webhook-secret-0123';
let t: TestApp;
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  t = await createTestApp({ INBOUND_MAIL_DOMAIN: domain, INBOUND_MAIL_SECRET: inboundSecret, WEBHOOK_ALLOW_LOCAL: 'true' });
  receiver = createServer((_request, response) => response.writeHead(204).end());
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await t?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

interface World {
  a: Organization;
  b: Organization;
  headA: User;
  clerkA: User;
  headB: User;
  author: User;
  signer: User;
  stranger: User;
  appealId: number;
}

async function world(): Promise<World> {
  const author = await verifiedCitizen(t.ctx, { firstName: 'Алла', surname: 'Перепискина' });
  const fixture = await openAppeal(t.ctx, { author, threshold: 1, acknowledgeWarnings: true, title: 'О ремонте моста на улице Переписочной' });
  const { signer } = await sign(t.ctx, fixture.appeal.id, await verifiedCitizen(t.ctx, { firstName: 'Борис', surname: 'Подписантов' }));
  expect(await dispatchAppeal(t.ctx, fixture.appeal.id)).toBe('sent');
  const a = fixture.organization;
  const b = await createOrganization(t.ctx);
  const [headA, clerkA, headB, stranger] = await Promise.all([verifiedCitizen(t.ctx), verifiedCitizen(t.ctx), verifiedCitizen(t.ctx), verifiedCitizen(t.ctx)]);
  await addMember(t.ctx, a, headA as User, 'head', 'глава');
  await addMember(t.ctx, a, clerkA as User, 'clerk');
  await addMember(t.ctx, b, headB as User, 'head');
  return { a, b, headA: headA as User, clerkA: clerkA as User, headB: headB as User, author, signer, stranger: stranger as User, appealId: fixture.appeal.id };
}

async function signedIn(user: User) {
  return browser(t.app, await sessionCookieFor(t.ctx, user));
}

async function postForm(user: User, pagePath: string, action: string, fields: Record<string, string>) {
  const session = await signedIn(user);
  const page = await session.get(pagePath);
  expect(page.status).toBe(200);
  return session.post(action, fields, csrfFrom(page.body));
}

const api = async (user: User, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` }, ...(payload ? { payload } : {}) });

function rawMail(input: { from: string; to: string; subject: string; text: string; messageId: string }): Buffer {
  return Buffer.from(
    [
      `From: ${input.from}`,
      `To: ${input.to}`,
      `Subject: ${input.subject}`,
      `Message-ID: <${input.messageId}@mail.example.test>`,
      'Date: Mon, 07 Dec 2026 12:00:00 +0300',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      input.text,
    ].join('\r\n'),
  );
}

const mailIn = (raw: Buffer) =>
  t.app.inject({ method: 'POST', url: '/api/v1/inbound-mail', headers: { 'content-type': 'message/rfc822', 'x-inbound-secret': inboundSecret }, payload: raw });

const messagesOf = (threadId: number) => t.ctx.db.selectFrom('thread_messages').selectAll().where('thread_id', '=', threadId).orderBy('id').execute();

describe('a thread between an organization and an appeal’s author', () => {
  it('mails the author with a reply address, hides the author’s data from the cabinet, files answers from the site and from mail, tells the officials and queues the webhook', async () => {
    const w = await world();
    const endpoint = await createEndpoint(t.ctx, actorOf(w.headA, { memberships: new Map([[w.a.id, 'head']]) }), w.a, {
      url: receiverUrl,
      events: ['message.received'],
    });

    // The clerk writes from the appeal's page of messages in the cabinet (no JavaScript: a plain form).
    const appealPage = await (await signedIn(w.clerkA)).get(`/cabinet/${w.a.slug}/appeals/${w.appealId}`);
    expect(appealPage.body).toContain(`/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`);
    const written = await postForm(w.clerkA, `/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`, `/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`, {
      body: 'Уточните, пожалуйста, **номер дома**, у которого мост.',
    });
    expect(written.status).toBe(303);
    const threadId = Number(/\/messages\/(\d+)/.exec(written.location as string)?.[1]);
    expect(threadId).toBeGreaterThan(0);

    // The author's mail: the text, the link, and the thread's own signed reply address.
    const mail = await t.ctx.db
      .selectFrom('mail_messages')
      .select(['headers', 'text_body', 'subject'])
      .where('to_address', '=', w.author.email)
      .where('text_body', 'like', '%номер дома%')
      .executeTakeFirstOrThrow();
    const replyTo = threadReplyAddress(threadId, t.ctx.config.secret, domain);
    expect(mail.headers).toMatchObject({ 'Reply-To': replyTo });
    expect(mail.text_body).toContain(`/messages/${threadId}`);
    expect(mail.subject).toContain(w.a.name);

    // The cabinet's pages and API name the author «Алла П.», never the e-mail, the surname or an address.
    const cabinetPages = await Promise.all(
      [`/cabinet/${w.a.slug}/messages`, `/cabinet/${w.a.slug}/messages/${threadId}`, `/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`].map(async (path) =>
        (await signedIn(w.headA)).get(path),
      ),
    );
    const cabinetApi = await Promise.all(
      [`/api/v1/cabinet/${w.a.slug}/messages`, `/api/v1/cabinet/${w.a.slug}/messages/${threadId}`].map((url) => api(w.headA, 'GET', url)),
    );
    for (const answer of [
      ...cabinetPages.map((page) => ({ status: page.status, body: page.body })),
      ...cabinetApi.map((r) => ({ status: r.statusCode, body: r.body })),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('Алла П.');
      expect(answer.body).not.toContain(w.author.email);
      expect(answer.body).not.toContain('Перепискина');
      expect(answer.body).not.toContain('Оленино');
      expect(answer.body).not.toContain(w.signer.email);
    }

    // The author reads it (their list, the thread) and answers on the site.
    const authorSession = await signedIn(w.author);
    const list = await authorSession.get('/messages');
    expect(list.body).toContain('О ремонте моста на улице Переписочной');
    const threadPage = await authorSession.get(`/messages/${threadId}`);
    expect(threadPage.body).toContain('<strong>номер дома</strong>');
    const answered = await authorSession.post(`/messages/${threadId}`, { body: 'Дом 12, у самого моста.' }, csrfFrom(threadPage.body));
    expect(answered.status).toBe(303);

    // Both officials of A are told, with the reason «служебный кабинет»; the webhook delivery is queued with the event.
    const told = await t.ctx.db
      .selectFrom('notifications')
      .select(['user_id', 'reason'])
      .where('kind', '=', 'cabinet.message_received')
      .where(sql<boolean>`data @> ${JSON.stringify({ path: `/cabinet/${w.a.slug}/messages/${threadId}` })}::jsonb`)
      .orderBy('user_id')
      .execute();
    expect(told).toEqual([w.headA.id, w.clerkA.id].sort((x, y) => x - y).map((userId) => ({ user_id: userId, reason: 'official' })));
    const officialMail = await t.ctx.db
      .selectFrom('mail_messages')
      .select('text_body')
      .where('to_address', '=', w.headA.email)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(officialMail.text_body).toContain('служебном кабинете');
    const deliveries = await t.ctx.db.selectFrom('webhook_deliveries').select(['event_type', 'payload']).where('endpoint_id', '=', endpoint.id).execute();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.event_type).toBe('message.received');
    expect(JSON.stringify(deliveries[0]?.payload)).toContain(`"threadId":${threadId}`);
    expect(JSON.stringify(deliveries[0]?.payload)).not.toContain(w.author.email);

    // The author replies to the e-mail: the text above the quote is filed, the quote is not.
    const replied = await mailIn(
      rawMail({
        from: `Алла <${w.author.email.toUpperCase()}>`,
        to: replyTo,
        subject: 'Re: сообщение',
        messageId: `reply-${threadId}`,
        text: 'И ещё: там нет освещения.\n\nПн, 7 дек. 2026 г. в 12:00, Democrator <robot@democrator.test>:\n> Уточните, пожалуйста, **номер дома**',
      }),
    );
    expect(replied.statusCode).toBe(202);
    const byMail = await waitFor(async () => (await messagesOf(threadId)).find((message) => message.channel === 'email'), 20_000, {
      what: 'the e-mailed reply',
    });
    expect(byMail.body).toBe('И ещё: там нет освещения.');
    // The same message delivered again is filed once.
    await mailIn(rawMail({ from: w.author.email, to: replyTo, subject: 'Re: сообщение', messageId: `reply-${threadId}`, text: 'И ещё: там нет освещения.' }));
    // Someone else mailing the thread's address adds nothing: kept as unmatched for the administrators.
    await mailIn(rawMail({ from: 'someone@else.test', to: replyTo, subject: 'Re: сообщение', messageId: `forged-${threadId}`, text: 'Чужой ответ' }));
    const kept = await waitFor(
      async () => {
        const rows = await t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason', 'message_id'])
          .where('message_id', 'in', [`<reply-${threadId}@mail.example.test>`, `<forged-${threadId}@mail.example.test>`])
          .orderBy('id')
          .execute();
        return rows.length === 3 && rows.every((row) => row.status !== 'received') ? rows : undefined;
      },
      20_000,
      { what: 'the three inbound messages processed' },
    );
    expect(kept.map((row) => [row.status, row.reason])).toEqual([
      ['matched', 'message thread'],
      ['duplicate', expect.stringContaining('duplicate of message')],
      ['unmatched', 'not_from_participant'],
    ]);
    const final = await messagesOf(threadId);
    expect(final.map((message) => [message.side, message.channel])).toEqual([
      ['organization', 'site'],
      ['citizen', 'site'],
      ['citizen', 'email'],
    ]);
    expect(final.map((message) => message.body).join('\n')).not.toContain('Чужой ответ');
    expect(await t.ctx.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpoint.id).execute()).toHaveLength(2);

    // The head answers through the API with an organization token; the audit log names both officials' acts.
    const token = await createToken(t.ctx, actorOf(w.headA, { memberships: new Map([[w.a.id, 'head']]) }), w.a, { name: 'СЭД', scopes: ['read', 'write'] });
    const viaToken = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cabinet/${w.a.slug}/messages/${threadId}`,
      headers: { authorization: `Bearer ${token.token}` },
      payload: { body: 'Спасибо, передали в дорожную службу.' },
    });
    expect(viaToken.statusCode).toBe(201);
    expect(viaToken.json().message).toMatchObject({ side: 'organization', channel: 'api' });
    const audited = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action'])
      .where('subject_type', '=', 'message_thread')
      .where('subject_id', '=', String(threadId))
      .orderBy('id')
      .execute();
    expect(audited).toEqual([
      { actor_id: w.clerkA.id, action: 'cabinet.message_sent' },
      { actor_id: w.headA.id, action: 'cabinet.message_sent' },
    ]);
    // The citizen's API reads the thread; the organization's token is no citizen's.
    const mine = await api(w.author, 'GET', `/api/v1/messages/${threadId}`);
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items).toHaveLength(4);
    const tokenAsCitizen = await t.app.inject({ method: 'GET', url: `/api/v1/messages/${threadId}`, headers: { authorization: `Bearer ${token.token}` } });
    expect(tokenAsCitizen.statusCode).toBe(403);

    // Nobody else reads or writes it: an official of B (403 in A's cabinet, 404 in B's), another citizen, staff (404).
    const headB = await signedIn(w.headB);
    expect((await headB.get(`/cabinet/${w.a.slug}/messages/${threadId}`)).status).toBe(403);
    expect((await headB.get(`/cabinet/${w.b.slug}/messages/${threadId}`)).status).toBe(404);
    expect((await api(w.headB, 'GET', `/api/v1/cabinet/${w.a.slug}/messages/${threadId}`)).statusCode).toBe(403);
    expect((await api(w.headB, 'GET', `/api/v1/cabinet/${w.b.slug}/messages/${threadId}`)).statusCode).toBe(404);
    expect((await api(w.headB, 'POST', `/api/v1/cabinet/${w.b.slug}/messages/${threadId}`, { body: 'Чужая организация' })).statusCode).toBe(404);
    expect((await api(w.headB, 'GET', `/api/v1/messages/${threadId}`)).statusCode).toBe(404);
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    const admin = await createUser(t.ctx, { role: 'admin' });
    for (const outsider of [w.stranger, w.signer, moderator, admin]) {
      expect((await (await signedIn(outsider)).get(`/messages/${threadId}`)).status).toBe(404);
      expect((await api(outsider, 'GET', `/api/v1/messages/${threadId}`)).statusCode).toBe(404);
      expect((await api(outsider, 'POST', `/api/v1/messages/${threadId}`, { body: 'Не мой разговор' })).statusCode).toBe(404);
      expect((await (await signedIn(outsider)).get(`/cabinet/${w.a.slug}/messages/${threadId}`)).status).toBe(403);
    }
    expect((await messagesOf(threadId)).map((message) => message.body).join('\n')).not.toMatch(/Чужая организация|Не мой разговор/);

    // The author's data export carries the conversation, both sides, as written; another citizen's carries none of it.
    const exported = (await api(w.author, 'GET', '/api/v1/me/export')).json() as {
      messages: { threadId: number; organization: string; messages: { from: string; body: string }[] }[];
    };
    const conversation = exported.messages.find((entry) => entry.threadId === threadId);
    expect(conversation?.organization).toBe(w.a.name);
    expect(conversation?.messages.map((message) => message.from)).toEqual((await messagesOf(threadId)).map((message) => message.side));
    expect(conversation?.messages.map((message) => message.body)).toEqual((await messagesOf(threadId)).map((message) => message.body));
    expect(((await api(w.stranger, 'GET', '/api/v1/me/export')).json() as { messages: unknown[] }).messages).toEqual([]);

    // A removed official loses the thread at once.
    await t.ctx.db.transaction().execute((trx) => removeMemberRow(trx, w.a.id, w.clerkA.id));
    expect((await (await signedIn(w.clerkA)).get(`/cabinet/${w.a.slug}/messages/${threadId}`)).status).toBe(403);
    expect((await api(w.clerkA, 'GET', `/api/v1/cabinet/${w.a.slug}/messages`)).statusCode).toBe(403);
  });

  it('refuses an empty or too long message with a translated error and writes nothing', async () => {
    const w = await world();
    const path = `/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`;
    const tooLong = await postForm(w.headA, path, path, { body: 'я'.repeat(messageMaxLength + 1) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toContain(String(messageMaxLength));
    const empty = await api(w.headA, 'POST', `/api/v1/cabinet/${w.a.slug}/appeals/${w.appealId}/messages`, { body: '   ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.code).toBe('validation_failed');
    expect(await t.ctx.db.selectFrom('message_threads').select('id').where('organization_id', '=', w.a.id).execute()).toEqual([]);
    // B's head cannot write about A's appeal, even in B's own cabinet.
    expect((await api(w.headB, 'POST', `/api/v1/cabinet/${w.b.slug}/appeals/${w.appealId}/messages`, { body: 'Вопрос' })).statusCode).toBe(404);
    // A problem not held «на контроль»: refused with its own code.
    const appeal = await t.ctx.db.selectFrom('appeals').select('problem_id').where('id', '=', w.appealId).executeTakeFirstOrThrow();
    const notControlled = await api(w.headA, 'POST', `/api/v1/cabinet/${w.a.slug}/problems/${appeal.problem_id}/messages`, { body: 'Вопрос' });
    expect(notControlled.statusCode).toBe(409);
    expect(notControlled.json().error.code).toBe('message_not_controlled');
  });
});

describe('the per-person limits', () => {
  it('refuses a citizen’s message past 20 an hour with 429 and the wait, and keeps such an e-mailed reply unmatched', async () => {
    const w = await world();
    const head = actorOf(w.headA, { memberships: new Map([[w.a.id, 'head']]) });
    const { thread } = await writeToCitizen(t.ctx, head, w.a, { appealId: w.appealId }, { body: 'Есть вопрос.', channel: 'site' });
    for (let i = 0; i < citizenMessagesPerHour; i += 1)
      await replyAsCitizen(t.ctx, actorOf(w.author), thread.id, { body: `Ответ № ${i + 1}`, channel: 'site' });
    const refused = await api(w.author, 'POST', `/api/v1/messages/${thread.id}`, { body: 'Ещё один ответ' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    await mailIn(
      rawMail({
        from: w.author.email,
        to: threadReplyAddress(thread.id, t.ctx.config.secret, domain),
        subject: 'Re',
        messageId: `limit-${thread.id}`,
        text: 'Ответ почтой',
      }),
    );
    const kept = await waitFor(
      () =>
        t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason'])
          .where('message_id', '=', `<limit-${thread.id}@mail.example.test>`)
          .where('status', '<>', 'received')
          .executeTakeFirst(),
      20_000,
      { what: 'the e-mailed reply processed' },
    );
    expect(kept).toEqual({ status: 'unmatched', reason: 'rate_limited' });
    // A blocked account's mail is not filed either.
    await sql`update users set blocked_at = now(), blocked_reason = 'Спам' where id = ${w.author.id}`.execute(t.ctx.db);
    await mailIn(
      rawMail({
        from: w.author.email,
        to: threadReplyAddress(thread.id, t.ctx.config.secret, domain),
        subject: 'Re',
        messageId: `blocked-${thread.id}`,
        text: 'Ответ почтой',
      }),
    );
    const blocked = await waitFor(
      () =>
        t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason'])
          .where('message_id', '=', `<blocked-${thread.id}@mail.example.test>`)
          .where('status', '<>', 'received')
          .executeTakeFirst(),
      20_000,
      { what: 'the blocked account’s reply processed' },
    );
    expect(blocked).toEqual({ status: 'unmatched', reason: 'account_blocked' });
    expect(await messagesOf(thread.id)).toHaveLength(1 + citizenMessagesPerHour);
    // The official is not limited by the citizen's count.
    expect((await replyAsOrganization(t.ctx, head, w.a, thread.id, { body: 'Спасибо, достаточно.', channel: 'site' })).message.side).toBe('organization');
  });
});

describe('a message to all the signers of an appeal', () => {
  it('mails each signer with an address of their own; a signer’s answer opens a private thread the others never see', async () => {
    const w = await world();
    const sent = await api(w.headA, 'POST', `/api/v1/cabinet/${w.a.slug}/appeals/${w.appealId}/messages/signers`, { body: 'Работы начнутся в понедельник.' });
    expect(sent.statusCode).toBe(202);
    const broadcastId = sent.json().broadcastId as number;
    const signerAddress = broadcastReplyAddress(broadcastId, w.signer.id, t.ctx.config.secret, domain);
    const signerMail = await waitFor(
      () =>
        t.ctx.db
          .selectFrom('mail_messages')
          .select(['headers', 'text_body'])
          .where('to_address', '=', w.signer.email)
          .where('text_body', 'like', '%в понедельник%')
          .executeTakeFirst(),
      20_000,
      { what: 'the signer’s mail' },
    );
    expect(signerMail.headers).toMatchObject({ 'Reply-To': signerAddress });
    const authorMail = await waitFor(
      () =>
        t.ctx.db
          .selectFrom('mail_messages')
          .select('headers')
          .where('to_address', '=', w.author.email)
          .where('text_body', 'like', '%в понедельник%')
          .executeTakeFirst(),
      20_000,
      { what: 'the author’s mail' },
    );
    expect(authorMail.headers).toMatchObject({ 'Reply-To': broadcastReplyAddress(broadcastId, w.author.id, t.ctx.config.secret, domain) });

    // The signer reads it; a stranger does not.
    const page = await (await signedIn(w.signer)).get(`/messages/broadcasts/${broadcastId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('в понедельник');
    expect((await (await signedIn(w.stranger)).get(`/messages/broadcasts/${broadcastId}`)).status).toBe(404);
    expect((await api(w.stranger, 'POST', `/api/v1/messages/broadcasts/${broadcastId}`, { body: 'Я не подписывал' })).statusCode).toBe(404);

    // The signer answers by mail, the author on the site: two threads, each private.
    await mailIn(rawMail({ from: w.signer.email, to: signerAddress, subject: 'Re', messageId: `signer-${broadcastId}`, text: 'Спасибо, а до какого числа?' }));
    const signerThread = await waitFor(
      () => t.ctx.db.selectFrom('message_threads').selectAll().where('citizen_id', '=', w.signer.id).where('organization_id', '=', w.a.id).executeTakeFirst(),
      20_000,
      { what: 'the signer’s thread' },
    );
    const authorAnswer = await postForm(w.author, `/messages/broadcasts/${broadcastId}`, `/messages/broadcasts/${broadcastId}`, {
      body: 'Хорошо, будем ждать.',
    });
    expect(authorAnswer.status).toBe(303);
    const authorThreadId = Number(/\/messages\/(\d+)/.exec(authorAnswer.location as string)?.[1]);
    expect(authorThreadId).not.toBe(signerThread.id);
    expect((await messagesOf(signerThread.id)).map((message) => [message.side, message.channel, message.body])).toEqual([
      ['organization', 'broadcast', 'Работы начнутся в понедельник.'],
      ['citizen', 'email', 'Спасибо, а до какого числа?'],
    ]);
    const authorView = await (await signedIn(w.author)).get(`/messages/${authorThreadId}`);
    expect(authorView.body).toContain('Хорошо, будем ждать.');
    expect(authorView.body).not.toContain('а до какого числа');
    expect((await (await signedIn(w.author)).get(`/messages/${signerThread.id}`)).status).toBe(404);
    expect((await (await signedIn(w.signer)).get(`/messages/${authorThreadId}`)).status).toBe(404);

    // The officials see the signer as «Борис П.» and never the signer's e-mail or surname.
    const cabinetView = await (await signedIn(w.headA)).get(`/cabinet/${w.a.slug}/messages/${signerThread.id}`);
    expect(cabinetView.body).toContain('Борис П.');
    expect(cabinetView.body).not.toContain('Подписантов');
    expect(cabinetView.body).not.toContain(w.signer.email);
  });
});
