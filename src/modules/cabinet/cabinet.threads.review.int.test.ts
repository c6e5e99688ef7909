/**
 * The hostile review of the cabinet's messages: what the site refuses, a reply by e-mail refuses too (a blocked
 * citizen writes nothing, whichever way they try); ids past the integer range are a 404, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, addMember, apiTokenFor, createUser, openAppeal, sign, verifiedCitizen } from '../../../test/support/factories.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from '../../core/db/schema.ts';
import { blockUser } from '../accounts/accounts.service.ts';
import { dispatchAppeal } from '../appeals/appeals.dispatch.ts';
import { broadcastReplyAddress, threadReplyAddress } from './cabinet.threads.rules.ts';
import { writeToCitizen, writeToSigners } from './cabinet.threads.ts';

const domain = 'reply.democrator.test';
const inboundSecret = 'inbound-webhook-secret-0123';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ INBOUND_MAIL_DOMAIN: domain, INBOUND_MAIL_SECRET: inboundSecret });
});
afterAll(async () => {
  await t?.stop();
});

function rawMail(input: { from: string; to: string; text: string; messageId: string; headers?: string[] }): Buffer {
  return Buffer.from(
    [
      ...(input.headers ?? []),
      `From: ${input.from}`,
      `To: ${input.to}`,
      'Subject: Re: сообщение',
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

async function threadWithAuthor() {
  const author = await verifiedCitizen(t.ctx, { firstName: 'Вера', surname: 'Заблокированная' });
  const fixture = await openAppeal(t.ctx, { author, threshold: 1, acknowledgeWarnings: true, title: 'О переписке с заблокированным' });
  await sign(t.ctx, fixture.appeal.id, await verifiedCitizen(t.ctx));
  expect(await dispatchAppeal(t.ctx, fixture.appeal.id)).toBe('sent');
  const head = (await verifiedCitizen(t.ctx)) as User;
  await addMember(t.ctx, fixture.organization, head, 'head', 'глава');
  const { thread } = await writeToCitizen(
    t.ctx,
    actorOf(head, { memberships: new Map([[fixture.organization.id, 'head']]) }),
    fixture.organization,
    { appealId: fixture.appeal.id },
    { body: 'Уточните адрес, пожалуйста.', channel: 'site' },
  );
  return { author, head, organization: fixture.organization, thread };
}

describe('a reply by e-mail', () => {
  it('from a blocked citizen adds nothing to the thread, as the site and the API refuse them', async () => {
    const { author, thread } = await threadWithAuthor();
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    await blockUser(t.ctx.db, { actorId: moderator.id, userId: author.id, reason: 'Оскорбления в комментариях' });
    // The site refuses the blocked person's token and session.
    const viaApi = await t.app.inject({
      method: 'POST',
      url: `/api/v1/messages/${thread.id}`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, author)}` },
      payload: { body: 'Через API' },
    });
    expect(viaApi.statusCode).toBeGreaterThanOrEqual(401);
    const replied = await mailIn(
      rawMail({
        from: author.email,
        to: threadReplyAddress(thread.id, t.ctx.config.secret, domain),
        text: 'Всё равно напишу.',
        messageId: `blocked-${thread.id}`,
      }),
    );
    expect(replied.statusCode).toBe(202);
    const inbound = await waitFor(
      async () => {
        const row = await t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason'])
          .where('message_id', '=', `<blocked-${thread.id}@mail.example.test>`)
          .executeTakeFirst();
        return row && row.status !== 'received' ? row : undefined;
      },
      20_000,
      { what: 'the blocked citizen’s mail processed' },
    );
    expect(inbound).toEqual({ status: 'unmatched', reason: 'account_blocked' });
    const messages = await t.ctx.db.selectFrom('thread_messages').select(['side', 'body']).where('thread_id', '=', thread.id).orderBy('id').execute();
    expect(messages.map((message) => message.side)).toEqual(['organization']);
  });
});

describe('an automatic reply', () => {
  it('(a vacation notice from the citizen’s mailbox) is kept unmatched, not filed as the citizen’s message', async () => {
    const { author, thread } = await threadWithAuthor();
    await mailIn(
      rawMail({
        from: author.email,
        to: threadReplyAddress(thread.id, t.ctx.config.secret, domain),
        text: 'Я в отпуске до 20 декабря, отвечу по возвращении.',
        messageId: `vacation-${thread.id}`,
        headers: ['Auto-Submitted: auto-replied'],
      }),
    );
    const inbound = await waitFor(
      async () => {
        const row = await t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason'])
          .where('message_id', '=', `<vacation-${thread.id}@mail.example.test>`)
          .executeTakeFirst();
        return row && row.status !== 'received' ? row : undefined;
      },
      20_000,
      { what: 'the automatic reply processed' },
    );
    expect(inbound).toEqual({ status: 'unmatched', reason: 'auto_reply' });
    const messages = await t.ctx.db.selectFrom('thread_messages').select('side').where('thread_id', '=', thread.id).execute();
    expect(messages.map((message) => message.side)).toEqual(['organization']);
  });
});

describe('ids out of range', () => {
  it('are a 404 (or the API schema’s 400 or 422), never a 500, on both sides', async () => {
    const { author, head, organization } = await threadWithAuthor();
    const huge = '99999999999';
    for (const [user, url] of [
      [author, `/api/v1/messages/${huge}`],
      [author, `/api/v1/messages/broadcasts/${huge}`],
      [head, `/api/v1/cabinet/${organization.slug}/messages/${huge}`],
    ] as const) {
      const response = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` } });
      expect([400, 404, 422]).toContain(response.statusCode);
    }
  });
});

describe('the message to all signers', () => {
  it('is read and answered by the author and a counted signer only: a flagged signer and a stranger get 404, on the site, the API and by mail', async () => {
    const author = await verifiedCitizen(t.ctx);
    const fixture = await openAppeal(t.ctx, { author, threshold: 2, acknowledgeWarnings: true, title: 'О сообщении всем подписавшим' });
    const { signer } = await sign(t.ctx, fixture.appeal.id, await verifiedCitizen(t.ctx));
    const { signer: flagged } = await sign(t.ctx, fixture.appeal.id, await verifiedCitizen(t.ctx));
    expect(await dispatchAppeal(t.ctx, fixture.appeal.id)).toBe('sent');
    await t.ctx.db
      .updateTable('signatures')
      .set({ flagged_at: new Date() })
      .where('appeal_id', '=', fixture.appeal.id)
      .where('user_id', '=', flagged.id)
      .execute();
    const head = (await verifiedCitizen(t.ctx)) as User;
    await addMember(t.ctx, fixture.organization, head, 'head', 'глава');
    const broadcast = await writeToSigners(
      t.ctx,
      actorOf(head, { memberships: new Map([[fixture.organization.id, 'head']]) }),
      fixture.organization,
      fixture.appeal.id,
      {
        body: 'Всем подписавшим: приём граждан в пятницу.',
        channel: 'site',
      },
    );
    const stranger = await verifiedCitizen(t.ctx);
    const read = async (user: User) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/messages/broadcasts/${broadcast.id}`,
          headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` },
        })
      ).statusCode;
    const answer = async (user: User) =>
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/messages/broadcasts/${broadcast.id}`,
          headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` },
          payload: { body: 'Приду.' },
        })
      ).statusCode;
    expect([await read(author), await read(signer), await read(flagged), await read(stranger)]).toEqual([200, 200, 404, 404]);
    expect([await answer(signer), await answer(flagged), await answer(stranger)]).toEqual([201, 404, 404]);
    await mailIn(
      rawMail({
        from: flagged.email,
        to: broadcastReplyAddress(broadcast.id, flagged.id, t.ctx.config.secret, domain),
        text: 'Отвечаю по почте.',
        messageId: `flagged-${broadcast.id}`,
      }),
    );
    const inbound = await waitFor(
      async () => {
        const row = await t.ctx.db
          .selectFrom('inbound_messages')
          .select(['status', 'reason'])
          .where('message_id', '=', `<flagged-${broadcast.id}@mail.example.test>`)
          .executeTakeFirst();
        return row && row.status !== 'received' ? row : undefined;
      },
      20_000,
      { what: 'the flagged signer’s mail processed' },
    );
    expect(inbound).toEqual({ status: 'unmatched', reason: 'not_a_signer' });
    const threads = await t.ctx.db.selectFrom('message_threads').select('citizen_id').where('appeal_id', '=', fixture.appeal.id).execute();
    expect(threads.map((thread) => thread.citizen_id)).toEqual([signer.id]);
  });
});
