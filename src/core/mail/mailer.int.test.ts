/** Mail through a real SMTP server (smtp-server in the test), delivered by the pg-boss job. */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createUser } from '../../../test/support/factories.ts';
import { browser } from '../../../test/support/http.ts';
import { startTestSmtp, type TestSmtp } from '../../../test/support/smtp.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { DomainError } from '../errors.ts';

let t: TestApp;
let smtp: TestSmtp;
let refuseNext = 0;

beforeAll(async () => {
  smtp = await startTestSmtp({
    refuse: () => {
      if (refuseNext === 0) return false;
      refuseNext -= 1;
      return true;
    },
  });
  const port = smtp.port;
  // Retries one second apart (5 s by default): the retry test waits for one.
  t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Democrator <robot@democrator.test>', MAIL_RETRY_SECONDS: '1' });
});

afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

/**
 * Factory users register, and registering mails a verification link: a test waits for that mail to be
 * delivered, so that what it counts afterwards is only what it caused itself.
 */
async function registrationMailDelivered(address: string): Promise<number> {
  await waitFor(
    async () => {
      const row = await t.ctx.db
        .selectFrom('mail_messages')
        .select('status')
        .where('to_address', '=', address)
        .where('subject', '=', 'Подтвердите почту на Democrator')
        .executeTakeFirst();
      return row?.status === 'sent' ? row : undefined;
    },
    20_000,
    { what: `the verification mail to ${address}` },
  );
  return smtp.received.length;
}

const resetMailTo = (address: string) =>
  t.ctx.db.selectFrom('mail_messages').selectAll().where('to_address', '=', address).where('subject', '=', 'Смена пароля на Democrator').executeTakeFirst();

describe('mail over SMTP', () => {
  it('delivers a message written in the request’s transaction, and records the message id', async () => {
    const user = await createUser(t.ctx, { email: 'smtp-reader@example.test' });
    const already = await registrationMailDelivered(user.email);
    const response = await browser(t.app).submit('/forgot-password', '/forgot-password', { email: user.email });
    expect(response.status).toBe(303);

    const message = await waitFor(async () => smtp.received.slice(already).find((m) => m.to.includes('smtp-reader@example.test')));
    expect(message.from).toBe('robot@democrator.test');
    const parsed = await simpleParser(message.raw);
    expect(parsed.subject).toBe('Смена пароля на Democrator');
    expect(parsed.text).toMatch(/Здравствуйте, Мария!/);
    expect(parsed.text).toMatch(/http:\/\/democrator\.test\/reset-password\?token=[\w-]+/);

    const row = await waitFor(async () => {
      const found = await resetMailTo(user.email);
      return found?.status === 'sent' ? found : undefined;
    });
    expect(row.message_id).toMatch(/^<.+@.+>$/);
    expect(row.attempts).toBe(1);
  });

  it('retries when the server refuses for a while, and sends exactly once', async () => {
    const user = await createUser(t.ctx, { email: 'smtp-retry@example.test' });
    const already = await registrationMailDelivered(user.email);
    refuseNext = 1;
    await browser(t.app).submit('/forgot-password', '/forgot-password', { email: user.email });
    const row = await waitFor(async () => {
      const found = await resetMailTo(user.email);
      return found?.status === 'sent' ? found : undefined;
    }, 40_000);
    expect(row.attempts).toBe(2);
    expect(smtp.received.slice(already).filter((m) => m.to.includes('smtp-retry@example.test'))).toHaveLength(1);
  });

  it('puts a message’s own headers on the wire (List-Unsubscribe of a notification)', async () => {
    const headers = {
      'List-Unsubscribe': '<http://democrator.test/unsubscribe/abc.def>, <mailto:robot@democrator.test?subject=unsubscribe%20abc.def>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    await t.ctx.db
      .transaction()
      .execute((trx) => t.ctx.mailer.enqueue(trx, { to: 'smtp-headers@example.test', subject: 'Обращение № 1 отправлено', text: 'Здравствуйте!', headers }));
    const message = await waitFor(async () => smtp.received.find((m) => m.to.includes('smtp-headers@example.test')));
    expect(message.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(message.raw).toContain('List-Unsubscribe: <http://democrator.test/unsubscribe/abc.def>,');
    expect(message.raw).toContain('<mailto:robot@democrator.test?subject=unsubscribe%20abc.def>');
  });

  it('sends nothing when the action that would cause the mail fails', async () => {
    // An action that fails after writing its mail: the transaction rolls back, and so does the mail.
    // (A duplicate registration no longer fails: it mails the owner instead, see accounts.int.test.ts.)
    await createUser(t.ctx, { email: 'smtp-dup@example.test' });
    const before = await registrationMailDelivered('smtp-dup@example.test');
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await t.ctx.mailer.enqueue(trx, { to: 'smtp-dup@example.test', subject: 'Подтвердите почту на Democrator', text: 'Здравствуйте!' });
        throw new DomainError('conflict');
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.received.length).toBe(before);
    // Only the first registration's verification mail.
    expect(await t.ctx.db.selectFrom('mail_messages').select('id').where('to_address', '=', 'smtp-dup@example.test').execute()).toHaveLength(1);
  });
});
