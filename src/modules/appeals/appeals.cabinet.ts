/**
 * What the addressee does with an appeal in its service cabinet (the cabinet module's pages and API call
 * these): its inbox of appeals with their 59-FZ terms, registration (one or several at once, each with the
 * body's own number), assignment to a clerk, and the one extension of the answer term (Art. 12 p. 2). Each
 * use case is one transaction, every change is audited, and what is public goes on the timeline under the
 * organization's name.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import { audit, currentAuditOrigin } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealStatus, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { staffColumns } from '../accounts/accounts.service.ts';
import type { NotificationEvent } from '../notifications/notifications.rules.ts';
import { notify, notifyInBatches } from '../notifications/notifications.service.ts';
import { memberIds, memberOf } from '../organizations/organizations.members.ts';
import { problemIn, recordEvent } from '../problems/problems.service.ts';
import { territoryIdsWithin, timeZoneOf } from '../territories/territories.service.ts';
import './appeals.policy.ts';
import { CalendarYearMissingError, deadlines, extendAnswerTerm, localDate, maxExtensionDays } from './appeals.deadlines.ts';
import { appealAudience } from './appeals.notices.ts';
import { awaitsAnswer, canPerform, nextStatus } from './appeals.rules.ts';
import { organizationOf } from './appeals.service.ts';
import { publicCount } from './appeals.signing.ts';

/** The states an addressee sees in its inbox: from the moment the appeal went out. */
export const inboxStatuses: readonly AppealStatus[] = ['sent', 'registered', 'answered', 'review', 'closed', 'forwarded'];

export type InboxState = 'awaiting' | 'unregistered' | 'registered' | 'review' | 'closed' | 'all';
export const inboxStates: readonly InboxState[] = ['awaiting', 'unregistered', 'registered', 'review', 'closed', 'all'];
export type InboxSort = 'due' | 'received' | 'signatures';
export const inboxSorts: readonly InboxSort[] = ['due', 'received', 'signatures'];

export interface InboxFilter {
  state: InboxState;
  overdue: boolean;
  /** A clerk's user id, `none` for appeals nobody is assigned to, or null for all. */
  assignee: number | 'none' | null;
  territoryOktmo: string | null;
  categorySlug: string | null;
  /** Words of the title, or an appeal's number or registration number. */
  search: string;
  sort: InboxSort;
  page: number;
  perPage: number;
}

export interface InboxItem {
  id: number;
  problem_id: number;
  title: string;
  status: AppealStatus;
  sent_at: Date | null;
  registration_number: string | null;
  registration_due_at: Date | null;
  answer_due_at: Date | null;
  answer_overdue_at: Date | null;
  extended_at: Date | null;
  answered_at: Date | null;
  assignee_id: number | null;
  assignee_first_name: string | null;
  assignee_surname: string | null;
  signatures: number;
}

/** Past this many matches the inbox says «более 10 000» instead of counting them all. */
export const inboxCountCap = 10_000;

/**
 * What the inbox's filters ask of an appeal. The states are literals, so the planner proves the predicates of the
 * partial indexes: appeals_inbox_idx (every inbox state, by due date), and for the appeals awaiting an answer
 * appeals_awaiting_due_idx, appeals_awaiting_assignee_idx and appeals_awaiting_received_idx (migration 0023).
 * `territoryIds` are the ids the territory filter stands for (territoryIdsWithin), resolved beforehand.
 */
function inboxConditions(organizationId: number, filter: InboxFilter, territoryIds: readonly number[] | null, now: Date): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [
    sql<SqlBool>`a.organization_id = ${organizationId}`,
    sql<SqlBool>`a.status in (${sql.join(inboxStatuses.map((status) => sql.lit(status)))})`,
  ];
  const awaiting = sql.join(['sent', 'registered'].map((status) => sql.lit(status)));
  if (filter.state === 'awaiting') conditions.push(sql<SqlBool>`a.status in (${awaiting})`);
  else if (filter.state === 'unregistered') conditions.push(sql<SqlBool>`a.status = 'sent'`);
  else if (filter.state === 'registered') conditions.push(sql<SqlBool>`a.status = 'registered'`);
  else if (filter.state === 'review') conditions.push(sql<SqlBool>`a.status in ('answered', 'review')`);
  else if (filter.state === 'closed') conditions.push(sql<SqlBool>`a.status in ('closed', 'forwarded')`);
  if (filter.overdue) conditions.push(sql<SqlBool>`a.status in (${awaiting}) and a.answer_due_at < ${now}`);
  if (filter.assignee === 'none') conditions.push(sql<SqlBool>`a.assignee_id is null`);
  else if (filter.assignee !== null) conditions.push(sql<SqlBool>`a.assignee_id = ${filter.assignee}`);
  // A probe of the appeal's problem per row, in the list's own order (a semi-join against every problem of the
  // territory or category on the whole platform read tens of thousands of them).
  if (territoryIds || filter.categorySlug) conditions.push(problemIn(sql.ref('a.problem_id'), { territoryIds, categorySlug: filter.categorySlug }));
  const search = filter.search.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (search) {
    const number = /^№?\s*(\d{1,9})$/.exec(search)?.[1];
    const byText = sql<SqlBool>`(to_tsvector('russian', a.title) @@ websearch_to_tsquery('russian', ${search}) or a.registration_number = ${search})`;
    conditions.push(number ? sql<SqlBool>`(a.id = ${Number(number)} or ${byText})` : byText);
  }
  return conditions;
}

/** One page of the organization's inbox, and how many match (exactly up to the cap). */
export async function organizationInbox(
  ctx: AppContext,
  organizationId: number,
  filter: InboxFilter,
): Promise<{ items: InboxItem[]; total: number; capped: boolean }> {
  const territoryIds = filter.territoryOktmo ? await territoryIdsWithin(ctx.db, filter.territoryOktmo) : null;
  const where = sql.join(inboxConditions(organizationId, filter, territoryIds, ctx.now()), sql` and `);
  const order =
    filter.sort === 'received'
      ? sql`a.sent_at desc nulls last, a.id desc`
      : filter.sort === 'signatures'
        ? sql`signatures desc, a.id desc`
        : sql`a.answer_due_at asc nulls last, a.id asc`;
  const offset = (filter.page - 1) * filter.perPage;
  // The page's ids first, from the index alone where it can (a deep page skips thousands of rows), then their
  // columns, signatures and assignee for those rows only. The signatures sort probes each candidate's count by id
  // (index-only) rather than joining the counts of every appeal on the platform.
  const signatures = sql`coalesce((select c.signatures from appeal_signature_counts c where c.appeal_id = a.id), 0)`;
  const page = sql`select a.id${filter.sort === 'signatures' ? sql`, ${signatures} as signatures` : sql``} from appeals a where ${where}
    order by ${order} limit ${filter.perPage} offset ${offset}`;
  const [rows, counted] = await Promise.all([
    sql<InboxItem>`
      select a.id, a.problem_id, a.title, a.status, a.sent_at, a.registration_number, a.registration_due_at, a.answer_due_at,
        a.answer_overdue_at, a.extended_at, a.answered_at, a.assignee_id, u.first_name as assignee_first_name, u.surname as assignee_surname,
        ${signatures}::int as signatures
      from (${page}) p
      join appeals a on a.id = p.id
      left join (${staffColumns(ctx.db)}) u on u.id = a.assignee_id
      order by ${order}`.execute(ctx.db),
    sql<{ n: number }>`select count(*)::int as n from (select 1 from appeals a where ${where} limit ${inboxCountCap + 1}) matches`.execute(ctx.db),
  ]);
  const n = Number(counted.rows[0]?.n ?? 0);
  return { items: rows.rows, total: Math.min(n, inboxCountCap), capped: n > inboxCountCap };
}

/**
 * Counts for the cabinet's home: how many await an answer, how many of those are overdue or not registered, how
 * many are in review. Each is its own index-only count of the few appeals still in work (the awaiting ones in
 * appeals_awaiting_due_idx, the others by state in appeals_organization_idx), never a pass over every closed one.
 */
export async function inboxSummary(
  ctx: AppContext,
  organizationId: number,
): Promise<{ awaiting: number; overdue: number; unregistered: number; review: number; mine: number }> {
  const awaiting = sql`a.organization_id = ${organizationId} and a.status in ('sent', 'registered')`;
  const { rows } = await sql<{ awaiting: number; overdue: number; unregistered: number; review: number; mine: number }>`
    select (select count(*) from appeals a where ${awaiting})::int as awaiting,
      (select count(*) from appeals a where ${awaiting} and a.answer_due_at < ${ctx.now()})::int as overdue,
      (select count(*) from appeals a where a.organization_id = ${organizationId} and a.status = 'sent')::int as unregistered,
      (select count(*) from appeals a where a.organization_id = ${organizationId} and a.status in ('answered', 'review'))::int as review,
      0 as mine`.execute(ctx.db);
  return rows[0] ?? { awaiting: 0, overdue: 0, unregistered: 0, review: 0, mine: 0 };
}

/** The appeal as its addressee's cabinet shows it: refused (not_found) for an appeal that is not the organization's or not yet sent. */
export async function addresseeAppeal(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  appealId: number,
  executor: Executor = ctx.db,
): Promise<Appeal> {
  const appeal =
    Number.isInteger(appealId) && appealId > 0 ? await executor.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst() : undefined;
  if (!appeal || appeal.organization_id !== organizationId || !inboxStatuses.includes(appeal.status)) throw new DomainError('not_found');
  authorize(asker, 'appeal.actAsAddressee', appeal);
  return appeal;
}

/**
 * How the timeline names the one who acted for the organization: its name, and the official's when it chooses to show
 * them — but never through an organization's API token, whose acts are the organization's system's, not its maker's
 * (the audit log names both).
 */
export function onBehalfOf(
  organization: Pick<Organization, 'name' | 'show_official_names'>,
  official: { first_name: string; surname: string; position: string | null } | undefined,
) {
  return {
    byOrganization: organization.name,
    ...(organization.show_official_names && official && !currentAuditOrigin()?.organizationToken
      ? { official: [`${official.first_name} ${official.surname}`, official.position].filter(Boolean).join(', ') }
      : {}),
  };
}

async function officialData(trx: Executor, organization: Organization, actorId: number) {
  return onBehalfOf(organization, await memberOf(trx, organization.id, actorId));
}

export interface RegistrationEntry {
  appealId: number;
  registrationNumber: string;
}

/**
 * The addressee registers one or several of its appeals (59-FZ Art. 8 p. 2) with the numbers its own office gave
 * them, all on one date: each becomes registered and its answer term (30 days, Art. 12 p. 1) runs from that
 * day, replacing the assumed one. All or nothing: a wrong number or an appeal already registered refuses the
 * whole batch, naming the row.
 */
export async function registerAppeals(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  entries: readonly RegistrationEntry[],
  registeredOn: Date | null,
): Promise<number[]> {
  const checks = new FieldChecks();
  const now = ctx.now();
  if (entries.length === 0) checks.add('appealIds', 'required');
  if (entries.length > 100) checks.add('appealIds', 'tooMany', { limit: 100 });
  for (const entry of entries) {
    const number = entry.registrationNumber.trim();
    if (!number) checks.add(`registrationNumber-${entry.appealId}`, 'required');
    else if (characterCount(number) > 100) checks.add(`registrationNumber-${entry.appealId}`, 'tooLong', { limit: 100 });
  }
  if (!registeredOn || Number.isNaN(registeredOn.getTime())) checks.add('registeredOn', 'date');
  else if (localDate(registeredOn, 'Europe/Moscow') > localDate(now, 'Europe/Moscow')) checks.add('registeredOn', 'dateInFuture');
  for (const entry of entries) await addresseeAppeal(ctx, asker, organizationId, entry.appealId);
  checks.throwIfAny();
  const actor = asker as Actor;
  return ctx.db.transaction().execute(async (trx) => {
    const organization = await organizationOf(trx, organizationId);
    const timeZone = await timeZoneOf(trx, organization.territory_id);
    const who = await officialData(trx, organization, actor.id);
    const registered: number[] = [];
    for (const entry of entries) {
      const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', entry.appealId).forUpdate().executeTakeFirstOrThrow();
      if (!canPerform(locked.status, 'register') || !locked.sent_at) {
        throw new DomainError('validation_failed', {}, [
          { field: `registrationNumber-${entry.appealId}`, rule: 'alreadyRegistered', params: { id: entry.appealId } },
        ]);
      }
      if (localDate(registeredOn as Date, timeZone) < localDate(locked.sent_at, timeZone)) {
        throw new DomainError('validation_failed', {}, [{ field: 'registeredOn', rule: 'dateBeforeSent' }]);
      }
      const registeredAt = (registeredOn as Date).getTime() > now.getTime() ? now : (registeredOn as Date);
      let due: ReturnType<typeof deadlines>;
      try {
        due = deadlines(locked.sent_at, registeredAt, timeZone);
      } catch (error) {
        if (!(error instanceof CalendarYearMissingError)) throw error;
        ctx.log.error(
          { year: error.year, appealId: locked.id },
          'the production calendar lacks a year a 59-FZ deadline falls in: add it to data/production-calendar.ts',
        );
        throw new DomainError('validation_failed', {}, [{ field: 'registeredOn', rule: 'calendarYearMissing', params: { year: error.year } }]);
      }
      const number = entry.registrationNumber.trim();
      await trx
        .updateTable('appeals')
        .set({
          status: nextStatus(locked.status, 'register'),
          registration_number: number,
          forwarding_due_at: due.forwarding.dueAt,
          // An extension made before registration keeps its days on top of the new term.
          answer_due_at: locked.extension_days ? extendAnswerTerm(due.answer, locked.extension_days, timeZone).dueAt : due.answer.dueAt,
          updated_at: now,
        })
        .where('id', '=', locked.id)
        .execute();
      await recordEvent(trx, {
        problemId: locked.problem_id,
        appealId: locked.id,
        kind: 'appeal.registered',
        actorId: actor.id,
        data: { registrationNumber: number, registeredOn: localDate(registeredAt, timeZone), answerDueAt: due.answer.dueAt.toISOString(), ...who },
      });
      await audit(trx, {
        actorId: actor.id,
        action: 'cabinet.appeal_register',
        subjectType: 'appeal',
        subjectId: locked.id,
        details: { organizationId, registrationNumber: number },
      });
      registered.push(locked.id);
    }
    return registered;
  });
}

/**
 * Assigns appeals of the organization to one of its officials (or to nobody, `assigneeId` null). The assignee is
 * told of the ones newly given to them. Not public: the audit log keeps it.
 */
export async function assignAppeals(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  appealIds: readonly number[],
  assigneeId: number | null,
): Promise<number[]> {
  const checks = new FieldChecks();
  if (appealIds.length === 0) checks.add('appealIds', 'required');
  if (appealIds.length > 100) checks.add('appealIds', 'tooMany', { limit: 100 });
  checks.throwIfAny();
  const appeals = [];
  for (const appealId of appealIds) appeals.push(await addresseeAppeal(ctx, asker, organizationId, appealId));
  const actor = asker as Actor;
  if (assigneeId !== null && !(Number.isInteger(assigneeId) && assigneeId > 0 && (await memberOf(ctx.db, organizationId, assigneeId)))) {
    throw new DomainError('validation_failed', {}, [{ field: 'assigneeId', rule: 'notMember' }]);
  }
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('appeals')
      .set({ assignee_id: assigneeId, updated_at: ctx.now() })
      .where('id', 'in', appealIds)
      .where('organization_id', '=', organizationId)
      .where((eb) => (assigneeId === null ? eb('assignee_id', 'is not', null) : eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '!=', assigneeId)])))
      .returning(['id', 'problem_id', 'title'])
      .execute();
    for (const row of updated) {
      await audit(trx, {
        actorId: actor.id,
        action: 'cabinet.appeal_assign',
        subjectType: 'appeal',
        subjectId: row.id,
        details: { organizationId, assigneeId },
      });
    }
    if (assigneeId !== null && assigneeId !== actor.id) {
      const organization = await organizationOf(trx, organizationId);
      for (const row of updated) {
        const event: NotificationEvent = {
          kind: 'cabinet.appeal_assigned',
          problemId: row.problem_id,
          appealId: row.id,
          key: `cabinet.appeal_assigned:${row.id}:${assigneeId}:${ctx.now().getTime()}`,
          data: { title: row.title, organization: organization.name, path: `/cabinet/${organization.slug}/appeals/${row.id}` },
        };
        await notify(ctx, trx, event, [{ userId: assigneeId, reason: 'official' }]);
      }
    }
    return updated.map((row) => row.id);
  });
  return changed;
}

/**
 * The one extension of the answer term (59-FZ Art. 12 p. 2): by 1 to 30 days, before the term ends, with a
 * reason. The new due date goes on the timeline; the author, the signers and the followers are told.
 */
export async function extendAnswer(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  appealId: number,
  input: { days: number; reason: string },
): Promise<Appeal> {
  const appeal = await addresseeAppeal(ctx, asker, organizationId, appealId);
  const actor = asker as Actor;
  const checks = new FieldChecks();
  const reason = input.reason.trim();
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > maxExtensionDays)
    checks.add('days', 'outOfRange', { minimum: 1, maximum: maxExtensionDays });
  if (!reason) checks.add('reason', 'required');
  else if (characterCount(reason) < 10) checks.add('reason', 'tooShort', { limit: 10 });
  else if (characterCount(reason) > 2000) checks.add('reason', 'tooLong', { limit: 2000 });
  if (!awaitsAnswer(appeal.status)) throw new DomainError('wrong_state');
  if (appeal.extended_at) throw new DomainError('already_extended');
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!awaitsAnswer(locked.status)) throw new DomainError('wrong_state');
    if (locked.extended_at) throw new DomainError('already_extended');
    if (!locked.answer_due_at || !locked.sent_at) throw new DomainError('wrong_state');
    const now = ctx.now();
    if (locked.answer_due_at.getTime() < now.getTime()) throw new DomainError('extension_too_late');
    const organization = await organizationOf(trx, organizationId);
    const timeZone = await timeZoneOf(trx, organization.territory_id);
    const current = { lastDay: localDate(locked.answer_due_at, timeZone), dueAt: locked.answer_due_at };
    let extended: ReturnType<typeof extendAnswerTerm>;
    try {
      extended = extendAnswerTerm(current, input.days, timeZone);
    } catch (error) {
      if (!(error instanceof CalendarYearMissingError)) throw error;
      throw new DomainError('validation_failed', {}, [{ field: 'days', rule: 'calendarYearMissing', params: { year: error.year } }]);
    }
    const updated = await trx
      .updateTable('appeals')
      .set({ answer_due_at: extended.dueAt, extended_at: now, extension_days: input.days, extension_reason: reason, updated_at: now })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: locked.problem_id,
      appealId,
      kind: 'appeal.extended',
      actorId: actor.id,
      data: { days: input.days, reason, answerDueAt: extended.dueAt.toISOString(), timeZone, ...(await officialData(trx, organization, actor.id)) },
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.appeal_extend',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { organizationId, days: input.days, reason },
    });
    await ctx.jobs.send('appeals.notify-extended', { appealId }, trx);
    return updated;
  });
}

/** The author, the signers and the followers learn of the extension and the new due date. */
export async function notifyExtended(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await ctx.db.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst();
  if (!appeal?.extended_at || !appeal.answer_due_at || !appeal.extension_days || !appeal.extension_reason) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  const [recipients, timeZone] = await Promise.all([appealAudience(ctx, appeal), timeZoneOf(ctx.db, organization.territory_id)]);
  const event: NotificationEvent = {
    kind: 'appeal.extended',
    problemId: appeal.problem_id,
    appealId,
    data: {
      title: appeal.title,
      organization: organization.name,
      answerDueAt: appeal.answer_due_at.toISOString(),
      timeZone,
      days: appeal.extension_days,
      reason: appeal.extension_reason,
    },
  };
  await notifyInBatches(ctx, event, recipients);
}

/** The organization's officials learn that an appeal arrived in its cabinet (the platform sent it). */
export async function notifyReceived(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await ctx.db.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst();
  if (appeal?.sent_by !== 'platform' || !appeal.sent_at) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  const officials = await memberIds(ctx.db, organization.id);
  if (officials.length === 0) return;
  const event: NotificationEvent = {
    kind: 'cabinet.appeal_received',
    problemId: appeal.problem_id,
    appealId,
    data: { title: appeal.title, organization: organization.name, path: `/cabinet/${organization.slug}/appeals/${appeal.id}` },
  };
  await notifyInBatches(
    ctx,
    event,
    officials.map((userId) => ({ userId, reason: 'official' as const })),
  );
}

/** An official left or was removed: the appeals assigned to them are nobody's now (in the caller's transaction). */
export async function unassignMember(trx: Executor, organizationId: number, userId: number): Promise<void> {
  await trx.updateTable('appeals').set({ assignee_id: null }).where('organization_id', '=', organizationId).where('assignee_id', '=', userId).execute();
}

/** The text the signers signed (the frozen revision), for the addressee's cabinet. */
export async function signedText(ctx: AppContext, appeal: Appeal): Promise<string> {
  if (!appeal.frozen_revision_id) return '';
  const row = await ctx.db.selectFrom('appeal_revisions').select('text').where('id', '=', appeal.frozen_revision_id).executeTakeFirst();
  return row?.text ?? '';
}

/**
 * The letter the platform sent the addressee (its PDF with the signatories' names and addresses): only the
 * addressee's own officials get it here (`addresseeAppeal` checked who asks); null for an appeal the author sent.
 */
export async function dispatchedLetter(ctx: AppContext, appeal: Appeal): Promise<{ pdf: Buffer; sha256: string } | null> {
  const row = await ctx.db
    .selectFrom('appeal_documents')
    .select(['pdf', 'sha256'])
    .where('appeal_id', '=', appeal.id)
    .where('kind', '=', 'dispatch')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ?? null;
}

/** The appeal, locked for update in the caller's transaction (publishing the cabinet's answer). */
export function lockedAppeal(trx: Executor, appealId: number): Promise<Appeal> {
  return trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
}

/** How many people signed the letter the addressee received: the dispatched letter's count, else the appeal's count. */
export async function signatoriesOfLetter(ctx: AppContext, appealId: number): Promise<number> {
  const row = await ctx.db
    .selectFrom('appeal_documents')
    .select('signatures_count')
    .where('appeal_id', '=', appealId)
    .where('kind', '=', 'dispatch')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? row.signatures_count : publicCount(ctx, appealId);
}
