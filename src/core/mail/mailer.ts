/**
 * Outgoing mail. Every message is first a row of `mail_messages`, written in the transaction of the
 * action that causes it, so a committed action never loses its mail and a rolled-back one sends none.
 * With SMTP_URL a job delivers the row through nodemailer (retried by pg-boss); without it the row
 * stays in the outbox that admins read at /admin/outbox.
 */
import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Database, Executor } from '../db/database.ts';
import type { MailMessage } from '../db/schema.ts';
import type { JobDefinition, Jobs } from '../jobs/jobs.ts';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** A Message-ID chosen by the caller (it wants to record it before the mail leaves). */
  messageId?: string;
  attachments?: MailAttachment[];
  /** Extra headers, e.g. List-Unsubscribe on every notification. */
  headers?: Record<string, string>;
}

export const deliverMailJob = 'mail.deliver';

declare module '../jobs/jobs.ts' {
  interface JobPayloads {
    /** Sends one queued mail (`outbox` row). */
    'mail.deliver': { id: number };
  }
}

export class Mailer {
  readonly #transport: Transporter | null;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly jobs: Jobs,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null;
  }

  get mode(): 'smtp' | 'outbox' {
    return this.#transport ? 'smtp' : 'outbox';
  }

  /** Records the message within `executor` (a transaction, usually) and schedules its delivery. */
  async enqueue(executor: Executor, mail: OutgoingMail): Promise<number> {
    const row = await executor
      .insertInto('mail_messages')
      .values({
        to_address: mail.to,
        subject: mail.subject,
        text_body: mail.text,
        html_body: mail.html ?? null,
        status: this.#transport ? 'queued' : 'outbox',
        message_id: mail.messageId ?? null,
        headers: JSON.stringify(mail.headers ?? {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const attachment of mail.attachments ?? []) {
      await executor
        .insertInto('mail_attachments')
        .values({ message_id: row.id, filename: attachment.filename, content_type: attachment.contentType, content: attachment.content })
        .execute();
    }
    if (this.#transport) await this.jobs.send(deliverMailJob, { id: row.id }, executor);
    return row.id;
  }

  /** Sends one queued message. Idempotent: a message already sent is not sent again. */
  async deliver(id: number): Promise<void> {
    if (!this.#transport) return;
    const message = await this.db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!message || message.status === 'sent') return;
    const attachments = await this.db.selectFrom('mail_attachments').selectAll().where('message_id', '=', id).orderBy('id').execute();
    try {
      const info = await this.#transport.sendMail({
        from: this.config.mailFrom,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        ...(message.html_body ? { html: message.html_body } : {}),
        ...(message.message_id ? { messageId: message.message_id } : {}),
        attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.content_type, content: a.content })),
        headers: { ...(message.headers ?? {}), 'X-Democrator-Message': String(message.id) },
      });
      await this.db
        .updateTable('mail_messages')
        .set({ status: 'sent', message_id: info.messageId, sent_at: new Date(), error: null, attempts: message.attempts + 1 })
        .where('id', '=', id)
        .execute();
    } catch (error) {
      await this.db
        .updateTable('mail_messages')
        .set({ error: String(error), attempts: message.attempts + 1 })
        .where('id', '=', id)
        .execute();
      this.log.warn({ err: error, mail: id }, 'mail delivery failed');
      throw error;
    }
  }

  jobDefinitions(): JobDefinition<typeof deliverMailJob>[] {
    // pg-boss' default worker takes one job per 2-second poll: 30 mails a minute, so a dispatch letter
    // queued behind a few dozen account mails (or a mailing to thousands of signers) waited minutes.
    // Two workers polling every half second deliver about four a second, each message still one job
    // with its own retries (deliver() skips a message already sent).
    return [{ name: deliverMailJob, run: ({ id }) => this.deliver(id), retryLimit: 8, work: { pollingIntervalSeconds: 0.5, localConcurrency: 2 } }];
  }

  async close(): Promise<void> {
    this.#transport?.close();
  }
}

/** What was mailed to an address, oldest first (a person's data export). */
export async function mailSentTo(db: Database, address: string) {
  return db.selectFrom('mail_messages').select(['subject', 'created_at', 'status']).where('to_address', '=', address).orderBy('id').execute();
}

export async function countMail(db: Database): Promise<number> {
  const row = await db
    .selectFrom('mail_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listOutbox(db: Database, options: { limit: number; offset: number; to?: string }): Promise<{ items: MailMessage[]; total: number }> {
  let query = db.selectFrom('mail_messages');
  if (options.to) query = query.where('to_address', '=', options.to.toLowerCase());
  const [items, total] = await Promise.all([
    query.selectAll().orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.count) };
}
