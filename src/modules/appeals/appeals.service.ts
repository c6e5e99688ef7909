/**
 * Appeals: drafting (versioned text), opening for signatures (the text freezes), the author's own
 * sending, withdrawal. Each use case is one transaction. Signing and the threshold are in
 * appeals.signing.ts, the platform's dispatch in appeals.dispatch.ts, the pages' read models in
 * appeals.queries.ts.
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks, ValidationError } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { organizationById, organizationExists } from '../organizations/organizations.service.ts';
import { findProhibitedLanguage } from '../problems/problems.language.ts';
import { getProblemRow, recordEvent } from '../problems/problems.service.ts';
import './appeals.policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import { CalendarYearMissingError, deadlines, localDate } from './appeals.deadlines.ts';
import { documentToText, markdownToDocument, type RichDocument } from './appeals.document.ts';
import { checkText, revisionContent, type SaveTextOutcome, writeText } from './appeals.revisions.ts';
import { canPerform, nextStatus, normalizeAppealText, statusesAllowing, textSha256 } from './appeals.rules.ts';
import { countSignatures, forgetCount } from './appeals.signing.ts';

export interface AppealDraftInput {
  organizationId: number | null;
  title: string;
  text: string;
}

function checkDraft(checks: FieldChecks, input: { title: string; text: string }): RichDocument {
  const title = input.title.trim();
  if (!title) checks.add('title', 'required');
  else if (characterCount(title) < 5) checks.add('title', 'tooShort', { limit: 5 });
  else if (characterCount(title) > 300) checks.add('title', 'tooLong', { limit: 300 });
  // The text comes as Markdown (the form and the API); what is checked is the plain text the letter will print.
  const doc = markdownToDocument(input.text);
  checkText(checks, normalizeAppealText(documentToText(doc)));
  return doc;
}

export async function getAppealRow(ctx: AppContext, appealId: number, executor: Executor = ctx.db): Promise<Appeal> {
  const appeal =
    Number.isInteger(appealId) && appealId > 0 ? await executor.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst() : undefined;
  if (!appeal) throw new DomainError('not_found');
  return appeal;
}

/** The addressee of an appeal, from the organizations module (appeals never read its table). */
export function organizationOf(executor: Executor, organizationId: number): Promise<Organization> {
  return organizationById(executor, organizationId);
}

export async function latestRevision(executor: Executor, appealId: number): Promise<AppealRevision> {
  return executor.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).orderBy('number', 'desc').limit(1).executeTakeFirstOrThrow();
}

/**
 * One open appeal (a draft or collecting) per problem and addressee: a second one would split the signatures between
 * two letters about the same thing. Checked under a lock per problem, so two drafts submitted together cannot both pass.
 */
export async function refuseSecondOpenAppeal(trx: Executor, problemId: number, organizationId: number, exceptAppealId: number | null): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('appeals.open-per-addressee'), ${problemId})`.execute(trx);
  let query = trx
    .selectFrom('appeals')
    .select('id')
    .where('problem_id', '=', problemId)
    .where('organization_id', '=', organizationId)
    .where('status', 'in', statusesAllowing('withdraw'));
  if (exceptAppealId !== null) query = query.where('id', '<>', exceptAppealId);
  const open = await query.orderBy('id').limit(1).executeTakeFirst();
  if (open) throw new DomainError('appeal_already_drafted', { appealId: open.id });
}

export async function createAppeal(ctx: AppContext, asker: Actor | null, problemId: number, input: AppealDraftInput): Promise<Appeal> {
  const problem = await getProblemRow(ctx, problemId);
  const actor = authorize(asker, 'appeal.create', problem);
  const checks = new FieldChecks();
  const doc = checkDraft(checks, input);
  if (input.organizationId === null) checks.add('organizationId', 'required');
  else if (!(await organizationExists(ctx.db, input.organizationId))) {
    checks.add('organizationId', 'unknownOrganization');
  }
  checks.throwIfAny();
  const organization = await organizationOf(ctx.db, input.organizationId as number);
  return ctx.db.transaction().execute(async (trx) => {
    await refuseSecondOpenAppeal(trx, problemId, organization.id, null);
    const appeal = await trx
      .insertInto('appeals')
      .values({
        problem_id: problemId,
        organization_id: organization.id,
        author_id: actor.id,
        title: input.title.trim(),
        threshold: organization.appeal_threshold,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('appeal_revisions')
      .values({ appeal_id: appeal.id, number: 1, ...revisionContent(doc), author_id: actor.id, contributor_ids: [actor.id] })
      .execute();
    await recordEvent(trx, { problemId, appealId: appeal.id, kind: 'appeal.drafted', actorId: actor.id, data: { organization: organization.name } });
    return appeal;
  });
}

/**
 * The author's form: the title, the addressee and the text together, in one transaction. The text was written from
 * revision `baseRevision`: over a newer one it is merged (appeals.revisions.ts), and on a conflict nothing at all is
 * saved — not the title either — and the outcome carries both versions for the author to resolve.
 */
export async function reviseAppeal(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  input: { title: string; text: string; organizationId: number | null; baseRevision: number },
): Promise<SaveTextOutcome> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.revise', appeal);
  const checks = new FieldChecks();
  const doc = checkDraft(checks, input);
  if (input.organizationId !== null && !(await organizationExists(ctx.db, input.organizationId))) {
    checks.add('organizationId', 'unknownOrganization');
  }
  checks.throwIfAny();
  await ctx.ports.appeals.drafts.settle(ctx, appealId);
  let conflict: SaveTextOutcome | null = null;
  let saved: AppealRevision | null = null;
  try {
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('appeals').select(['status']).where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
      if (!canPerform(locked.status, 'revise')) throw new DomainError('appeal_frozen');
      const organization = input.organizationId !== null ? await organizationOf(trx, input.organizationId) : null;
      if (organization) await refuseSecondOpenAppeal(trx, appeal.problem_id, organization.id, appealId);
      await trx
        .updateTable('appeals')
        .set({
          title: input.title.trim(),
          updated_at: ctx.now(),
          ...(organization ? { organization_id: organization.id, threshold: organization.appeal_threshold } : {}),
        })
        .where('id', '=', appealId)
        .execute();
      const written = await writeText(trx, {
        appealId,
        doc,
        baseRevision: input.baseRevision,
        actorId: actor.id,
        now: ctx.now(),
      });
      if (written.kind === 'conflict') {
        conflict = written;
        throw new DomainError('draft_conflict', { latest: written.latest.number });
      }
      return written;
    });
    if (outcome.kind === 'saved') saved = outcome.revision;
    return outcome;
  } catch (error) {
    if (conflict) return conflict;
    throw error;
  } finally {
    await ctx.ports.appeals.drafts.revised(ctx, appealId, saved);
  }
}

/**
 * Opens the appeal for signatures: the latest revision freezes, its SHA-256 is recorded. Language
 * that lets the addressee leave an appeal unanswered (59-FZ Art. 11) stops this until the author
 * has seen the warning and confirms.
 */
export async function openForSignatures(ctx: AppContext, asker: Actor | null, appealId: number, options: { acknowledgeWarnings: boolean }): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.open', appeal);
  // What the co-authors typed last is part of the text that freezes; typing is held back until it has frozen.
  await ctx.ports.appeals.drafts.settle(ctx, appealId);
  try {
    return await freeze(ctx, actor, appeal, options);
  } finally {
    await ctx.ports.appeals.drafts.revised(ctx, appealId, null);
  }
}

async function freeze(ctx: AppContext, actor: Actor, appeal: Appeal, options: { acknowledgeWarnings: boolean }): Promise<Appeal> {
  const appealId = appeal.id;
  const revision = await latestRevision(ctx.db, appealId);
  const findings = findProhibitedLanguage(`${appeal.title}\n${revision.text}`);
  if (findings.length > 0 && !options.acknowledgeWarnings) {
    throw new DomainError(
      'language_warning',
      { count: findings.length },
      findings.map((f) => ({ field: 'text', rule: f.kind === 'obscene' ? 'obsceneLanguage' : 'threatLanguage', params: { fragment: f.fragment } })),
    );
  }
  // The threshold is fixed here, from the organization's setting of this moment: a later change by an
  // admin applies to appeals opened after it, never to one already collecting (pages say so).
  const { appeal_threshold: threshold } = await organizationOf(ctx.db, appeal.organization_id);
  const opened = await ctx.db.transaction().execute(async (trx) => {
    // Under the appeal's lock no co-editing session records a revision (appeals.revisions.ts recordRevision takes the
    // same lock); one that came after the warning check above was not checked: the author looks again.
    await trx.selectFrom('appeals').select('id').where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    const latest = await latestRevision(trx, appealId);
    if (latest.id !== revision.id) throw new DomainError('stale_revision', { latest: latest.number });
    const opened = await trx
      .updateTable('appeals')
      .set({
        status: nextStatus(appeal.status, 'open'),
        threshold,
        frozen_revision_id: revision.id,
        text_sha256: textSha256(revision.text),
        opened_at: ctx.now(),
        updated_at: ctx.now(),
      })
      .where('id', '=', appealId)
      .where('status', 'in', statusesAllowing('open'))
      .returningAll()
      .executeTakeFirst();
    if (!opened) throw new DomainError('appeal_frozen');
    // An escalated appeal's earlier signers are invited to sign the new text (appeals.escalation.ts), once it is open.
    if (opened.previous_appeal_id !== null) await ctx.jobs.send('appeals.invite-earlier-signers', { appealId }, trx);
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.opened',
      actorId: actor.id,
      data: { revision: revision.number, sha256: opened.text_sha256, warningsAcknowledged: findings.length },
    });
    return opened;
  });
  // The text is frozen: open editors become readers.
  await ctx.ports.appeals.drafts.accessChanged(ctx, appealId, null);
  return opened;
}

/** The author sent the letter himself (post, reception office, the body's own site) and records it. */
const moscowDays = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' });
/** YYYY-MM-DD in Moscow, comparable as a string. */
const moscowDay = (date: Date): string => moscowDays.format(date);

/**
 * The 59-FZ deadlines of a date a person gave (`field` of the form). When a term ends in a year the production
 * calendar lacks, the platform is out of date, not the input: it is logged and refused on that field, nothing written.
 */
function deadlinesFor(ctx: AppContext, appealId: number, field: string, receivedAt: Date, registeredAt: Date | null, timeZone: string) {
  try {
    return deadlines(receivedAt, registeredAt, timeZone);
  } catch (error) {
    if (!(error instanceof CalendarYearMissingError)) throw error;
    ctx.log.error({ year: error.year, appealId }, 'the production calendar lacks a year a 59-FZ deadline falls in: add it to data/production-calendar.ts');
    throw new ValidationError([{ field, rule: 'calendarYearMissing', params: { year: error.year } }]);
  }
}

export async function recordSelfSent(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  input: { sentOn: Date | null; registrationNumber: string },
): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.recordSent', appeal);
  // Text a moderator hid does not go to an authority, by the platform or by its author (appeals.moderation.ts).
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const checks = new FieldChecks();
  const now = ctx.now();
  if (!input.sentOn || Number.isNaN(input.sentOn.getTime())) checks.add('sentOn', 'date');
  // A day, not an instant: "today" is fine at any hour (the form sends noon of the day, Moscow time).
  else if (moscowDay(input.sentOn) > moscowDay(now)) checks.add('sentOn', 'dateInFuture');
  else if (input.sentOn.getTime() < appeal.created_at.getTime() - 24 * 3600_000) checks.add('sentOn', 'dateBeforeAppeal');
  if (characterCount(input.registrationNumber.trim()) > 100) checks.add('registrationNumber', 'tooLong', { limit: 100 });
  if (checks.problems.length > 0) {
    // Mistakes in the form matter only while the appeal may still be recorded as sent; otherwise that is the
    // answer (a stale tab: the page no longer shows the form, so its field errors would be shown nowhere).
    if (!canPerform(appeal.status, 'recordSelfSent')) throw new DomainError('appeal_not_open');
    if (appeal.dispatch_started_at) throw new DomainError('appeal_dispatching');
    if ((await countSignatures(ctx.db, appealId)) === 0) throw new DomainError('appeal_no_signatures');
    checks.throwIfAny();
  }
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!canPerform(locked.status, 'recordSelfSent')) throw new DomainError('appeal_not_open');
    if (locked.hidden_at) throw new DomainError('content_hidden', { reason: locked.hidden_reason ?? '' });
    // Checked again under the lock: the threshold may have been reached since the policy read the row.
    if (locked.dispatch_started_at) throw new DomainError('appeal_dispatching');
    // Under the row lock, so the last signature cannot be withdrawn in between.
    if ((await countSignatures(trx, appealId)) === 0) throw new DomainError('appeal_no_signatures');
    const sentAt = (input.sentOn as Date).getTime() > now.getTime() ? now : (input.sentOn as Date);
    const organization = await organizationOf(trx, locked.organization_id);
    const due = deadlinesFor(ctx, appealId, 'sentOn', sentAt, null, await timeZoneOf(trx, organization.territory_id));
    const updated = await trx
      .updateTable('appeals')
      .set({
        status: nextStatus(locked.status, 'recordSelfSent'),
        sent_by: 'author',
        sent_at: sentAt,
        registration_number: input.registrationNumber.trim() || null,
        registration_due_at: due.registration.dueAt,
        forwarding_due_at: due.forwarding.dueAt,
        answer_due_at: due.answer.dueAt,
        updated_at: now,
      })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.sent',
      actorId: actor.id,
      data: { by: 'author', registrationNumber: updated.registration_number, answerDueAt: due.answer.dueAt.toISOString() },
    });
    await audit(trx, { actorId: actor.id, action: 'appeal.record_self_sent', subjectType: 'appeal', subjectId: appealId });
    return updated;
  });
}

export async function withdrawAppeal(ctx: AppContext, asker: Actor | null, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  // The policy's reason tells a sent appeal (the letter is with the addressee) from a withdrawn one; the guarded update
  // below still catches a dispatch that lands in between.
  const actor = authorize(asker, 'appeal.withdraw', appeal);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('appeals')
      .set({ status: nextStatus(appeal.status, 'withdraw'), withdrawn_at: ctx.now(), updated_at: ctx.now() })
      .where('id', '=', appealId)
      .where('status', 'in', statusesAllowing('withdraw'))
      .where('dispatch_started_at', 'is', null)
      .returning(['id'])
      .executeTakeFirst();
    if (!updated) {
      const now = await trx.selectFrom('appeals').select(['status', 'dispatch_started_at']).where('id', '=', appealId).executeTakeFirstOrThrow();
      throw new DomainError(now.dispatch_started_at && now.status === 'collecting' ? 'appeal_dispatching' : 'appeal_not_open');
    }
    await recordEvent(trx, { problemId: appeal.problem_id, appealId, kind: 'appeal.withdrawn', actorId: actor.id });
    await ctx.jobs.send('appeals.notify-withdrawn', { appealId }, trx);
  });
  forgetCount(ctx, appealId);
}

/**
 * The problem was marked solved (problems.ports.ts `problemSolved`, in that transaction). Its open
 * appeals are withdrawn when the author asked for it — not one the platform already started sending,
 * whose letter is on its way — and the signers and followers are told by jobs after the commit.
 */
export async function withdrawOnSolved(
  ctx: AppContext,
  trx: Executor,
  input: { problemId: number; actorId: number; withdrawOpen: boolean },
): Promise<number[]> {
  const now = ctx.now();
  const withdrawn = input.withdrawOpen
    ? await trx
        .updateTable('appeals')
        .set({ status: nextStatus('collecting', 'withdraw'), withdrawn_at: now, updated_at: now })
        .where('problem_id', '=', input.problemId)
        .where('status', 'in', statusesAllowing('withdraw'))
        .where('dispatch_started_at', 'is', null)
        .returning(['id', 'status'])
        .execute()
    : [];
  const ids = withdrawn.map((row) => row.id).sort((a, b) => a - b);
  for (const appealId of ids) {
    await recordEvent(trx, { problemId: input.problemId, appealId, kind: 'appeal.withdrawn', actorId: input.actorId, data: { reason: 'problem_solved' } });
    await ctx.jobs.send('appeals.notify-withdrawn', { appealId }, trx);
    forgetCount(ctx, appealId);
  }
  await ctx.jobs.send('appeals.notify-solved', { problemId: input.problemId }, trx);
  return ids;
}

/** An appeal, or null when there is none with this id (an inbound letter's address may name any number). */
export async function findAppealRow(executor: Executor, appealId: number): Promise<Appeal | null> {
  if (!Number.isInteger(appealId) || appealId <= 0 || appealId > 2_147_483_647) return null;
  return (await executor.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst()) ?? null;
}

/**
 * The body answered: the appeal becomes `answered` (59-FZ Art. 12 term met, or met late), in the caller's
 * transaction (the answers module confirms the letter in the same one). False when the appeal is no longer
 * awaiting an answer — the state guard is in the update, so two confirmations at once record one.
 */
export async function recordAnswer(trx: Executor, appealId: number, at: Date, reviewClosesAt: Date): Promise<boolean> {
  const updated = await trx
    .updateTable('appeals')
    .set({ status: nextStatus('sent', 'recordAnswer'), answered_at: at, review_closes_at: reviewClosesAt, updated_at: at })
    .where('id', '=', appealId)
    .where('status', 'in', statusesAllowing('recordAnswer'))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Every appeal that went out, in batches by id: what the nightly recount of the organizations' ratings reads
 * (answers.ratings.ts). Keyset pages, so a million appeals are read in constant memory.
 */
export async function* appealsForStats(
  executor: Executor,
  batchSize: number,
): AsyncGenerator<
  Pick<
    Appeal,
    'id' | 'organization_id' | 'status' | 'sent_at' | 'answer_due_at' | 'answer_overdue_at' | 'answered_at' | 'closed_at' | 'outcome' | 'updated_at'
  >[]
> {
  let after = 0;
  for (;;) {
    const batch = await executor
      .selectFrom('appeals')
      .select(['id', 'organization_id', 'status', 'sent_at', 'answer_due_at', 'answer_overdue_at', 'answered_at', 'closed_at', 'outcome', 'updated_at'])
      .where('id', '>', after)
      .where('sent_at', 'is not', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (batch.length === 0) return;
    yield batch;
    after = batch.at(-1)!.id;
    if (batch.length < batchSize) return;
  }
}

/** The appeal, read under a share lock: a change that must not cross its close (a rating) holds it until commit. */
export async function appealRowForShare(trx: Executor, appealId: number): Promise<Appeal> {
  const appeal = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forShare().executeTakeFirst();
  if (!appeal) throw new DomainError('not_found');
  return appeal;
}

/**
 * Appeals whose review window ended by `at`, locked for closing: two workers closing at once take different
 * ones (`skip locked`), and `closeAppeal`'s guard makes a second close of the same appeal a no-op.
 */
export function appealsWithReviewEnded(trx: Executor, at: Date, limit: number): Promise<Appeal[]> {
  return trx
    .selectFrom('appeals')
    .selectAll()
    .where('status', 'in', statusesAllowing('closeReview'))
    .where('review_closes_at', '<=', at)
    .orderBy('review_closes_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/**
 * Appeals still without an answer `graceDays` after their answer term, locked for closing «без ответа».
 */
export function appealsUnansweredPastGrace(trx: Executor, at: Date, graceDays: number, limit: number): Promise<Appeal[]> {
  return trx
    .selectFrom('appeals')
    .selectAll()
    .where('status', 'in', statusesAllowing('closeUnanswered'))
    .where('answer_due_at', '<', new Date(at.getTime() - graceDays * 86_400_000))
    .orderBy('answer_due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/**
 * Closes an appeal by the action (`closeReview` with the citizens' verdict, `closeUnanswered` as unanswered);
 * false when it is no longer in a state that allows it (closed already, by another worker): the caller then
 * does nothing else, so the close and what follows it happen once.
 */
export async function closeAppeal(
  trx: Executor,
  appealId: number,
  action: 'closeReview' | 'closeUnanswered',
  outcome: Appeal['outcome'],
  at: Date,
): Promise<boolean> {
  const updated = await trx
    .updateTable('appeals')
    .set({ status: nextStatus(statusesAllowing(action)[0]!, action), outcome, closed_at: at, updated_at: at })
    .where('id', '=', appealId)
    .where('status', 'in', statusesAllowing(action))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * The author records the body's registration (a notice with its number and date, 59-FZ Art. 8 p. 2): the
 * appeal becomes registered and its answer term (30 days, Art. 12 p. 1) runs from the registration day
 * instead of the assumed one. Once; the number is what the body gave, up to 100 characters.
 */
export async function recordRegistration(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  input: { registrationNumber: string; registeredOn: Date | null },
): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.recordRegistration', appeal);
  const checks = new FieldChecks();
  const number = input.registrationNumber.trim();
  const now = ctx.now();
  if (!number) checks.add('registrationNumber', 'required');
  else if (characterCount(number) > 100) checks.add('registrationNumber', 'tooLong', { limit: 100 });
  if (!input.registeredOn || Number.isNaN(input.registeredOn.getTime())) checks.add('registeredOn', 'date');
  else if (moscowDay(input.registeredOn) > moscowDay(now)) checks.add('registeredOn', 'dateInFuture');
  else if (appeal.sent_at && moscowDay(input.registeredOn) < moscowDay(appeal.sent_at)) checks.add('registeredOn', 'dateBeforeSent');
  if (checks.problems.length > 0) {
    if (!canPerform(appeal.status, 'register')) throw new DomainError('wrong_state');
    checks.throwIfAny();
  }
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!canPerform(locked.status, 'register') || !locked.sent_at) throw new DomainError('wrong_state');
    const registeredAt = (input.registeredOn as Date).getTime() > now.getTime() ? now : (input.registeredOn as Date);
    const organization = await organizationOf(trx, locked.organization_id);
    const due = deadlinesFor(ctx, appealId, 'registeredOn', locked.sent_at, registeredAt, await timeZoneOf(trx, organization.territory_id));
    const updated = await trx
      .updateTable('appeals')
      .set({
        status: nextStatus(locked.status, 'register'),
        registration_number: number,
        forwarding_due_at: due.forwarding.dueAt,
        answer_due_at: due.answer.dueAt,
        updated_at: now,
      })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.registered',
      actorId: actor.id,
      data: { registrationNumber: number, registeredOn: localDate(registeredAt, 'Europe/Moscow'), answerDueAt: due.answer.dueAt.toISOString() },
    });
    await audit(trx, { actorId: actor.id, action: 'appeal.record_registration', subjectType: 'appeal', subjectId: appealId });
    return updated;
  });
}

/** An organization merged into another: its appeals are the survivor's from now on (their texts, signatures and terms unchanged). */
export async function moveAppealsToOrganization(trx: Executor, fromOrganizationId: number, toOrganizationId: number): Promise<number> {
  const moved = await trx
    .updateTable('appeals')
    .set({ organization_id: toOrganizationId })
    .where('organization_id', '=', fromOrganizationId)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows);
}

export async function countAppealsOfOrganization(executor: Executor, organizationId: number): Promise<number> {
  const row = await executor
    .selectFrom('appeals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
