/**
 * Appeals: drafting (versioned text), opening for signatures (the text freezes), signing and
 * withdrawing, the threshold, the platform's dispatch (PDF + e-mail, exactly once), the author's own
 * sending, withdrawal. Each use case is one transaction.
 *
 * Signing never updates a shared row: the count is count(*) over the signatures index. Signatures of
 * one appeal that arrive together share one statement and one commit (`signatureWriter`). Crossing the
 * threshold is detected after the signature commits, and recorded by a conditional update that only
 * one transaction can win; the dispatch job is enqueued in that same transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import type DataLoader from 'dataloader';
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision, AppealStatus, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { formatDate, translate } from '../../core/i18n/i18n.ts';
import type { JobDefinition } from '../../core/jobs/jobs.ts';
import { renderAppealPdfOffThread } from '../../core/pdf/pdf-pool.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { perDatabase, perTurn } from '../../core/util/batch.ts';
import { Coalescer } from '../../core/util/coalesce.ts';
import { checkPostalAddress, publicName } from '../accounts/accounts.rules.ts';
import { getProblemRow, recordEvent } from '../problems/problems.service.ts';
import { findProhibitedLanguage } from './appeals.language.ts';
import './appeals.policy.ts';
import { canPerform, deadlines, normalizeAppealText, textSha256 } from './appeals.rules.ts';

export const dispatchJob = 'appeals.dispatch';
export const notifySentJob = 'appeals.notify-sent';
export const thresholdSweepJob = 'appeals.threshold-sweep';

export interface AppealDraftInput {
  organizationId: number | null;
  title: string;
  text: string;
}

function checkDraft(checks: FieldChecks, input: { title: string; text: string }): void {
  const title = input.title.trim();
  if (!title) checks.add('title', 'required');
  else if (title.length < 5) checks.add('title', 'tooShort', { limit: 5 });
  else if (title.length > 300) checks.add('title', 'tooLong', { limit: 300 });
  const text = normalizeAppealText(input.text);
  if (!text) checks.add('text', 'required');
  else if (text.length < 50) checks.add('text', 'tooShort', { limit: 50 });
  else if (text.length > 50_000) checks.add('text', 'tooLong', { limit: 50_000 });
}

export async function getAppealRow(ctx: AppContext, appealId: number, executor: Executor = ctx.db): Promise<Appeal> {
  const appeal =
    Number.isInteger(appealId) && appealId > 0 ? await executor.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst() : undefined;
  if (!appeal) throw new DomainError('not_found');
  return appeal;
}

async function organizationOf(executor: Executor, organizationId: number): Promise<Organization> {
  const organization = await executor.selectFrom('organizations').selectAll().where('id', '=', organizationId).executeTakeFirst();
  if (!organization) throw new DomainError('unknown_organization');
  return organization;
}

export async function latestRevision(executor: Executor, appealId: number): Promise<AppealRevision> {
  return executor.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).orderBy('number', 'desc').limit(1).executeTakeFirstOrThrow();
}

export async function createAppeal(ctx: AppContext, actor: Actor, problemId: number, input: AppealDraftInput): Promise<Appeal> {
  const problem = await getProblemRow(ctx, problemId);
  authorize(actor, 'appeal.create', problem);
  if (problem.status !== 'open') throw new DomainError('conflict', { reason: 'problem_not_open' });
  const checks = new FieldChecks();
  checkDraft(checks, input);
  if (input.organizationId === null) checks.add('organizationId', 'required');
  else if (!(await ctx.db.selectFrom('organizations').select('id').where('id', '=', input.organizationId).executeTakeFirst())) {
    checks.add('organizationId', 'unknownOrganization');
  }
  checks.throwIfAny();
  const organization = await organizationOf(ctx.db, input.organizationId as number);
  return ctx.db.transaction().execute(async (trx) => {
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
      .values({ appeal_id: appeal.id, number: 1, text: normalizeAppealText(input.text), author_id: actor.id })
      .execute();
    await recordEvent(trx, { problemId, appealId: appeal.id, kind: 'appeal.drafted', actorId: actor.id, data: { organization: organization.name } });
    return appeal;
  });
}

/** A new revision of the draft. `baseRevision` is the number the editor started from: a stale one is refused, never silently overwritten. */
export async function reviseAppeal(
  ctx: AppContext,
  actor: Actor,
  appealId: number,
  input: { title: string; text: string; organizationId: number | null; baseRevision: number },
): Promise<AppealRevision> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.manage', appeal);
  if (!canPerform(appeal.status, 'revise')) throw new DomainError('appeal_frozen');
  const checks = new FieldChecks();
  checkDraft(checks, input);
  if (input.organizationId !== null && !(await ctx.db.selectFrom('organizations').select('id').where('id', '=', input.organizationId).executeTakeFirst())) {
    checks.add('organizationId', 'unknownOrganization');
  }
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').select(['status']).where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!canPerform(locked.status, 'revise')) throw new DomainError('appeal_frozen');
    const latest = await latestRevision(trx, appealId);
    if (latest.number !== input.baseRevision) throw new DomainError('stale_revision', { latest: latest.number });
    const organization = input.organizationId !== null ? await organizationOf(trx, input.organizationId) : null;
    await trx
      .updateTable('appeals')
      .set({
        title: input.title.trim(),
        updated_at: ctx.now(),
        ...(organization ? { organization_id: organization.id, threshold: organization.appeal_threshold } : {}),
      })
      .where('id', '=', appealId)
      .execute();
    const text = normalizeAppealText(input.text);
    if (text === latest.text) return latest;
    return trx
      .insertInto('appeal_revisions')
      .values({ appeal_id: appealId, number: latest.number + 1, text, author_id: actor.id })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * Opens the appeal for signatures: the latest revision freezes, its SHA-256 is recorded. Language
 * that lets the addressee leave an appeal unanswered (59-FZ Art. 11) stops this until the author
 * has seen the warning and confirms.
 */
export async function openForSignatures(ctx: AppContext, actor: Actor, appealId: number, options: { acknowledgeWarnings: boolean }): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.manage', appeal);
  if (!canPerform(appeal.status, 'open')) throw new DomainError('appeal_frozen');
  const revision = await latestRevision(ctx.db, appealId);
  const findings = findProhibitedLanguage(`${appeal.title}\n${revision.text}`);
  if (findings.length > 0 && !options.acknowledgeWarnings) {
    throw new DomainError(
      'language_warning',
      { count: findings.length },
      findings.map((f) => ({ field: 'text', rule: f.kind === 'obscene' ? 'obsceneLanguage' : 'threatLanguage', params: { fragment: f.fragment } })),
    );
  }
  return ctx.db.transaction().execute(async (trx) => {
    const opened = await trx
      .updateTable('appeals')
      .set({ status: 'collecting', frozen_revision_id: revision.id, text_sha256: textSha256(revision.text), opened_at: ctx.now(), updated_at: ctx.now() })
      .where('id', '=', appealId)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirst();
    if (!opened) throw new DomainError('appeal_frozen');
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.opened',
      actorId: actor.id,
      data: { revision: revision.number, sha256: opened.text_sha256, warningsAcknowledged: findings.length },
    });
    return opened;
  });
}

export interface SignInput {
  fullName: string;
  postalAddress: string;
  consentTransfer: boolean;
  consentPublicName: boolean;
}

interface SignatureRow {
  userId: number;
  fullName: string;
  postalAddress: string;
  municipalityId: number | null;
  publicName: string | null;
}

/** What a signing statement saw of the appeal, and the signature it made (null: none was made). */
interface SignOutcome {
  signatureId: number | null;
  status: AppealStatus;
  open: boolean;
  threshold: number;
  threshold_reached_at: Date | null;
}

/**
 * Signatures that arrive together (one viral appeal) are written by one statement and one commit
 * per appeal: the appeal row under KEY SHARE, the checks and the insert of every row. KEY SHARE lets
 * many signers in at once, but the dispatch's FOR UPDATE waits for those in flight, and once it has
 * closed signing (dispatch_started_at) nobody gets in, so no signature commits after the letter was
 * made without being in it. The statement never writes a shared row. Each signer's answer waits for
 * the commit that holds their signature. One writer per appeal, so nobody waits for another
 * appeal's statement.
 */
const signatureWriters = new WeakMap<AppContext['db'], Map<number, DataLoader<SignatureRow, SignOutcome | null>>>();

function signatureWriter(db: AppContext['db'], appealId: number): DataLoader<SignatureRow, SignOutcome | null> {
  // Each batch commits on its own; inside a caller's transaction a 201 would precede the commit.
  const writers = perDatabase(signatureWriters, db, () => new Map<number, DataLoader<SignatureRow, SignOutcome | null>>());
  let writer = writers.get(appealId);
  if (!writer) {
    // A writer keeps nothing once its batch has left, so forgetting them all now and then is safe.
    if (writers.size >= 1_000) writers.clear();
    writer = perTurn((rows) => writeSignatures(db, appealId, rows));
    writers.set(appealId, writer);
  }
  return writer;
}

async function writeSignatures(db: AppContext['db'], appealId: number, rows: readonly SignatureRow[]): Promise<(SignOutcome | null | Error)[]> {
  try {
    const outcomes = await insertSignatures(db, appealId, rows);
    return rows.map((row) => outcomes.get(row) ?? null);
  } catch (error) {
    // A row the database refuses (a constraint, a value) must not fail its neighbours: each of them
    // then goes alone. Any other failure (the connection, the server) is every row's answer: a
    // statement whose commit was lost in transit must not be retried into "already signed".
    if (rows.length === 1 || !isRowError(error)) return rows.map(() => error as Error);
    return Promise.all(
      rows.map(async (row) => {
        try {
          return (await insertSignatures(db, appealId, [row])).get(row) ?? null;
        } catch (rowError) {
          return rowError as Error;
        }
      }),
    );
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): caused by a row's values. */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

async function insertSignatures(db: Executor, appealId: number, group: readonly SignatureRow[]): Promise<Map<SignatureRow, SignOutcome | null>> {
  // One row per signer (a double submit in the same batch signs once), in user order, so that two
  // statements inserting the same signers wait for each other instead of deadlocking.
  const firstRows = new Map<number, SignatureRow>();
  for (const row of group) if (!firstRows.has(row.userId)) firstRows.set(row.userId, row);
  const signers = [...firstRows.values()].sort((a, b) => a.userId - b.userId);
  const { rows } = await sql<Omit<SignOutcome, 'signatureId'> & { user_id: number | null; signature_id: number | null }>`/* statement:appeals.sign */
    with a as (
      select id, status, threshold, threshold_reached_at, frozen_revision_id, text_sha256,
        status = 'collecting' and dispatch_started_at is null and frozen_revision_id is not null and text_sha256 is not null as open
      from appeals where id = ${appealId} for key share
    ), inserted as (
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, public_name)
      select a.id, s.user_id, a.frozen_revision_id, a.text_sha256, s.full_name, s.postal_address, s.municipality_id, true, s.public_name
      from a cross join unnest(
        ${signers.map((row) => row.userId)}::integer[], ${signers.map((row) => row.fullName)}::text[],
        ${signers.map((row) => row.postalAddress)}::text[], ${signers.map((row) => row.municipalityId)}::integer[],
        ${signers.map((row) => row.publicName)}::text[]
      ) with ordinality as s (user_id, full_name, postal_address, municipality_id, public_name, n)
      where a.open
      order by s.n
      on conflict (appeal_id, user_id) do nothing
      returning id, user_id
    )
    select a.status, a.open, a.threshold, a.threshold_reached_at, i.user_id, i.id as signature_id
    from a left join inserted i on true`.execute(db);
  const outcomes = new Map<SignatureRow, SignOutcome | null>();
  const first = rows[0];
  if (!first) {
    for (const row of group) outcomes.set(row, null);
    return outcomes;
  }
  const appeal = { status: first.status, open: first.open, threshold: first.threshold, threshold_reached_at: first.threshold_reached_at };
  const made = new Map(rows.filter((row) => row.user_id !== null).map((row) => [row.user_id, Number(row.signature_id)]));
  for (const row of group) {
    // The signer's first row gets the signature; a second row of the same signer is "already signed".
    const signatureId = firstRows.get(row.userId) === row ? (made.get(row.userId) ?? null) : null;
    outcomes.set(row, { ...appeal, signatureId });
  }
  return outcomes;
}

export async function sign(ctx: AppContext, actor: Actor | null, appealId: number, input: SignInput): Promise<{ signatureId: number; count: number }> {
  if (actor && !actor.emailVerified) throw new DomainError('email_not_verified');
  authorize(actor, 'appeal.sign');
  const signer = actor as Actor;
  const checks = new FieldChecks();
  const fullName = input.fullName.replace(/\s+/g, ' ').trim();
  if (!fullName) checks.add('fullName', 'required');
  else if (fullName.length < 3 || fullName.length > 300 || !/^[\p{L}][\p{L}\p{M}' .-]*$/u.test(fullName)) checks.add('fullName', 'fullName');
  const postalAddress = input.postalAddress.trim();
  if (!postalAddress) checks.add('postalAddress', 'addressRequired');
  else checkPostalAddress(checks, postalAddress);
  if (!input.consentTransfer) checks.add('consentTransfer', 'consentRequired');
  checks.throwIfAny();

  const person =
    signer.person ??
    (await ctx.db
      .selectFrom('users')
      .select(['first_name as firstName', 'surname', 'municipality_id as municipalityId'])
      .where('id', '=', signer.id)
      .executeTakeFirstOrThrow());
  const appeal = await signatureWriter(ctx.db, appealId).load({
    userId: signer.id,
    fullName,
    postalAddress,
    municipalityId: person.municipalityId,
    publicName: input.consentPublicName ? publicName(person.firstName, person.surname) : null,
  });
  if (!appeal) throw new DomainError('not_found');
  if (!appeal.open || !canPerform(appeal.status, 'sign')) throw new DomainError('signing_closed');
  if (appeal.signatureId === null) throw new DomainError('already_signed');
  const count = await afterSignature(ctx, appealId, appeal.threshold_reached_at ? null : appeal.threshold);
  return { signatureId: appeal.signatureId, count };
}

/**
 * After a signature. A quiet appeal below its threshold checks it at once, so the signer who crosses
 * it sees it recorded. During a burst (a count of this appeal is already running, or a check is
 * already scheduled) and on an appeal past its threshold with a recent count, the signer does not
 * wait: one check, scheduled `burstCheckDelayMs` later, covers every signature committed until it
 * starts. So a viral appeal is counted a few times a second instead of once per signer (counting
 * reads every signature), the threshold is still recorded within a fraction of a second of being
 * crossed, and the cached public count is exact a fraction of a second after this node's last
 * signature. The answer then carries the last exact count, at most half a second old. The minute
 * sweep remains the net for a process that dies with a check scheduled.
 */
async function afterSignature(ctx: AppContext, appealId: number, threshold: number | null): Promise<number> {
  const known = signatureCounts.get(appealId);
  const recent = known !== undefined && Date.now() - known.at < countCacheMs;
  const burst = recent && (threshold === null || countFlights.busy(appealId) || scheduledChecks.has(appealId));
  if (!burst) return threshold === null ? freshCount(ctx, appealId) : checkThreshold(ctx, appealId, threshold);
  if (!scheduledChecks.has(appealId)) {
    const timer = setTimeout(() => void runScheduledCheck(ctx, appealId), burstCheckDelayMs);
    scheduledChecks.set(appealId, { ctx, timer });
  }
  return (known as { count: number }).count;
}

const burstCheckDelayMs = 200;
const scheduledChecks = new Map<number, { ctx: AppContext; timer: NodeJS.Timeout }>();

async function runScheduledCheck(ctx: AppContext, appealId: number): Promise<void> {
  const scheduled = scheduledChecks.get(appealId);
  if (scheduled) clearTimeout(scheduled.timer);
  scheduledChecks.delete(appealId);
  try {
    await checkThreshold(ctx, appealId);
  } catch (error) {
    ctx.log.error({ err: error, appealId }, 'threshold check failed; the minute sweep will retry');
  }
}

/** Runs the scheduled threshold checks now (on shutdown, before the job queue stops). */
export async function flushThresholdChecks(ctx: AppContext): Promise<void> {
  const mine = [...scheduledChecks].filter(([, scheduled]) => scheduled.ctx === ctx).map(([appealId]) => appealId);
  await Promise.all(mine.map((appealId) => runScheduledCheck(ctx, appealId)));
}

export async function withdrawSignature(ctx: AppContext, actor: Actor | null, appealId: number): Promise<void> {
  authorize(actor, 'appeal.mySignature');
  const signer = actor as Actor;
  await ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').select(['status', 'dispatch_started_at']).where('id', '=', appealId).forKeyShare().executeTakeFirst();
    if (!appeal) throw new DomainError('not_found');
    // Once the dispatch has fixed the list of signatories, a signature is in the letter: it cannot leave it.
    if (!canPerform(appeal.status, 'withdrawSignature') || appeal.dispatch_started_at) throw new DomainError('signing_closed');
    const deleted = await trx.deleteFrom('signatures').where('appeal_id', '=', appealId).where('user_id', '=', signer.id).returning('id').executeTakeFirst();
    if (!deleted) throw new DomainError('not_found');
  });
  signatureCounts.delete(appealId);
}

export async function mySignature(ctx: AppContext, userId: number, appealId: number) {
  return ctx.db
    .selectFrom('signatures')
    .select(['id', 'full_name', 'postal_address', 'public_name', 'created_at', 'text_sha256'])
    .where('appeal_id', '=', appealId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export async function countSignatures(executor: Executor, appealId: number): Promise<number> {
  const row = await executor
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('appeal_id', '=', appealId)
    .where('flagged_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Counts of appeals, per process. A count reads every signature of the appeal, so it is never made
 * once per signer: concurrent callers share one count that started after they asked (`Coalescer`),
 * and the public endpoint answers from a cache that is at most half a second old. A burst's trailing
 * check (`afterSignature`) refreshes it about 0.2 s after this node's last signature; signatures
 * made on other nodes show when the cache expires.
 */
const signatureCounts = new Map<number, { count: number; at: number }>();
const countFlights = new Coalescer<number, number>();
export const countCacheMs = 500;

/** The exact count, as of a moment after this call: sees every signature committed before it. */
export async function freshCount(ctx: AppContext, appealId: number): Promise<number> {
  const count = await countFlights.fresh(appealId, () => countSignatures(ctx.db, appealId));
  signatureCounts.set(appealId, { count, at: Date.now() });
  if (signatureCounts.size > 10_000) signatureCounts.clear();
  return count;
}

export async function publicCount(ctx: AppContext, appealId: number): Promise<number> {
  const cached = signatureCounts.get(appealId);
  if (cached && Date.now() - cached.at < countCacheMs) return cached.count;
  return freshCount(ctx, appealId);
}

/**
 * Records the threshold and enqueues the dispatch — once, whoever gets here first. Called after a
 * signature committed; returns a count that includes it. Signers of a burst share counts, so the
 * signature that crosses the threshold is always seen by a count made after its commit. The minute
 * sweep (`sweepThresholds`) is the net for a process that died between the commit and this check.
 */
export async function checkThreshold(ctx: AppContext, appealId: number, threshold?: number): Promise<number> {
  const count = await freshCount(ctx, appealId);
  // The signer's statement already read the threshold; below it there is nothing to record.
  if (threshold !== undefined && count < threshold) return count;
  const appeal = await ctx.db
    .selectFrom('appeals')
    .select(['threshold', 'threshold_reached_at', 'status', 'problem_id'])
    .where('id', '=', appealId)
    .executeTakeFirst();
  if (!appeal || appeal.threshold_reached_at || appeal.status !== 'collecting' || count < appeal.threshold) return count;
  await ctx.db.transaction().execute(async (trx) => {
    const reached = await trx
      .updateTable('appeals')
      .set({ threshold_reached_at: ctx.now() })
      .where('id', '=', appealId)
      .where('threshold_reached_at', 'is', null)
      .where('status', '=', 'collecting')
      .returning('id')
      .executeTakeFirst();
    if (!reached) return;
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.threshold_reached',
      actorId: null,
      data: { count, threshold: appeal.threshold },
    });
    await ctx.jobs.send(dispatchJob, { appealId }, trx, { singletonKey: `dispatch-${appealId}` });
  });
  return count;
}

export interface AppealDocumentData {
  appeal: Appeal;
  organization: Organization;
  revision: AppealRevision;
  signatories: { fullName: string; postalAddress: string; signedAt: Date }[];
}

async function documentData(ctx: AppContext, executor: Executor, appeal: Appeal): Promise<AppealDocumentData> {
  const revision = appeal.frozen_revision_id
    ? await executor.selectFrom('appeal_revisions').selectAll().where('id', '=', appeal.frozen_revision_id).executeTakeFirstOrThrow()
    : await latestRevision(executor, appeal.id);
  const [organization, signatures] = await Promise.all([
    organizationOf(executor, appeal.organization_id),
    executor
      .selectFrom('signatures')
      .select(['full_name', 'postal_address', 'created_at'])
      .where('appeal_id', '=', appeal.id)
      .where('flagged_at', 'is', null)
      .orderBy('id')
      .execute(),
  ]);
  void ctx;
  return {
    appeal,
    organization,
    revision,
    signatories: signatures.map((s) => ({ fullName: s.full_name, postalAddress: s.postal_address, signedAt: s.created_at })),
  };
}

function pdfFor(ctx: AppContext, data: AppealDocumentData, date: Date): Promise<Buffer> {
  return renderAppealPdfOffThread({
    appealId: data.appeal.id,
    addressee: { name: data.organization.name, postalAddress: data.organization.postal_address, email: data.organization.appeal_email },
    date,
    title: data.appeal.title,
    text: data.revision.text,
    revisionNumber: data.revision.number,
    textSha256: textSha256(data.revision.text),
    problemUrl: `${ctx.config.baseUrl}/problems/${data.appeal.problem_id}`,
    appealUrl: `${ctx.config.baseUrl}/appeals/${data.appeal.id}`,
    signatories: data.signatories,
  });
}

/** The PDF the author prints and sends himself: the same letter, with the signatures so far. */
export async function authorPdf(ctx: AppContext, actor: Actor, appealId: number): Promise<{ pdf: Buffer; filename: string }> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.manage', appeal);
  if (!canPerform(appeal.status, 'downloadPdf')) throw new DomainError('conflict');
  const dispatched = await ctx.db
    .selectFrom('appeal_documents')
    .select('pdf')
    .where('appeal_id', '=', appealId)
    .where('kind', '=', 'dispatch')
    .executeTakeFirst();
  if (dispatched) return { pdf: dispatched.pdf, filename: `obrashchenie-${appealId}.pdf` };
  const data = await documentData(ctx, ctx.db, appeal);
  return { pdf: await pdfFor(ctx, data, ctx.now()), filename: `obrashchenie-${appealId}.pdf` };
}

/** The addressee has no e-mail for appeals: the appeal stays open for signing, and its timeline says why. */
async function recordNoAddress(trx: Executor, appeal: Appeal, organization: Organization): Promise<'no_address'> {
  await recordEvent(trx, {
    problemId: appeal.problem_id,
    appealId: appeal.id,
    kind: 'appeal.dispatch_no_address',
    actorId: null,
    data: { organization: organization.name },
  });
  return 'no_address';
}

/**
 * The platform's dispatch. Runs as a job, possibly more than once (retries, a crashed node), but
 * acts once. It takes three steps so that the appeal's row is never locked while the letter renders
 * (seconds of CPU for a viral appeal, during which signers would queue on the lock):
 *
 * 1. Under the row lock, briefly: only an appeal still collecting with its threshold reached goes
 *    on; the count is checked again (signers may have withdrawn) and signing and withdrawing close
 *    (`dispatch_started_at`). The lock waits for signers in flight, so the list is final.
 * 2. No lock: read the signatories and render the PDF in a worker thread.
 * 3. Under the row lock again: if the appeal is still the platform's to send, the document, the
 *    e-mail with it, the new status, the deadlines and the timeline event commit together. The
 *    unique dispatch document makes a second run fail rather than send twice.
 *
 * A run that dies between the steps is retried and resumes at step 2 with the same list.
 */
export async function dispatchAppeal(ctx: AppContext, appealId: number): Promise<'sent' | 'skipped' | 'no_address'> {
  const started = await ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirst();
    // Only an appeal that reached its threshold is the platform's to send; anything else is a stray job.
    if (appeal?.status !== 'collecting' || !appeal.threshold_reached_at) return 'skipped' as const;
    if (appeal.dispatch_started_at) return appeal;
    const count = await countSignatures(trx, appealId);
    if (count < appeal.threshold) {
      // Signers withdrew after the threshold was recorded: it is not reached any more.
      await trx.updateTable('appeals').set({ threshold_reached_at: null }).where('id', '=', appealId).execute();
      await recordEvent(trx, { problemId: appeal.problem_id, appealId, kind: 'appeal.threshold_lost', actorId: null, data: { count } });
      return 'skipped' as const;
    }
    const organization = await organizationOf(trx, appeal.organization_id);
    if (!organization.appeal_email) return recordNoAddress(trx, appeal, organization);
    return trx.updateTable('appeals').set({ dispatch_started_at: ctx.now() }).where('id', '=', appealId).returningAll().executeTakeFirstOrThrow();
  });
  if (typeof started === 'string') return started;

  const data = await documentData(ctx, ctx.db, started);
  const { organization } = data;
  const now = ctx.now();
  const pdf = organization.appeal_email ? await pdfFor(ctx, data, now) : null;

  return ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirst();
    // Meanwhile the author may have sent it himself or withdrawn it, or another run finished first.
    if (appeal?.status !== 'collecting' || !appeal.dispatch_started_at) return 'skipped';
    if (!pdf || !organization.appeal_email) {
      // The organization lost its address between the steps: reopen signing and say why.
      await trx.updateTable('appeals').set({ dispatch_started_at: null }).where('id', '=', appealId).execute();
      return recordNoAddress(trx, appeal, organization);
    }
    const pdfSha256 = createHash('sha256').update(pdf).digest('hex');
    await trx
      .insertInto('appeal_documents')
      .values({ appeal_id: appealId, kind: 'dispatch', pdf, sha256: pdfSha256, signatures_count: data.signatories.length })
      .execute();
    const host = new URL(ctx.config.baseUrl).hostname;
    const messageId = `<appeal-${appealId}.${randomBytes(6).toString('hex')}@${host}>`;
    const vars = {
      id: appealId,
      title: appeal.title,
      organization: organization.name,
      count: data.signatories.length,
      date: formatDate('ru', now),
      link: `${ctx.config.baseUrl}/appeals/${appealId}`,
      sha256: textSha256(data.revision.text),
    };
    await ctx.mailer.enqueue(trx, {
      to: organization.appeal_email,
      subject: translate('ru', 'mail.dispatch.subject', vars),
      text: translate('ru', 'mail.dispatch.body', vars),
      messageId,
      attachments: [{ filename: `obrashchenie-${appealId}.pdf`, contentType: 'application/pdf', content: pdf }],
    });
    const due = deadlines(now);
    await trx
      .updateTable('appeals')
      .set({
        status: 'sent',
        sent_by: 'platform',
        sent_at: now,
        dispatch_message_id: messageId,
        registration_due_at: due.registrationDueAt,
        forwarding_due_at: due.forwardingDueAt,
        answer_due_at: due.answerDueAt,
        updated_at: now,
      })
      .where('id', '=', appealId)
      .execute();
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.sent',
      actorId: null,
      data: {
        by: 'platform',
        organization: organization.name,
        signatures: data.signatories.length,
        documentSha256: pdfSha256,
        answerDueAt: due.answerDueAt.toISOString(),
      },
    });
    await ctx.jobs.send(notifySentJob, { appealId }, trx);
    return 'sent';
  });
}

/** Tells the author, the signers and the followers that the appeal went out, and when the answer is due. */
export async function notifySent(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (!appeal.sent_at || !appeal.answer_due_at) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  const recipients = await sql<{ email: string; first_name: string; locale: string }>`
    select distinct u.email, u.first_name, u.locale from users u
    where u.id in (
      select user_id from signatures where appeal_id = ${appealId}
      union select author_id from appeals where id = ${appealId} and author_id is not null
      union select user_id from problem_follows where problem_id = ${appeal.problem_id}
    )`.execute(ctx.db);
  const batch = 500;
  for (let start = 0; start < recipients.rows.length; start += batch) {
    await ctx.db.transaction().execute(async (trx) => {
      for (const r of recipients.rows.slice(start, start + batch)) {
        const locale = r.locale === 'en' ? 'en' : 'ru';
        const vars = {
          name: r.first_name,
          id: appealId,
          title: appeal.title,
          organization: organization.name,
          date: formatDate(locale, appeal.answer_due_at as Date),
          link: `${ctx.config.baseUrl}/appeals/${appealId}`,
        };
        await ctx.mailer.enqueue(trx, { to: r.email, subject: translate(locale, 'mail.sent.subject', vars), text: translate(locale, 'mail.sent.body', vars) });
      }
    });
  }
}

/** The author sent the letter himself (post, reception office, the body's own site) and records it. */
const moscowDays = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' });
/** YYYY-MM-DD in Moscow, comparable as a string. */
const moscowDay = (date: Date): string => moscowDays.format(date);

export async function recordSelfSent(
  ctx: AppContext,
  actor: Actor,
  appealId: number,
  input: { sentOn: Date | null; registrationNumber: string },
): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.manage', appeal);
  const checks = new FieldChecks();
  const now = ctx.now();
  if (!input.sentOn || Number.isNaN(input.sentOn.getTime())) checks.add('sentOn', 'date');
  // A day, not an instant: "today" is fine at any hour (the form sends noon of the day, Moscow time).
  else if (moscowDay(input.sentOn) > moscowDay(now)) checks.add('sentOn', 'dateInFuture');
  else if (input.sentOn.getTime() < appeal.created_at.getTime() - 24 * 3600_000) checks.add('sentOn', 'dateBeforeAppeal');
  if (input.registrationNumber.trim().length > 100) checks.add('registrationNumber', 'tooLong', { limit: 100 });
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    if (!canPerform(locked.status, 'recordSelfSent')) throw new DomainError('appeal_not_open');
    let frozen = { frozen_revision_id: locked.frozen_revision_id, text_sha256: locked.text_sha256 };
    if (!frozen.frozen_revision_id) {
      const revision = await latestRevision(trx, appealId);
      frozen = { frozen_revision_id: revision.id, text_sha256: textSha256(revision.text) };
    }
    const sentAt = (input.sentOn as Date).getTime() > now.getTime() ? now : (input.sentOn as Date);
    const due = deadlines(sentAt);
    const updated = await trx
      .updateTable('appeals')
      .set({
        ...frozen,
        status: 'sent',
        sent_by: 'author',
        sent_at: sentAt,
        registration_number: input.registrationNumber.trim() || null,
        registration_due_at: due.registrationDueAt,
        forwarding_due_at: due.forwardingDueAt,
        answer_due_at: due.answerDueAt,
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
      data: { by: 'author', registrationNumber: updated.registration_number, answerDueAt: due.answerDueAt.toISOString() },
    });
    await audit(trx, { actorId: actor.id, action: 'appeal.record_self_sent', subjectType: 'appeal', subjectId: appealId });
    return updated;
  });
}

export async function withdrawAppeal(ctx: AppContext, actor: Actor, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.manage', appeal);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('appeals')
      .set({ status: 'withdrawn', withdrawn_at: ctx.now(), updated_at: ctx.now() })
      .where('id', '=', appealId)
      .where('status', 'in', ['draft', 'collecting'])
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw new DomainError('appeal_not_open');
    await recordEvent(trx, { problemId: appeal.problem_id, appealId, kind: 'appeal.withdrawn', actorId: actor.id });
  });
  signatureCounts.delete(appealId);
}

/** Safety net for a node that died between a signature's commit and its threshold check. */
export async function sweepThresholds(ctx: AppContext): Promise<void> {
  const candidates = await sql<{ id: number }>`
    select a.id from appeals a
    where a.status = 'collecting' and a.threshold_reached_at is null
      and (select count(*) from signatures s where s.appeal_id = a.id and s.flagged_at is null) >= a.threshold`.execute(ctx.db);
  for (const { id } of candidates.rows) await checkThreshold(ctx, id);
  // A dispatch that closed signing and then exhausted its retries (say, a render that kept failing)
  // would leave the appeal closed and unsent: try it again, a quarter of an hour on.
  const stalled = await ctx.db
    .selectFrom('appeals')
    .select('id')
    .where('status', '=', 'collecting')
    .where('dispatch_started_at', '<', new Date(ctx.now().getTime() - 15 * 60_000))
    .execute();
  for (const { id } of stalled) await ctx.jobs.send(dispatchJob, { appealId: id }, undefined, { singletonKey: `dispatch-${id}` });
}

export function appealJobs(ctx: AppContext): JobDefinition<never>[] {
  return [
    { name: dispatchJob, run: async (data: { appealId: number }) => void (await dispatchAppeal(ctx, data.appealId)), retryLimit: 10 },
    { name: notifySentJob, run: (data: { appealId: number }) => notifySent(ctx, data.appealId), retryLimit: 5 },
    { name: thresholdSweepJob, run: () => sweepThresholds(ctx), retryLimit: 0 },
  ] as JobDefinition<never>[];
}

export interface AppealSummary {
  id: number;
  title: string;
  status: Appeal['status'];
  threshold: number;
  signatures: number;
  organization_name: string;
  organization_slug: string;
  opened_at: Date | null;
  sent_at: Date | null;
  sent_by: Appeal['sent_by'];
  answer_due_at: Date | null;
  previous_appeal_id: number | null;
  author_id: number | null;
}

/** The chain of appeals of a problem, oldest first, with their counts. Drafts are shown to their author only. */
export async function appealsForProblem(ctx: AppContext, problemId: number, viewerId: number | null): Promise<AppealSummary[]> {
  const rows = await ctx.db
    .selectFrom('appeals as a')
    .innerJoin('organizations as o', 'o.id', 'a.organization_id')
    .select([
      'a.id',
      'a.title',
      'a.status',
      'a.threshold',
      'a.opened_at',
      'a.sent_at',
      'a.sent_by',
      'a.answer_due_at',
      'a.previous_appeal_id',
      'a.author_id',
      'o.name as organization_name',
      'o.slug as organization_slug',
      sql<number>`(select count(*) from signatures s where s.appeal_id = a.id and s.flagged_at is null)::int`.as('signatures'),
    ])
    .where('a.problem_id', '=', problemId)
    .where((eb) => eb.or([eb('a.status', '<>', 'draft'), ...(viewerId ? [eb('a.author_id', '=', viewerId)] : [])]))
    .orderBy('a.id')
    .execute();
  return rows;
}

export interface PublicSigner {
  public_name: string;
  municipality: string | null;
  created_at: Date;
}

/** Signers who agreed to be named, as "Иван П., Оленинский муниципальный округ" — never addresses. */
export async function publicSigners(
  ctx: AppContext,
  appealId: number,
  options: { limit: number; offset: number },
): Promise<{ items: PublicSigner[]; total: number }> {
  const base = ctx.db
    .selectFrom('signatures as s')
    .where('s.appeal_id', '=', appealId)
    .where('s.flagged_at', 'is', null)
    .where('s.public_name', 'is not', null);
  const [items, total] = await Promise.all([
    base
      .leftJoin('territories as t', 't.id', 's.municipality_id')
      .select(['s.public_name', 't.name as municipality', 's.created_at'])
      .orderBy('s.id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: items as PublicSigner[], total: Number(total.n) };
}

export interface AppealDetails {
  appeal: Appeal;
  organization: Organization;
  revision: AppealRevision;
  revisions: number;
  count: number;
  problemTitle: string;
}

/** An appeal as its page shows it: the frozen text once signing started, the latest draft before. */
export async function getAppealDetails(ctx: AppContext, appealId: number, viewer: Actor | null): Promise<AppealDetails> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.status === 'draft' && appeal.author_id !== viewer?.id) throw new DomainError('not_found');
  const [organization, revision, revisions, count, problem] = await Promise.all([
    organizationOf(ctx.db, appeal.organization_id),
    appeal.frozen_revision_id
      ? ctx.db.selectFrom('appeal_revisions').selectAll().where('id', '=', appeal.frozen_revision_id).executeTakeFirstOrThrow()
      : latestRevision(ctx.db, appealId),
    ctx.db
      .selectFrom('appeal_revisions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('appeal_id', '=', appealId)
      .executeTakeFirstOrThrow(),
    publicCount(ctx, appealId),
    getProblemRow(ctx, appeal.problem_id),
  ]);
  return { appeal, organization, revision, revisions: Number(revisions.n), count, problemTitle: problem.title };
}
