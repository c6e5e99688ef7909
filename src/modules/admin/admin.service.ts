/** What admins read: the mail outbox, the audit log and a few counts. */
import { auditEntries } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import {
  attachmentContent,
  attachmentsOf,
  countFailedMail,
  countMail,
  type MailAttachmentInfo,
  listOutbox as outbox,
  outboxMessage,
} from '../../core/mail/mailer.ts';
import { contactsOf, countUsers } from '../accounts/accounts.service.ts';
import { countOrganizations } from '../organizations/organizations.service.ts';
import { countTerritories } from '../territories/territories.service.ts';

/** The outbox, newest first, each message with its attachments listed (the dispatch letter's PDF among them). */
export async function listOutbox(ctx: AppContext, options: { limit: number; offset: number; to?: string }) {
  const result = await outbox(ctx.db, options);
  const attachments = await attachmentsOf(
    ctx.db,
    result.items.map((m) => m.id),
  );
  return { total: result.total, items: result.items.map((message) => ({ ...message, attachments: attachments.get(message.id) ?? [] })) };
}

export type OutboxItem = Awaited<ReturnType<typeof listOutbox>>['items'][number];
export type { MailAttachmentInfo };

/** Mail given up after days of retries: every admin page says so until someone looks. */
export function failedMailCount(ctx: AppContext): Promise<number> {
  return countFailedMail(ctx.db);
}

export async function getOutboxMessage(ctx: AppContext, id: number): Promise<OutboxItem> {
  const message = await outboxMessage(ctx.db, id);
  if (!message) throw new DomainError('not_found');
  const attachments = await attachmentsOf(ctx.db, [id]);
  return { ...message, attachments: attachments.get(id) ?? [] };
}

/** An attachment of an outbox message, e.g. the PDF of a dispatched appeal with its signatories. */
export async function getOutboxAttachment(ctx: AppContext, messageId: number, attachmentId: number) {
  const attachment = await attachmentContent(ctx.db, messageId, attachmentId);
  if (!attachment) throw new DomainError('not_found');
  return attachment;
}

/** The audit log, newest first, each entry with its actor's e-mail (the page's actors in one query, not one per entry). */
export async function listAudit(ctx: AppContext, options: { limit: number; offset: number }) {
  const { items, total } = await auditEntries(ctx.db, options);
  const actorIds = [...new Set(items.flatMap((entry) => (entry.actor_id === null ? [] : [entry.actor_id])))];
  const emails = new Map((await contactsOf(ctx.db, actorIds)).map((contact) => [contact.id, contact.email]));
  return {
    items: items.map(({ actor_id, ...entry }) => ({ ...entry, actor_email: actor_id === null ? null : (emails.get(actor_id) ?? null) })),
    total,
  };
}

export async function siteCounts(ctx: AppContext) {
  const [users, organizations, territories, mail] = await Promise.all([countUsers(ctx), countOrganizations(ctx), countTerritories(ctx), countMail(ctx.db)]);
  return { users, organizations, territories, mail };
}
