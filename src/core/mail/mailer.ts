/**
 * Outgoing mail. Every message is first a row of `mail_messages`, written in the transaction of the
 * action that causes it, so a committed action never loses its mail and a rolled-back one sends none.
 * With SMTP_URL a job delivers the row through nodemailer; without it the row stays in the outbox
 * that admins read at /admin/outbox (in that mode the outbox is the delivery: it "accepts" at once).
 *
 * Never abandoned silently: a refused or failed attempt is tried again with a doubling delay (from
 * MAIL_RETRY_SECONDS up to an hour) until MAIL_GIVE_UP_HOURS after the message was written (3 days);
 * then it is `failed`, logged at error level, counted on the admin pages and told to the listeners
 * (an appeal's page says its letter could not be sent). A sweep re-queues every `queued` message whose
 * attempt is overdue — a job lost with a crashed node, a queue purged by hand.
 *
 * The delivery guarantee, precisely: at least once, and once in every case but one. An attempt first
 * claims the row (`next_attempt_at` becomes the end of a lease), so two jobs for one message never
 * send at the same time, and a message recorded `sent` is never sent again. The one case: the mail
 * server accepted the letter and this process died (or lost the database) before it recorded that.
 * Then the lease runs out, the sweep re-queues it, and the letter goes again — with the same
 * Message-ID header, fixed when the message was written, so the receiver can tell it is a duplicate.
 * Nothing can do better over SMTP, which has no way to ask a server whether it already has a letter.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Database, Executor } from '../db/database.ts';
import type { MailErrorKind, MailMessage, MailStatus } from '../db/schema.ts';
import type { AnyJobDefinition, Jobs } from '../jobs/jobs.ts';

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
export const mailSweepJob = 'mail.sweep';

export interface MailRetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
  /** How long an attempt may take before another may start: longer than every SMTP timeout below. */
  leaseMs: number;
}

const smtpTimeouts = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 };

/** Called in the transaction that records the outcome; a module reacts to its own letters here. */
export type MailListener = (executor: Executor, message: MailMessage) => Promise<void>;

/** What the public may learn about a message: its state and why it is late, never the server's words. */
export interface DeliveryState {
  status: MailStatus;
  attempts: number;
  errorKind: MailErrorKind | null;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  failedAt: Date | null;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
]);

export function mailErrorKind(error: unknown): MailErrorKind {
  const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) return 'deferred';
  if (typeof responseCode === 'number' && responseCode >= 500) return 'rejected';
  if (code && unreachableCodes.has(code)) return 'unreachable';
  return 'other';
}

declare module '../jobs/jobs.ts' {
  interface JobPayloads {
    /** Sends one queued mail (`outbox` row). */
    'mail.deliver': { id: number };
    /** Re-queues queued mail whose attempt is overdue. */
    'mail.sweep': Record<string, never>;
  }
}

export class Mailer {
  readonly #transport: Transporter | null;
  readonly #accepted: MailListener[] = [];
  readonly #failed: MailListener[] = [];
  readonly #retry: MailRetryPolicy;
  readonly #now: () => Date;
  readonly #host: string;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly jobs: Jobs,
    private readonly log: FastifyBaseLogger,
    options: { now?: () => Date } = {},
  ) {
    this.#transport = config.smtpUrl ? nodemailer.createTransport({ url: config.smtpUrl, ...smtpTimeouts }) : null;
    this.#now = options.now ?? (() => new Date());
    this.#retry = {
      firstDelayMs: config.mailRetrySeconds * 1000,
      maxDelayMs: Math.max(config.mailRetrySeconds * 1000, 3600_000),
      giveUpAfterMs: config.mailGiveUpHours * 3600_000,
      leaseMs: 5 * 60_000,
    };
    this.#host = new URL(config.baseUrl).hostname;
  }

  get mode(): 'smtp' | 'outbox' {
    return this.#transport ? 'smtp' : 'outbox';
  }

  /** `listener` runs when a mail server accepted a message (or, without SMTP, when it reached the outbox). */
  onAccepted(listener: MailListener): void {
    this.#accepted.push(listener);
  }

  /** `listener` runs when a message is given up. */
  onFailed(listener: MailListener): void {
    this.#failed.push(listener);
  }

  /** Records the message within `executor` (a transaction, usually) and schedules its delivery. */
  async enqueue(executor: Executor, mail: OutgoingMail): Promise<number> {
    const now = this.#now();
    const row = await executor
      .insertInto('mail_messages')
      .values({
        to_address: mail.to,
        subject: mail.subject,
        text_body: mail.text,
        html_body: mail.html ?? null,
        status: this.#transport ? 'queued' : 'outbox',
        // Fixed now, so every attempt sends the same Message-ID and a receiver can drop a duplicate.
        message_id: mail.messageId ?? `<mail.${randomBytes(9).toString('hex')}@${this.#host}>`,
        headers: JSON.stringify(mail.headers ?? {}),
        created_at: now,
        next_attempt_at: this.#transport ? now : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (const attachment of mail.attachments ?? []) {
      await executor
        .insertInto('mail_attachments')
        .values({ message_id: row.id, filename: attachment.filename, content_type: attachment.contentType, content: attachment.content })
        .execute();
    }
    if (this.#transport) await this.jobs.send(deliverMailJob, { id: row.id }, executor);
    else for (const listener of this.#accepted) await listener(executor, row);
    return row.id;
  }

  /** One attempt at one queued message; see the guarantee at the top of this file. */
  async deliver(id: number): Promise<void> {
    if (!this.#transport) return;
    const now = this.#now();
    const message = await this.db
      .updateTable('mail_messages')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: new Date(now.getTime() + this.#retry.leaseMs) }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    // Sent, given up, or another attempt holds the lease (a duplicate job): nothing to do.
    if (!message) return;
    const attachments = await this.db.selectFrom('mail_attachments').selectAll().where('message_id', '=', id).orderBy('id').execute();
    try {
      await this.#transport.sendMail({
        from: this.config.mailFrom,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        ...(message.html_body ? { html: message.html_body } : {}),
        ...(message.message_id ? { messageId: message.message_id } : {}),
        attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.content_type, content: a.content })),
        headers: { ...(message.headers ?? {}), 'X-Democrator-Message': String(message.id) },
      });
    } catch (error) {
      await this.#attemptFailed(message, error);
      return;
    }
    await this.#recordAccepted(message);
  }

  async #recordAccepted(message: MailMessage): Promise<void> {
    const acceptedAt = this.#now();
    const accepted = { status: 'sent' as const, sent_at: acceptedAt, error: null, error_kind: null, next_attempt_at: null };
    try {
      await this.db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('mail_messages').set(accepted).where('id', '=', message.id).returningAll().executeTakeFirstOrThrow();
        for (const listener of this.#accepted) await listener(trx, row);
      });
    } catch (error) {
      // The server has the letter: record that even if a listener failed, or it would go twice. The
      // listener's module runs it again later (replayAccepted; appeals: the minute sweep and start-up).
      this.log.error({ err: error, mail: message.id }, 'mail accepted, but reacting to it failed; recorded as sent, the reaction is retried');
      await this.db.updateTable('mail_messages').set(accepted).where('id', '=', message.id).execute();
    }
  }

  async #attemptFailed(message: MailMessage, error: unknown): Promise<void> {
    const now = this.#now();
    const kind = mailErrorKind(error);
    const failure = { error: String(error).slice(0, 2000), error_kind: kind };
    if (now.getTime() - message.created_at.getTime() >= this.#retry.giveUpAfterMs) {
      await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('mail_messages')
          .set({ ...failure, status: 'failed', failed_at: now, next_attempt_at: null })
          .where('id', '=', message.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        for (const listener of this.#failed) await listener(trx, row);
      });
      this.log.error(
        { err: error, mail: message.id, to: message.to_address, attempts: message.attempts, kind },
        'mail given up: the mail server did not accept it in time; see /admin/outbox',
      );
      return;
    }
    const delay = Math.min(this.#retry.firstDelayMs * 2 ** Math.max(0, message.attempts - 1), this.#retry.maxDelayMs);
    const next = new Date(now.getTime() + delay);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('mail_messages')
        .set({ ...failure, next_attempt_at: next })
        .where('id', '=', message.id)
        .execute();
      await this.jobs.send(deliverMailJob, { id: message.id }, trx, { startAfter: next });
    });
    this.log.warn({ err: error, mail: message.id, attempts: message.attempts, kind, next }, 'mail delivery failed; will retry');
  }

  /**
   * Runs the accepted listeners again for a message a server accepted (or the outbox took) whose
   * reaction failed — #recordAccepted records it sent all the same, so that it does not go twice.
   * Listeners must therefore be idempotent: each acts only on what still waits for that letter.
   */
  async replayAccepted(messageId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('mail_messages')
        .selectAll()
        .where('message_id', '=', messageId)
        .where('status', 'in', ['sent', 'outbox'])
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (!row) return false;
      for (const listener of this.#accepted) await listener(trx, row);
      return true;
    });
  }

  /** Re-queues every queued message whose attempt is overdue: its job was lost, or its attempt died. */
  async sweep(): Promise<number> {
    if (!this.#transport) return 0;
    // A minute's grace, so a job about to start is not doubled (a doubled one would find the lease taken).
    const overdue = new Date(this.#now().getTime() - 60_000);
    const rows = await this.db
      .selectFrom('mail_messages')
      .select('id')
      .where('status', '=', 'queued')
      .where((eb) => eb(eb.fn.coalesce('next_attempt_at', 'created_at'), '<', overdue))
      .orderBy('id')
      .limit(1000)
      .execute();
    for (const { id } of rows) await this.jobs.send(deliverMailJob, { id });
    if (rows.length > 0) this.log.warn({ count: rows.length }, 'mail sweep re-queued overdue messages');
    return rows.length;
  }

  /** The state of the message with this Message-ID, for the page of what it carries. */
  async deliveryState(messageId: string): Promise<DeliveryState | null> {
    const row = await this.db
      .selectFrom('mail_messages')
      .select(['status', 'attempts', 'error_kind', 'next_attempt_at', 'sent_at', 'failed_at'])
      .where('message_id', '=', messageId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!row) return null;
    return {
      status: row.status,
      attempts: row.attempts,
      errorKind: row.error_kind,
      nextAttemptAt: row.next_attempt_at,
      sentAt: row.sent_at,
      failedAt: row.failed_at,
    };
  }

  jobDefinitions(): AnyJobDefinition[] {
    return [
      // Few queue retries: the mailer schedules its own (an SMTP refusal is not a job failure);
      // these only cover the database failing during an attempt, and the sweep covers the rest.
      // pg-boss' default worker takes one job per 2-second poll: 30 mails a minute, so a dispatch letter
      // queued behind a few dozen account mails (or a mailing to thousands of signers) waited minutes.
      // Two workers polling every half second deliver about four a second, each message still one job.
      { name: deliverMailJob, run: ({ id }) => this.deliver(id), retryLimit: 3, work: { pollingIntervalSeconds: 0.5, localConcurrency: 2 } },
      { name: mailSweepJob, run: async () => void (await this.sweep()), retryLimit: 0 },
    ];
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

/** Messages given up, for the admins' banner. */
export async function countFailedMail(db: Database): Promise<number> {
  const row = await db
    .selectFrom('mail_messages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', '=', 'failed')
    .executeTakeFirstOrThrow();
  return Number(row.count);
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

/** One attachment as the outbox lists it: what it is and how big, not its bytes. */
export interface MailAttachmentInfo {
  id: number;
  messageId: number;
  filename: string;
  contentType: string;
  bytes: number;
}

/** The attachments of these messages, by message id (for the outbox list and page). */
export async function attachmentsOf(db: Database, messageIds: readonly number[]): Promise<Map<number, MailAttachmentInfo[]>> {
  const byMessage = new Map<number, MailAttachmentInfo[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .selectFrom('mail_attachments')
    .select(['id', 'message_id', 'filename', 'content_type', sql<number>`octet_length(content)`.as('bytes')])
    .where('message_id', 'in', [...messageIds])
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const list = byMessage.get(row.message_id) ?? [];
    list.push({ id: row.id, messageId: row.message_id, filename: row.filename, contentType: row.content_type, bytes: Number(row.bytes) });
    byMessage.set(row.message_id, list);
  }
  return byMessage;
}

export async function outboxMessage(db: Database, id: number): Promise<MailMessage | undefined> {
  return db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One attachment's bytes, only through the message it belongs to. */
export async function attachmentContent(
  db: Database,
  messageId: number,
  attachmentId: number,
): Promise<{ filename: string; contentType: string; content: Buffer } | undefined> {
  const row = await db
    .selectFrom('mail_attachments')
    .select(['filename', 'content_type', 'content'])
    .where('id', '=', attachmentId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row ? { filename: row.filename, contentType: row.content_type, content: row.content } : undefined;
}
