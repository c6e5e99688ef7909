/** What admins read: the mail outbox, the audit log and a few counts. */
import { type AuditFilter, type AuditLogEntry, auditActions, searchAudit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { idFromText } from '../../core/http/forms.ts';
import {
  attachmentContent,
  attachmentsOf,
  countFailedMail,
  countMail,
  type MailAttachmentInfo,
  listOutbox as outbox,
  outboxMessage,
} from '../../core/mail/mailer.ts';
import { countUsers, userIdsMatching, userLabels } from '../accounts/accounts.service.ts';
import { countOrganizations, organizationLabels } from '../organizations/organizations.service.ts';
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

/** What the audit page and its API are asked for, as typed into the filter form (the service parses it). */
export interface AuditSearch {
  /** A name, an e-mail or part of one, or an account's id. */
  actor?: string | undefined;
  action?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  /** Days, as ДД.ММ.ГГГГ or YYYY-MM-DD, Moscow time, both included. */
  from?: string | undefined;
  to?: string | undefined;
  text?: string | undefined;
  before?: number | undefined;
  limit?: number | undefined;
}

export interface AuditItem {
  id: number;
  createdAt: Date;
  actorId: number | null;
  actorName: string | null;
  actorEmail: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  /** The subject's own page, when it has one. */
  subjectHref: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

/** The platform's days are Moscow days (UTC+3 all year since 2014): the start of the given day, or null when it is no date. */
export function moscowDay(value: string): Date | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const russian = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]].map(Number) : russian ? [russian[3], russian[2], russian[1]].map(Number) : [];
  if (year === undefined || month === undefined || day === undefined || year < 2000 || year > 2999) return null;
  const utc = new Date(Date.UTC(year, month - 1, day));
  // 31.02 would roll over into March.
  if (utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) return null;
  return new Date(utc.getTime() - 3 * 3600 * 1000);
}

/** The form's text as a filter: dates checked (422 with the fields), the actor resolved to accounts. */
export async function auditFilter(ctx: AppContext, search: AuditSearch): Promise<AuditFilter> {
  const checks = new FieldChecks();
  const from = search.from?.trim() ? moscowDay(search.from.trim()) : undefined;
  const to = search.to?.trim() ? moscowDay(search.to.trim()) : undefined;
  if (from === null) checks.add('from', 'auditDate');
  if (to === null) checks.add('to', 'auditDate');
  if (from && to && from > to) checks.add('to', 'auditDateOrder');
  checks.throwIfAny();
  const actor = search.actor?.trim();
  const actorIds = !actor ? undefined : /^#?[0-9]{1,10}$/.test(actor) ? [idFromText(actor.replace('#', ''))] : await userIdsMatching(ctx, actor);
  return {
    actorIds,
    action: search.action?.trim() || undefined,
    subjectType: search.subjectType?.trim() || undefined,
    subjectId: search.subjectId?.trim() || undefined,
    from: from ?? undefined,
    until: to ? new Date(to.getTime() + 24 * 3600 * 1000) : undefined,
    text: search.text?.trim() || undefined,
  };
}

/** Links to the subjects that have a page of their own (an organization's page is by its slug: one query for all of them). */
async function subjectLinks(ctx: AppContext, entries: readonly AuditLogEntry[]): Promise<Map<number, string>> {
  const organizationIds = entries.flatMap((e) =>
    e.subject_type === 'organization' && e.subject_id && idFromText(e.subject_id) > 0 ? [Number(e.subject_id)] : [],
  );
  const organizations = await organizationLabels(ctx, organizationIds);
  const links = new Map<number, string>();
  for (const entry of entries) {
    const id = entry.subject_id !== null ? idFromText(entry.subject_id) : -1;
    if (id < 1) continue;
    if (entry.subject_type === 'problem') links.set(entry.id, `/problems/${id}`);
    else if (entry.subject_type === 'appeal') links.set(entry.id, `/appeals/${id}`);
    else if (entry.subject_type === 'user') links.set(entry.id, `/admin/users/${id}`);
    else if (entry.subject_type === 'organization') {
      const organization = organizations.get(id);
      if (organization) links.set(entry.id, `/organizations/${organization.slug}`);
    }
  }
  return links;
}

async function auditItems(ctx: AppContext, entries: readonly AuditLogEntry[]): Promise<AuditItem[]> {
  const [people, links] = await Promise.all([
    userLabels(
      ctx,
      entries.flatMap((entry) => (entry.actor_id === null ? [] : [entry.actor_id])),
    ),
    subjectLinks(ctx, entries),
  ]);
  return entries.map((entry) => {
    const person = entry.actor_id === null ? undefined : people.get(entry.actor_id);
    return {
      id: entry.id,
      createdAt: entry.created_at,
      actorId: entry.actor_id,
      actorName: person?.name ?? null,
      actorEmail: person?.email ?? null,
      action: entry.action,
      subjectType: entry.subject_type,
      subjectId: entry.subject_id,
      subjectHref: links.get(entry.id) ?? null,
      details: entry.details,
      ip: entry.ip,
    };
  });
}

/** A page of the filtered audit log, newest first, each entry with its actor's name and e-mail and its subject's link. */
export async function listAudit(ctx: AppContext, search: AuditSearch): Promise<{ items: AuditItem[]; nextBefore: number | null }> {
  const filter = await auditFilter(ctx, search);
  const page = await searchAudit(ctx.db, filter, { limit: search.limit ?? 50, before: search.before });
  return { items: await auditItems(ctx, page.items), nextBefore: page.nextBefore };
}

/** The actions the log holds, for the filter's list. */
export function listAuditActions(ctx: AppContext): Promise<string[]> {
  return auditActions(ctx.db);
}

/** Every entry of the filtered view (parsed by auditFilter first, so a bad date is a 422 before the download starts), a thousand at a time: the CSV export streams it. */
export async function* auditExport(ctx: AppContext, filter: AuditFilter): AsyncGenerator<AuditItem[]> {
  let before: number | undefined;
  for (;;) {
    const page = await searchAudit(ctx.db, filter, { limit: 1000, before });
    yield await auditItems(ctx, page.items);
    if (page.nextBefore === null) return;
    before = page.nextBefore;
  }
}

export async function siteCounts(ctx: AppContext) {
  const [users, organizations, territories, mail] = await Promise.all([countUsers(ctx), countOrganizations(ctx), countTerritories(ctx), countMail(ctx.db)]);
  return { users, organizations, territories, mail };
}
