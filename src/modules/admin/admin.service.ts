/** What admins read: the mail outbox, the audit log and a few counts. */
import type { AppContext } from '../../core/context.ts';
import { DomainError } from '../../core/errors.ts';
import { countFailedMail, countMail, listOutbox as outbox } from '../../core/mail/mailer.ts';
import { countUsers } from '../accounts/accounts.service.ts';
import { countOrganizations } from '../organizations/organizations.service.ts';
import { countTerritories } from '../territories/territories.service.ts';

export function listOutbox(ctx: AppContext, options: { limit: number; offset: number; to?: string }) {
  return outbox(ctx.db, options);
}

/** Mail given up after days of retries: every admin page says so until someone looks. */
export function failedMailCount(ctx: AppContext): Promise<number> {
  return countFailedMail(ctx.db);
}

export async function getOutboxMessage(ctx: AppContext, id: number) {
  const message = await ctx.db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!message) throw new DomainError('not_found');
  return message;
}

export async function listAudit(ctx: AppContext, options: { limit: number; offset: number }) {
  const [items, total] = await Promise.all([
    ctx.db
      .selectFrom('audit_log as a')
      .leftJoin('users as u', 'u.id', 'a.actor_id')
      .select(['a.id', 'a.action', 'a.subject_type', 'a.subject_id', 'a.details', 'a.ip', 'a.created_at', 'u.email as actor_email'])
      .orderBy('a.id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    ctx.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export async function siteCounts(ctx: AppContext) {
  const [users, organizations, territories, mail] = await Promise.all([countUsers(ctx), countOrganizations(ctx), countTerritories(ctx), countMail(ctx.db)]);
  return { users, organizations, territories, mail };
}
