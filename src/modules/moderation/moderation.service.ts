/**
 * Moderation: people report items, reports from enough different people hide an item at once pending review, a
 * moderator hides or restores it (one at a time or a page at once) with a reason shown publicly in its place, the
 * author may appeal a decision to hide once, and an administrator decides the appeal. Every decision is in the
 * audit log (who, when, what, why) and told to the item's author. The items belong to other modules: they are
 * read and hidden through moderation.subjects.ts.
 */
import { sql } from 'kysely';
import { type AuditLogEntry, audit, auditEntriesOf } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { isRowId } from '../../core/db/row-id.ts';
import type { ModerationCase, ModerationCaseState, ModerationItemType, ModerationSubjectType, ReportReason } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { translate } from '../../core/i18n/i18n.ts';
import { type Actor, authorize, type Refusal, refusal } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { publicName } from '../accounts/accounts.rules.ts';
import { blockUser, userNameColumns } from '../accounts/accounts.service.ts';
import { appealsSignedBy, visibleAppealsOf } from '../appeals/appeals.moderation.ts';
import { notify } from '../notifications/notifications.service.ts';
import './moderation.policy.ts';
import {
  type AppealOutcome,
  appealMaxLength,
  appealMinLength,
  bulkMax,
  type Decision,
  detailsMaxLength,
  hidesPendingReview,
  isDecision,
  isReportReason,
  type ReportTarget,
  reasonMaxLength,
  reasonMinLength,
  reportRefusal,
  stateAfterReport,
} from './moderation.rules.ts';
import { hideSubject, restoreSubject, type Subject, subjectOf, visibleSubjectsOf } from './moderation.subjects.ts';

/** Where an author finds his hidden items and appeals: what the notifications link to. */
const minePath = '/moderation/mine';

function tidy(value: string): string {
  return value.replace(/\r\n?/g, '\n').trim();
}

function checkReason(checks: FieldChecks, field: string, reason: string): void {
  if (!reason) checks.add(field, 'required');
  else if (characterCount(reason) < reasonMinLength) checks.add(field, 'tooShort', { limit: reasonMinLength });
  else if (characterCount(reason) > reasonMaxLength) checks.add(field, 'tooLong', { limit: reasonMaxLength });
}

export interface ReportInput {
  subjectType: ModerationItemType;
  subjectId: number;
  /** The item itself (the default), or its author, reported through it. */
  target?: ReportTarget;
  reason: string;
  details: string;
}

/**
 * What a report through this item is about, for the form to show it and the report to file it: the item, or its
 * author (with the item as the origin). Not found when the item is not shown, or has no author left to report.
 */
export async function reportable(
  ctx: AppContext,
  type: ModerationItemType,
  id: number,
  target: ReportTarget = 'item',
): Promise<{ subject: Subject; origin: Subject | null }> {
  const item = await subjectOf(ctx, ctx.db, type, id);
  if (!item || item.hidden) throw new DomainError('not_found');
  if (target === 'item') return { subject: item, origin: null };
  // Only where his name is shown: a problem's and a comment's author are named on the page, an appeal's author is
  // not (anyone may start an appeal on a problem), and a rating's signer only if he agreed to it. The form about a
  // person names him, so it would tell who he is; the appeal's text and the rating's comment are reported themselves.
  if (type === 'appeal' || type === 'rating') throw new DomainError('not_found');
  const person = item.authorId === null ? null : await subjectOf(ctx, ctx.db, 'user', item.authorId);
  // Reported from something of his that is shown, so where he is shown is there.
  if (!person || person.hidden) throw new DomainError('not_found');
  return { subject: { ...person, href: item.href }, origin: item };
}

/**
 * A signed-in person reports a visible item (not his own), or its author (not himself), once. The report that
 * brings the open reports of different people to the threshold hides an item at once, pending a moderator's
 * review, and tells its author; a person stays as he is until a moderator decides.
 */
export async function report(ctx: AppContext, asker: Actor | null, input: ReportInput): Promise<{ state: ModerationCaseState; href: string }> {
  const actor = authorize(asker, 'content.report');
  const details = tidy(input.details);
  const checks = new FieldChecks();
  if (!isReportReason(input.reason)) checks.add('reason', 'required');
  if (characterCount(details) > detailsMaxLength) checks.add('details', 'tooLong', { limit: detailsMaxLength });
  if (input.reason === 'other' && !details) checks.add('details', 'required');
  const { subject, origin } = await reportable(ctx, input.subjectType, input.subjectId, input.target ?? 'item');
  const refused = reportRefusal(actor.id, subject.authorId);
  if (refused) throw new DomainError(refused);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const opened = await trx
      .insertInto('moderation_cases')
      .values({ subject_type: subject.type, subject_id: subject.id, author_id: subject.authorId })
      .onConflict((oc) => oc.columns(['subject_type', 'subject_id']).doUpdateSet({ updated_at: now }))
      .returning(['id'])
      .executeTakeFirstOrThrow();
    // The case row locked (the upsert did), so two reports at once count one after the other.
    const inserted = await trx
      .insertInto('moderation_reports')
      .values({
        case_id: opened.id,
        reporter_id: actor.id,
        reason: input.reason as ReportReason,
        details: details || null,
        origin_type: origin ? input.subjectType : null,
        origin_id: origin ? input.subjectId : null,
      })
      .onConflict((oc) => oc.columns(['case_id', 'reporter_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    const current = await trx.selectFrom('moderation_cases').select(['state']).where('id', '=', opened.id).executeTakeFirstOrThrow();
    if (!inserted) {
      // About a person, a second report is answered as the first was, so that reporting the authors of two items
      // does not tell whether they are one person; nothing is counted twice.
      if (subject.type === 'user') return { state: current.state, href: subject.href };
      throw new DomainError('already_reported');
    }
    const counted = await trx
      .updateTable('moderation_cases')
      .set((eb) => ({ open_reports: eb('open_reports', '+', 1), last_reported_at: now, state: stateAfterReport(current.state), updated_at: now }))
      .where('id', '=', opened.id)
      .returning(['id', 'state', 'open_reports', 'author_id'])
      .executeTakeFirstOrThrow();
    // The site setting (admin.settings.ts, REPORT_THRESHOLD by default), read in this transaction.
    const { reportThreshold: threshold } = await ctx.ports.settings.current(ctx, trx);
    if (subject.type === 'user' || !hidesPendingReview(subject.type, counted.state, counted.open_reports, threshold)) {
      return { state: counted.state, href: subject.href };
    }
    // Written in Russian as the moderators' reasons are: it is shown in place of the item, in any language of the page.
    await hideSubject(ctx, trx, subject.type, subject.id, translate('ru', 'moderation.pendingReason'));
    await trx.updateTable('moderation_cases').set({ state: 'auto_hidden', updated_at: now }).where('id', '=', counted.id).execute();
    await audit(trx, {
      actorId: null,
      action: 'moderation.auto_hidden',
      subjectType: subject.type,
      subjectId: subject.id,
      details: { caseId: counted.id, reports: counted.open_reports, threshold },
    });
    if (counted.author_id !== null) {
      await notify(
        ctx,
        trx,
        {
          kind: 'moderation.hidden_pending',
          problemId: null,
          key: `moderation.hidden_pending:${counted.id}:${now.getTime()}`,
          data: { context: subject.context, path: minePath },
        },
        [{ userId: counted.author_id, reason: 'author' }],
      );
    }
    return { state: 'auto_hidden' as const, href: subject.href };
  });
}

export interface DecisionInput {
  caseIds: readonly number[];
  decision: Decision;
  reason: string;
  /**
   * When each case was last decided as the moderator saw it (ms since the epoch, 0 for never), by case id. A case
   * decided since then by someone else refuses the whole decision (case_already_decided) instead of overwriting
   * it unseen; a case missing here is not checked (an API client that does not say).
   */
  seen?: ReadonlyMap<number, number>;
}

/**
 * The cases this person is party to, so not their judge: those he reported, and appeals he signed (signature
 * moderation refuses signers too). The rule calls both `reportedByActor`.
 */
async function involvedIn(executor: Executor, cases: readonly ModerationCase[], userId: number): Promise<Set<number>> {
  if (cases.length === 0) return new Set();
  const rows = await executor
    .selectFrom('moderation_reports')
    .select('case_id')
    .where(
      'case_id',
      'in',
      cases.map((item) => item.id),
    )
    .where('reporter_id', '=', userId)
    .execute();
  const involved = new Set(rows.map((row) => row.case_id));
  const appeals = cases.filter((item) => item.subject_type === 'appeal');
  const signed = await appealsSignedBy(
    executor,
    appeals.map((item) => item.subject_id),
    userId,
  );
  for (const item of appeals) if (signed.has(item.subject_id)) involved.add(item.id);
  return involved;
}

/**
 * Two moderators on one case: the second learns of the first's decision. `seen` is the case's last decision as his
 * page showed it (ms, 0 for none; undefined: not said, not checked); the caller holds the row locked, so this is exact.
 */
function refuseIfDecidedSince(item: ModerationCase, seen: number | undefined): void {
  if (seen !== undefined && seen !== (item.decided_at?.getTime() ?? 0)) throw new DomainError('case_already_decided');
}

/** Settles a case's open reports: the decision answered them. */
async function resolveReports(trx: Executor, caseId: number, now: Date): Promise<void> {
  await trx.updateTable('moderation_reports').set({ resolved_at: now }).where('case_id', '=', caseId).where('resolved_at', 'is', null).execute();
}

function decisionSubject(item: ModerationCase, reported: boolean) {
  return { authorId: item.author_id, state: item.state, appealPending: item.appealed_at !== null && item.appeal_outcome === null, reportedByActor: reported };
}

/**
 * A moderator hides or restores items, one or a page at once, with one reason: all or nothing, so a refused item
 * (his own, one he reported, one under appeal) leaves the others as they were and says which. The reason of a
 * hide is shown publicly in the item's place; a restore's is kept in the audit log.
 */
export async function decide(ctx: AppContext, asker: Actor | null, input: DecisionInput): Promise<{ decided: number }> {
  const reason = tidy(input.reason);
  const ids = [...new Set(input.caseIds)].filter(isRowId);
  const checks = new FieldChecks();
  if (!isDecision(input.decision)) checks.add('decision', 'required');
  if (ids.length === 0) checks.add('case', 'required');
  else if (ids.length > bulkMax) checks.add('case', 'tooMany', { limit: bulkMax });
  checkReason(checks, 'reason', reason);
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('moderation_cases').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
    if (rows.length !== ids.length) throw new DomainError('not_found');
    for (const item of rows) refuseIfDecidedSince(item, input.seen?.get(item.id));
    const actorId = asker?.id ?? 0;
    const reported = await involvedIn(trx, rows, actorId);
    for (const item of rows) authorize(asker, 'moderation.decide', decisionSubject(item, reported.has(item.id)));
    // An administrator reversed the hiding on the author's appeal, and the author has no second appeal: a
    // moderator does not hide it again over that decision (an administrator may).
    if (input.decision === 'hide' && asker?.role !== 'admin' && rows.some((item) => item.appeal_outcome === 'reversed')) {
      throw new DomainError('wrong_state');
    }
    // A person is not hidden: he is blocked, on his case's own form with its confirmation (blockAuthor), never as
    // one line of a bulk hide. Dismissing the reports about him is a decision like any other.
    if (input.decision === 'hide' && rows.some((item) => item.subject_type === 'user')) throw new DomainError('wrong_state');
    // Nor is a block undone here: it hid everything of his, which a dismissal would not bring back, and a later block
    // by someone else is not this case's to lift. An administrator lifts it on the person's page.
    if (input.decision === 'restore' && rows.some((item) => item.subject_type === 'user' && item.state === 'hidden')) throw new DomainError('wrong_state');
    const now = ctx.now();
    for (const item of rows) {
      const subject = await subjectOf(ctx, trx, item.subject_type, item.subject_id);
      // A person's case dismissed changes nothing of his: only the reports are settled.
      if (item.subject_type !== 'user') {
        if (input.decision === 'hide') await hideSubject(ctx, trx, item.subject_type, item.subject_id, reason);
        else await restoreSubject(ctx, trx, item.subject_type, item.subject_id);
      }
      await trx
        .updateTable('moderation_cases')
        .set({
          state: input.decision === 'hide' ? 'hidden' : 'restored',
          public_reason: input.decision === 'hide' ? reason : null,
          decided_by: actorId,
          decided_at: now,
          open_reports: 0,
          updated_at: now,
        })
        .where('id', '=', item.id)
        .execute();
      await resolveReports(trx, item.id, now);
      await audit(trx, {
        actorId,
        action: input.decision === 'hide' ? 'moderation.hide' : 'moderation.restore',
        subjectType: item.subject_type,
        subjectId: item.subject_id,
        details: { caseId: item.id, reason, reports: item.open_reports, bulk: rows.length > 1 },
      });
      // The author hears of a hide, and of a restore of what had been hidden (a report dismissed is no news to him).
      const wasHidden = item.state === 'auto_hidden' || item.state === 'hidden';
      if (item.author_id !== null && subject && (input.decision === 'hide' || wasHidden)) {
        await notify(
          ctx,
          trx,
          input.decision === 'hide'
            ? {
                kind: 'moderation.hidden',
                problemId: null,
                key: `moderation.hidden:${item.id}:${now.getTime()}`,
                data: { context: subject.context, reason, path: minePath },
              }
            : {
                kind: 'moderation.restored',
                problemId: null,
                key: `moderation.restored:${item.id}:${now.getTime()}`,
                data: { context: subject.context, path: minePath },
              },
          [{ userId: item.author_id, reason: 'author' }],
        );
      }
    }
    return { decided: rows.length };
  });
}

/** The author appeals a moderator's decision to hide his item, once, with his reasons; an administrator decides. */
export async function appealDecision(ctx: AppContext, asker: Actor | null, caseId: number, input: { text: string }): Promise<void> {
  const text = tidy(input.text);
  await ctx.db.transaction().execute(async (trx) => {
    const item = isRowId(caseId) ? await trx.selectFrom('moderation_cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst() : undefined;
    // Somebody else's case does not exist for him.
    if (!item || item.author_id !== asker?.id) throw new DomainError('not_found');
    const actor = authorize(asker, 'moderation.appeal', { authorId: item.author_id, state: item.state, appealedAt: item.appealed_at });
    const checks = new FieldChecks();
    if (!text) checks.add('text', 'required');
    else if (characterCount(text) < appealMinLength) checks.add('text', 'tooShort', { limit: appealMinLength });
    else if (characterCount(text) > appealMaxLength) checks.add('text', 'tooLong', { limit: appealMaxLength });
    checks.throwIfAny();
    await trx.updateTable('moderation_cases').set({ appeal_text: text, appealed_at: ctx.now(), updated_at: ctx.now() }).where('id', '=', item.id).execute();
    await audit(trx, {
      actorId: actor.id,
      action: 'moderation.appealed',
      subjectType: item.subject_type,
      subjectId: item.subject_id,
      details: { caseId: item.id },
    });
  });
}

/** An administrator upholds (the item stays hidden) or reverses (it is shown again) an author's appeal, with a reason. */
export async function decideAppeal(ctx: AppContext, asker: Actor | null, caseId: number, input: { outcome: AppealOutcome; reason: string }): Promise<void> {
  const reason = tidy(input.reason);
  const checks = new FieldChecks();
  if (input.outcome !== 'upheld' && input.outcome !== 'reversed') checks.add('outcome', 'required');
  checkReason(checks, 'reason', reason);
  await ctx.db.transaction().execute(async (trx) => {
    const item = isRowId(caseId) ? await trx.selectFrom('moderation_cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst() : undefined;
    if (!item) throw new DomainError('not_found');
    const reported = await involvedIn(trx, [item], asker?.id ?? 0);
    const actor = authorize(asker, 'moderation.decideAppeal', decisionSubject(item, reported.has(item.id)));
    checks.throwIfAny();
    const now = ctx.now();
    const subject = await subjectOf(ctx, trx, item.subject_type, item.subject_id);
    // A blocked person cannot sign in to appeal; were his case appealed, the block is lifted on his page, not here.
    if (input.outcome === 'reversed' && item.subject_type !== 'user') await restoreSubject(ctx, trx, item.subject_type, item.subject_id);
    await trx
      .updateTable('moderation_cases')
      .set({
        appeal_outcome: input.outcome,
        appeal_reason: reason,
        appeal_decided_by: actor.id,
        appeal_decided_at: now,
        ...(input.outcome === 'reversed' ? { state: 'restored' as const, public_reason: null } : {}),
        updated_at: now,
      })
      .where('id', '=', item.id)
      .execute();
    await audit(trx, {
      actorId: actor.id,
      action: input.outcome === 'reversed' ? 'moderation.appeal_reversed' : 'moderation.appeal_upheld',
      subjectType: item.subject_type,
      subjectId: item.subject_id,
      details: { caseId: item.id, reason },
    });
    if (item.author_id !== null && subject) {
      await notify(
        ctx,
        trx,
        {
          kind: input.outcome === 'reversed' ? 'moderation.appeal_reversed' : 'moderation.appeal_upheld',
          problemId: null,
          key: `moderation.appeal:${item.id}`,
          data: { context: subject.context, reason, path: minePath },
        },
        [{ userId: item.author_id, reason: 'author' }],
      );
    }
  });
}

/**
 * Whether this person is party to anything about `personId`, so not the one to block him: he reported the person
 * or any item of his (now or before), or signed an appeal of his (blocking hides it).
 */
async function involvedWithPerson(executor: Executor, userId: number, personId: number): Promise<boolean> {
  const reported = await executor
    .selectFrom('moderation_reports as r')
    .innerJoin('moderation_cases as c', 'c.id', 'r.case_id')
    .select('r.id')
    .where('r.reporter_id', '=', userId)
    .where('c.author_id', '=', personId)
    .limit(1)
    .executeTakeFirst();
  if (reported) return true;
  return (await appealsSignedBy(executor, await visibleAppealsOf(executor, personId), userId)).size > 0;
}

/**
 * A moderator blocks the author of a reported item (accounts' blockUser: the reason is shown to him, his sessions
 * and tokens stop) and, in the same transaction, hides everything of his that is still shown — problems,
 * comments, appeal texts, rating comments — with the same reason in their place, each a decided case in the log.
 * Who may block whom is the accounts module's rule (a moderator blocks citizens only); this case's own rule too.
 */
export async function blockAuthor(
  ctx: AppContext,
  asker: Actor | null,
  caseId: number,
  input: { reason: string /** The case's last decision as the page showed it (ms, 0 for none): see DecisionInput.seen. */; seen?: number },
): Promise<{ hidden: number }> {
  const reason = tidy(input.reason);
  const checks = new FieldChecks();
  checkReason(checks, 'reason', reason);
  return ctx.db.transaction().execute(async (trx) => {
    const item = isRowId(caseId) ? await trx.selectFrom('moderation_cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst() : undefined;
    if (!item) throw new DomainError('not_found');
    refuseIfDecidedSince(item, input.seen);
    const actorId = asker?.id ?? 0;
    // Party to this case, or to anything else about the person he would block (another case, an appeal he signed).
    const reported =
      (await involvedIn(trx, [item], actorId)).has(item.id) || (item.author_id !== null && (await involvedWithPerson(trx, actorId, item.author_id)));
    const actor = authorize(asker, 'moderation.decide', decisionSubject(item, reported));
    if (item.author_id === null) throw new DomainError('not_found');
    checks.throwIfAny();
    const hidden = await blockAndHide(ctx, trx, actor.id, item.author_id, reason);
    // A case about the person himself is decided by it too.
    if (item.subject_type === 'user') {
      const now = ctx.now();
      await trx
        .updateTable('moderation_cases')
        .set({ state: 'hidden', public_reason: reason, decided_by: actor.id, decided_at: now, open_reports: 0, updated_at: now })
        .where('id', '=', item.id)
        .execute();
      await resolveReports(trx, item.id, now);
    }
    return { hidden };
  });
}

/**
 * Blocks a person (accounts' blockUser: the reason is shown to him, his sessions and tokens stop; who may block
 * whom is its rule) and hides everything of his still shown, each a decided case in the log. In the caller's
 * transaction. The number of items hidden.
 */
async function blockAndHide(ctx: AppContext, trx: Executor, actorId: number, userId: number, reason: string): Promise<number> {
  await blockUser(trx, { actorId, userId, reason });
  const now = ctx.now();
  const subjects = await visibleSubjectsOf(trx, userId);
  for (const subject of subjects) {
    await hideSubject(ctx, trx, subject.type, subject.id, reason);
    const decided = await trx
      .insertInto('moderation_cases')
      .values({
        subject_type: subject.type,
        subject_id: subject.id,
        author_id: userId,
        state: 'hidden',
        public_reason: reason,
        decided_by: actorId,
        decided_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['subject_type', 'subject_id'])
          .doUpdateSet({ state: 'hidden', public_reason: reason, decided_by: actorId, decided_at: now, open_reports: 0, updated_at: now }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    await resolveReports(trx, decided.id, now);
    await audit(trx, {
      actorId,
      action: 'moderation.hide',
      subjectType: subject.type,
      subjectId: subject.id,
      details: { caseId: decided.id, reason, authorBlocked: true },
    });
  }
  return subjects.length;
}

// ——— Reading ———

export const queueSorts = ['oldest', 'newest', 'reports'] as const;
export type QueueSort = (typeof queueSorts)[number];

export interface QueueItem {
  case: ModerationCase;
  subject: Subject | null;
  /** How many open reports give each reason, most frequent first. */
  reasons: { reason: ReportReason; count: number }[];
}

async function withSubjects(ctx: AppContext, executor: Executor, cases: ModerationCase[]): Promise<QueueItem[]> {
  if (cases.length === 0) return [];
  const reasonRows = await executor
    .selectFrom('moderation_reports')
    .select(['case_id', 'reason', sql<number>`count(*)::int`.as('n')])
    .where(
      'case_id',
      'in',
      cases.map((item) => item.id),
    )
    .where('resolved_at', 'is', null)
    .groupBy(['case_id', 'reason'])
    .execute();
  const reasons = new Map<number, { reason: ReportReason; count: number }[]>();
  for (const row of reasonRows) reasons.set(row.case_id, [...(reasons.get(row.case_id) ?? []), { reason: row.reason, count: row.n }]);
  for (const list of reasons.values()) list.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return Promise.all(
    cases.map(async (item) => ({
      case: item,
      subject: await subjectOf(ctx, executor, item.subject_type, item.subject_id),
      reasons: reasons.get(item.id) ?? [],
    })),
  );
}

/** The moderators' queue: items with open reports, the hidden-pending-review ones first, then by the chosen order. */
export async function queue(
  ctx: AppContext,
  asker: Actor | null,
  options: { sort: QueueSort; limit: number; offset: number },
): Promise<{ items: QueueItem[]; total: number }> {
  authorize(asker, 'moderation.queue');
  const base = ctx.db.selectFrom('moderation_cases').where('open_reports', '>', 0);
  const [rows, total] = await Promise.all([
    base
      .selectAll()
      .orderBy(sql`state = 'auto_hidden'`, 'desc')
      .$call((qb) =>
        options.sort === 'reports'
          ? qb.orderBy('open_reports', 'desc').orderBy('last_reported_at', 'asc')
          : qb.orderBy('last_reported_at', options.sort === 'oldest' ? 'asc' : 'desc'),
      )
      .orderBy('id')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: await withSubjects(ctx, ctx.db, rows), total: Number(total.n) };
}

/** The administrators' list of appeals waiting for a decision, oldest first. */
export async function pendingAppeals(ctx: AppContext, asker: Actor | null): Promise<QueueItem[]> {
  if (asker?.role !== 'admin') authorize(asker, 'moderation.queue');
  const rows = await ctx.db
    .selectFrom('moderation_cases')
    .selectAll()
    .where('appealed_at', 'is not', null)
    .where('appeal_outcome', 'is', null)
    .orderBy('appealed_at')
    .limit(200)
    .execute();
  return withSubjects(ctx, ctx.db, rows);
}

export interface CaseReport {
  id: number;
  reason: ReportReason;
  details: string | null;
  /** For a report about a person: the item of his it was made through, if it is still there. */
  origin: Pick<Subject, 'type' | 'context' | 'href'> | null;
  reporter: string | null;
  reporterId: number;
  created_at: Date;
  resolved_at: Date | null;
}

export interface CaseDetails extends QueueItem {
  reports: CaseReport[];
  /** The case's decisions from the audit log, oldest first. */
  history: AuditLogEntry[];
  /** The case is about the asking moderator's own item: the reporters' names are not his to see. */
  reportersWithheld: boolean;
  /** Why the person asking may not decide on it (own item, reported by him, under appeal), or null. */
  refusal: Refusal | null;
}

export async function caseDetails(ctx: AppContext, asker: Actor | null, caseId: number): Promise<CaseDetails> {
  const actor = authorize(asker, 'moderation.queue');
  const item = isRowId(caseId) ? await ctx.db.selectFrom('moderation_cases').selectAll().where('id', '=', caseId).executeTakeFirst() : undefined;
  if (!item) throw new DomainError('not_found');
  const [[withSubject], reports, history, involved] = await Promise.all([
    withSubjects(ctx, ctx.db, [item]),
    ctx.db
      .selectFrom('moderation_reports as r')
      .leftJoin(userNameColumns(ctx.db).as('u'), 'u.id', 'r.reporter_id')
      .select(['r.id', 'r.reason', 'r.details', 'r.origin_type', 'r.origin_id', 'r.reporter_id', 'r.created_at', 'r.resolved_at', 'u.first_name', 'u.surname'])
      .where('r.case_id', '=', item.id)
      .orderBy('r.id')
      .execute(),
    auditEntriesOf(ctx.db, { type: item.subject_type, id: item.subject_id, actionPrefix: 'moderation.' }),
    involvedIn(ctx.db, [item], actor.id),
  ]);
  // A moderator looking at a case about his own item is its author: he learns what was reported, never by whom.
  const reportersWithheld = item.author_id === actor.id;
  // What each report about a person was made through, read once per item however many reports share it.
  const origins = new Map<string, CaseReport['origin']>();
  for (const row of reports) {
    const key = `${row.origin_type}:${row.origin_id}`;
    if (!row.origin_type || row.origin_id === null || origins.has(key)) continue;
    const origin = await subjectOf(ctx, ctx.db, row.origin_type, row.origin_id);
    origins.set(key, origin && { type: origin.type, context: origin.context, href: origin.href });
  }
  return {
    ...(withSubject as QueueItem),
    reports: reports.map((row) => ({
      id: row.id,
      reason: row.reason,
      details: row.details,
      origin: origins.get(`${row.origin_type}:${row.origin_id}`) ?? null,
      reporter: !reportersWithheld && row.first_name && row.surname ? publicName(row.first_name, row.surname) : null,
      reporterId: row.reporter_id,
      created_at: row.created_at,
      resolved_at: row.resolved_at,
    })),
    history,
    reportersWithheld,
    // The decision's own policy says why this person may not decide here (his item, one he reported or signed, an appeal pending).
    refusal: refusal(actor, 'moderation.decide', decisionSubject(item, involved.has(item.id))),
  };
}

/** The person's own items that moderation hid (or hid and then restored), newest first, for the appeal. */
export async function myCases(ctx: AppContext, asker: Actor | null): Promise<QueueItem[]> {
  const actor = authorize(asker, 'moderation.mine');
  const rows = await ctx.db
    .selectFrom('moderation_cases')
    .selectAll()
    .where('author_id', '=', actor.id)
    // Reports about the person himself are not his to read: a block is told to him when he signs in.
    .where('subject_type', '<>', 'user')
    .where((eb) => eb.or([eb('state', 'in', ['auto_hidden', 'hidden']), eb('decided_at', 'is not', null)]))
    .orderBy('updated_at', 'desc')
    .limit(100)
    .execute();
  return withSubjects(ctx, ctx.db, rows);
}
