/**
 * The platform's dispatch of an appeal (in steps, exactly once), its PDF, and the mails that tell
 * everyone concerned that it went out.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision, MailErrorKind, MailMessage, Organization } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import { formatDate, type Locale, type MessageKey, type Translate, translate } from '../../core/i18n/i18n.ts';
import type { RowSource } from '../../core/pdf/pdf.ts';
import { renderPdfOffThread } from '../../core/pdf/pdf-pool.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { fullName } from '../accounts/accounts.rules.ts';
import { getUser } from '../accounts/accounts.service.ts';
import type { NotificationEvent } from '../notifications/notifications.rules.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { memberIds } from '../organizations/organizations.members.ts';
import { recordEvent } from '../problems/problems.service.ts';
import './appeals.policy.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import { deadlines } from './appeals.deadlines.ts';
import { earlierAppeals } from './appeals.escalation.ts';
import { type AppealPdfInput, type AppealSignatory, appealLetter, type ChainEntry, formatLetterDate, PUBLIC_NAMES_IN_COPY } from './appeals.letter.ts';
import { appealAudience } from './appeals.notices.ts';
import { replyAddress } from './appeals.reply-address.ts';
import { nextStatus, textSha256 } from './appeals.rules.ts';
import { getAppealRow, latestRevision, organizationOf } from './appeals.service.ts';
import { countSignaturesExactly } from './appeals.signing.ts';

export interface AppealDocumentData {
  appeal: Appeal;
  organization: Organization;
  revision: AppealRevision;
  /** Signatures the letter lists (unflagged), counted when signing closed. */
  signatoryCount: number;
  /** An escalated appeal's earlier appeals, oldest first (the letter says what came of each). */
  chain?: Omit<ChainEntry, 'url'>[];
}

/** Signatories read from the database for a letter, this many at a time (keyset on the signature id). */
export const SIGNATORY_BATCH = 1000;

/**
 * The signatories of an appeal in signing order, read in keyset batches each time the letter asks (it reads them twice:
 * to count its pages, then to set them), never all at once. Only unflagged signatures; with `consentAuthor`, only those
 * whose signers consented to give their data to the author. A pass that yields another number of rows than `expected`
 * (a moderator flagged a signature meanwhile) fails, so that no letter says one count and lists another; the job retries.
 */
export function signatoryRows(executor: Executor, appealId: number, expected: number, options: { consentAuthor?: boolean } = {}): RowSource<AppealSignatory> {
  return {
    async *batches() {
      let after = 0;
      let seen = 0;
      for (;;) {
        let query = executor
          .selectFrom('signatures')
          .select(['id', 'full_name', 'postal_address', 'created_at'])
          .where('appeal_id', '=', appealId)
          .where('flagged_at', 'is', null)
          .where('id', '>', after);
        if (options.consentAuthor) query = query.where('consent_author', '=', true);
        const rows = await query.orderBy('id').limit(SIGNATORY_BATCH).execute();
        if (rows.length === 0) break;
        after = rows.at(-1)!.id;
        seen += rows.length;
        yield rows.map((s) => ({ fullName: s.full_name, postalAddress: s.postal_address, signedAt: s.created_at }));
        if (rows.length < SIGNATORY_BATCH) break;
      }
      if (seen !== expected) throw new Error(`Appeal ${appealId}: ${seen} signatories read for a letter that lists ${expected}`);
    },
  };
}

async function documentData(executor: Executor, appeal: Appeal): Promise<AppealDocumentData> {
  const revision = appeal.frozen_revision_id
    ? await executor.selectFrom('appeal_revisions').selectAll().where('id', '=', appeal.frozen_revision_id).executeTakeFirstOrThrow()
    : await latestRevision(executor, appeal.id);
  const [organization, signatoryCount, chain] = await Promise.all([
    organizationOf(executor, appeal.organization_id),
    countSignaturesExactly(executor, appeal.id),
    chainOf(executor, appeal),
  ]);
  return { appeal, organization, revision, signatoryCount, chain };
}

/** The earlier appeals of an escalated one as its letter names them (their pages carry the answers in full). */
async function chainOf(executor: Executor, appeal: Appeal): Promise<Omit<ChainEntry, 'url'>[]> {
  const entries: Omit<ChainEntry, 'url'>[] = [];
  for (const earlier of await earlierAppeals(executor, appeal))
    entries.push({
      appealId: earlier.id,
      organization: (await organizationOf(executor, earlier.organization_id)).name,
      sentAt: earlier.sent_at,
      answeredAt: earlier.answered_at,
      outcome: earlier.outcome,
      closed: earlier.status === 'closed',
    });
  return entries;
}

function letterInput(ctx: AppContext, data: Omit<AppealDocumentData, 'signatoryCount'>, date: Date): AppealPdfInput {
  return {
    appealId: data.appeal.id,
    addressee: { name: data.organization.name, postalAddress: data.organization.postal_address, email: data.organization.appeal_email },
    date,
    title: data.appeal.title,
    text: data.revision.text,
    revisionNumber: data.revision.number,
    textSha256: textSha256(data.revision.text),
    problemUrl: `${ctx.config.baseUrl}/problems/${data.appeal.problem_id}`,
    appealUrl: `${ctx.config.baseUrl}/appeals/${data.appeal.id}`,
    chain: data.chain?.map((entry) => ({ ...entry, url: `${ctx.config.baseUrl}/appeals/${entry.appealId}` })),
  };
}

/** The addressee's letter: every signatory with full name and postal address (59-FZ Art. 7), as they consented. */
function pdfFor(ctx: AppContext, data: AppealDocumentData, date: Date): Promise<Buffer> {
  const input = { ...letterInput(ctx, data, date), signatoryCount: data.signatoryCount };
  return renderPdfOffThread(appealLetter, input, signatoryRows(ctx.db, data.appeal.id, data.signatoryCount));
}

/**
 * The author's copy, to read and to print and send himself — never the addressee's letter. A signer's consent sends
 * his name and address to the addressee, not to the author: the copy lists in full only the signers who separately
 * consented to give them to the author (`consent_author`), counts the others and names those who agreed to be named
 * publicly as the public list does («Иван П.»). The author is named as the initiator who signs and sends it. After the
 * platform's dispatch, too, the author gets this copy; the letter that was sent stays with the addressee and the admins.
 */
export async function authorPdf(ctx: AppContext, actor: Actor | null, appealId: number): Promise<{ pdf: Buffer; filename: string }> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(actor, 'appeal.document', appeal);
  // What a moderator hid is not put on paper for an authority either (appeals.moderation.ts).
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const revision = appeal.frozen_revision_id
    ? await ctx.db.selectFrom('appeal_revisions').selectAll().where('id', '=', appeal.frozen_revision_id).executeTakeFirstOrThrow()
    : await latestRevision(ctx.db, appeal.id);
  const [organization, counts, publicNames, author] = await Promise.all([
    organizationOf(ctx.db, appeal.organization_id),
    ctx.db
      .selectFrom('signatures')
      .select((eb) => [
        eb.fn.countAll<number>().filterWhere('consent_author', '=', true).as('listed'),
        eb.fn.countAll<number>().filterWhere('consent_author', '=', false).as('unlisted'),
        eb.fn.countAll<number>().filterWhere('consent_author', '=', false).filterWhere('public_name', 'is not', null).as('named'),
        eb.fn.max('id').as('lastId'),
      ])
      .where('appeal_id', '=', appeal.id)
      .where('flagged_at', 'is', null)
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom('signatures')
      .select('public_name')
      .where('appeal_id', '=', appeal.id)
      .where('flagged_at', 'is', null)
      .where('consent_author', '=', false)
      .where('public_name', 'is not', null)
      .orderBy('id')
      .limit(PUBLIC_NAMES_IN_COPY)
      .execute(),
    getUser(ctx, appeal.author_id as number),
  ]);
  const listed = Number(counts.listed);
  const input: AppealPdfInput = {
    ...letterInput(ctx, { appeal, organization, revision, chain: await chainOf(ctx.db, appeal) }, appeal.sent_at ?? ctx.now()),
    signatoryCount: listed,
    initiator: { fullName: fullName(author), postalAddress: author.postal_address },
    unlisted: {
      count: Number(counts.unlisted),
      publicNames: publicNames.flatMap((s) => (s.public_name ? [s.public_name] : [])),
      publicNamesCount: Number(counts.named),
    },
  };
  const filename = `obrashchenie-${appealId}.pdf`;
  // The copy changes with the signatures (their number, or a signature withdrawn and another given), the text, the
  // addressee, the author's profile and the day it is dated: anything else is the copy rendered before.
  const key = createHash('sha256')
    .update(JSON.stringify({ ...input, date: formatLetterDate(input.date), lastId: counts.lastId }))
    .digest('hex');
  const cached = authorCopies.get(appealId);
  if (cached?.key === key) return { pdf: cached.pdf, filename };
  const rows = signatoryRows(ctx.db, appeal.id, listed, { consentAuthor: true });
  const pdf = await renderPdfOffThread(appealLetter, input, rows);
  authorCopies.set(appealId, { key, pdf });
  return { pdf, filename };
}

/**
 * Authors' copies rendered in this process, by appeal, until the signatures change: an author of a viral appeal who
 * opens the copy twice waits for it once. Bounded by bytes (a copy of 100,000 signatories is some 25 MB); the oldest go.
 */
class AuthorCopies {
  private readonly copies = new Map<number, { key: string; pdf: Buffer }>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(appealId: number): { key: string; pdf: Buffer } | undefined {
    return this.copies.get(appealId);
  }

  set(appealId: number, copy: { key: string; pdf: Buffer }): void {
    this.delete(appealId);
    if (copy.pdf.length > this.maxBytes) return;
    this.copies.set(appealId, copy);
    this.bytes += copy.pdf.length;
    for (const [oldest] of this.copies) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  private delete(appealId: number): void {
    const copy = this.copies.get(appealId);
    if (!copy) return;
    this.copies.delete(appealId);
    this.bytes -= copy.pdf.length;
  }
}

const authorCopies = new AuthorCopies(64 * 1024 * 1024);

/**
 * Whether the addressee works in its service cabinet (it has officials): the letter is delivered there even when the
 * organization has no e-mail for appeals (DESIGN §2: to the cabinet if it has one, and by e-mail).
 */
export async function hasCabinet(executor: Executor, organizationId: number): Promise<boolean> {
  return (await memberIds(executor, organizationId)).length > 0;
}

/** The addressee has neither an e-mail for appeals nor a cabinet: the appeal stays open for signing, and its timeline says why. */
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
 * 3. Under the row lock again: if the appeal is still the platform's to send, the document and the
 *    e-mail with it (its Message-ID recorded on the appeal) commit together. The unique dispatch
 *    document makes a second run fail rather than send twice.
 * 4. Later, when the mail server accepts the letter (letterAccepted): the appeal becomes sent, its
 *    deadlines start and the timeline says so. Until then its page says the sending is delayed, and why.
 *    An addressee with a cabinet and no e-mail for appeals has the letter in its cabinet at step 3: the
 *    appeal is sent there and then.
 *
 * A run that dies between the steps is retried and resumes at step 2 with the same list.
 */
export async function dispatchAppeal(ctx: AppContext, appealId: number): Promise<'sent' | 'skipped' | 'no_address'> {
  const started = await ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirst();
    // Only an appeal that reached its threshold is the platform's to send; anything else is a stray job.
    if (appeal?.status !== 'collecting' || !appeal.threshold_reached_at) return 'skipped' as const;
    // The letter is written and queued; the mailer takes it from here.
    if (appeal.dispatch_message_id) return 'skipped' as const;
    if (appeal.dispatch_started_at) return appeal;
    // A moderator hid its text: it waits, and restoring it sends it (appeals.moderation.ts).
    if (appeal.hidden_at) return 'skipped' as const;
    const count = await countSignaturesExactly(trx, appealId);
    if (count < appeal.threshold) {
      // Signers withdrew after the threshold was recorded: it is not reached any more.
      await trx.updateTable('appeals').set({ threshold_reached_at: null }).where('id', '=', appealId).execute();
      await recordEvent(trx, { problemId: appeal.problem_id, appealId, kind: 'appeal.threshold_lost', actorId: null, data: { count } });
      return 'skipped' as const;
    }
    const organization = await organizationOf(trx, appeal.organization_id);
    if (!organization.appeal_email && !(await hasCabinet(trx, organization.id))) return recordNoAddress(trx, appeal, organization);
    return trx.updateTable('appeals').set({ dispatch_started_at: ctx.now() }).where('id', '=', appealId).returningAll().executeTakeFirstOrThrow();
  });
  if (typeof started === 'string') return started;

  const data = await documentData(ctx.db, started);
  const { organization } = data;
  const now = ctx.now();
  const pdf = organization.appeal_email || (await hasCabinet(ctx.db, organization.id)) ? await pdfFor(ctx, data, now) : null;

  return ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirst();
    // Meanwhile the author may have sent it himself or withdrawn it, or another run finished first.
    if (appeal?.status !== 'collecting' || !appeal.dispatch_started_at || appeal.dispatch_message_id) return 'skipped';
    const cabinetOnly = !organization.appeal_email && (await hasCabinet(trx, organization.id));
    if (!pdf || (!organization.appeal_email && !cabinetOnly)) {
      // The organization lost its address (and has no cabinet) between the steps: reopen signing and say why.
      await trx.updateTable('appeals').set({ dispatch_started_at: null }).where('id', '=', appealId).execute();
      return recordNoAddress(trx, appeal, organization);
    }
    const pdfSha256 = createHash('sha256').update(pdf).digest('hex');
    await trx
      .insertInto('appeal_documents')
      .values({ appeal_id: appealId, kind: 'dispatch', pdf, sha256: pdfSha256, signatures_count: data.signatoryCount })
      .execute();
    if (!organization.appeal_email) {
      // No e-mail for appeals, but a cabinet: the letter is in it now (its officials download it there), so the
      // appeal is delivered, and sent, in this transaction. The unique dispatch document keeps it to once.
      await appealDelivered(ctx, trx, appeal, now);
      return 'sent';
    }
    const host = new URL(ctx.config.baseUrl).hostname;
    const messageId = `<appeal-${appealId}.${randomBytes(6).toString('hex')}@${host}>`;
    const vars = {
      id: appealId,
      title: appeal.title,
      organization: organization.name,
      count: data.signatoryCount,
      date: formatDate('ru', now),
      link: `${ctx.config.baseUrl}/appeals/${appealId}`,
      sha256: textSha256(data.revision.text),
    };
    // The Message-ID first: without SMTP the outbox accepts the letter inside enqueue, and
    // letterAccepted finds the appeal by it.
    await trx.updateTable('appeals').set({ dispatch_message_id: messageId, updated_at: now }).where('id', '=', appealId).execute();
    await ctx.mailer.enqueue(trx, {
      to: organization.appeal_email,
      subject: translate('ru', 'mail.dispatch.subject', vars),
      text: translate('ru', 'mail.dispatch.body', vars),
      messageId,
      // The body's reply comes back to this appeal's own address (the answers module receives it).
      ...(ctx.config.inboundMailDomain ? { headers: { 'Reply-To': replyAddress(appealId, ctx.config.secret, ctx.config.inboundMailDomain) } } : {}),
      attachments: [{ filename: `obrashchenie-${appealId}.pdf`, contentType: 'application/pdf', content: pdf }],
    });
    return 'sent';
  });
}

/**
 * The mail server accepted an appeal's letter: only now is the appeal sent. Its 59-FZ deadlines run
 * from this moment, the time the addressee could first have the letter, not from when it was queued.
 * Runs in the mailer's transaction that records the acceptance, so the two commit together.
 */
export async function letterAccepted(ctx: AppContext, trx: Executor, message: MailMessage): Promise<void> {
  if (!message.message_id) return;
  const appeal = await trx
    .selectFrom('appeals')
    .selectAll()
    .where('dispatch_message_id', '=', message.message_id)
    .where('status', '=', 'collecting')
    .forUpdate()
    .executeTakeFirst();
  if (!appeal) return;
  await appealDelivered(ctx, trx, appeal, message.sent_at ?? ctx.now());
}

/**
 * The addressee has the letter from `acceptedAt` (a mail server accepted it, or it is in the cabinet): the appeal is
 * sent, its deadlines start, the timeline says so, and the people and integrations concerned are told — all in the
 * caller's transaction, on the appeal it locked.
 */
async function appealDelivered(ctx: AppContext, trx: Executor, appeal: Appeal, acceptedAt: Date): Promise<void> {
  const [organization, document] = await Promise.all([
    organizationOf(trx, appeal.organization_id),
    trx
      .selectFrom('appeal_documents')
      .select(['sha256', 'signatures_count'])
      .where('appeal_id', '=', appeal.id)
      .where('kind', '=', 'dispatch')
      .executeTakeFirstOrThrow(),
  ]);
  // The letter is delivered: its deadlines are set whatever the calendar lacks (counted by the Labour Code alone
  // for a year not in data/production-calendar.ts, and logged so someone adds it).
  const due = deadlines(acceptedAt, null, await timeZoneOf(trx, organization.territory_id), { approximate: true });
  if (due.approximate)
    ctx.log.error(
      { appealId: appeal.id },
      'the production calendar lacks a year a 59-FZ deadline falls in: counted by the Labour Code alone; add the year to data/production-calendar.ts',
    );
  await trx
    .updateTable('appeals')
    .set({
      status: nextStatus(appeal.status, 'dispatch'),
      sent_by: 'platform',
      sent_at: acceptedAt,
      registration_due_at: due.registration.dueAt,
      forwarding_due_at: due.forwarding.dueAt,
      answer_due_at: due.answer.dueAt,
      updated_at: acceptedAt,
    })
    .where('id', '=', appeal.id)
    .execute();
  await recordEvent(trx, {
    problemId: appeal.problem_id,
    appealId: appeal.id,
    kind: 'appeal.sent',
    actorId: null,
    data: {
      by: 'platform',
      organization: organization.name,
      signatures: document.signatures_count,
      documentSha256: document.sha256,
      answerDueAt: due.answer.dueAt.toISOString(),
    },
  });
  await ctx.jobs.send('appeals.notify-sent', { appealId: appeal.id }, trx);
  await ctx.jobs.send('appeals.notify-received', { appealId: appeal.id }, trx);
  // The addressee's integrations (its cabinet's webhooks) hear of it in this transaction: sent only if the appeal is.
  await ctx.ports.appeals.organizationEvent(ctx, trx, {
    organizationId: organization.id,
    type: 'appeal.received',
    data: {
      appealId: appeal.id,
      problemId: appeal.problem_id,
      title: appeal.title,
      signatures: document.signatures_count,
      receivedAt: acceptedAt.toISOString(),
      registrationDueAt: due.registration.dueAt.toISOString(),
      answerDueAt: due.answer.dueAt.toISOString(),
      url: `${ctx.config.baseUrl}/appeals/${appeal.id}`,
      cabinetUrl: `${ctx.config.baseUrl}/cabinet/${organization.slug}/appeals/${appeal.id}`,
    },
  });
}

/**
 * Appeals whose letter a mail server accepted while the reaction failed (the mailer recorded it
 * sent, the appeal stayed collecting with signing closed): they become sent now, from the moment of
 * acceptance. Run by the minute sweep and at start-up; letterAccepted acts once.
 */
export async function settleAcceptedLetters(ctx: AppContext): Promise<number> {
  const waiting = await ctx.db
    .selectFrom('appeals')
    .select('dispatch_message_id')
    .where('status', '=', 'collecting')
    .where('dispatch_message_id', 'is not', null)
    .execute();
  let settled = 0;
  for (const { dispatch_message_id: messageId } of waiting) {
    if (!messageId) continue;
    const state = await ctx.mailer.deliveryState(messageId);
    if (state?.status !== 'sent' && state?.status !== 'outbox') continue;
    if (await ctx.mailer.replayAccepted(messageId)) settled += 1;
  }
  if (settled > 0) ctx.log.warn({ count: settled }, 'appeals whose accepted letter had not been recorded on them are sent now');
  return settled;
}

/** The mailer gave the letter up: the appeal stays unsent (its page says so) and its timeline records why. */
export async function letterFailed(_ctx: AppContext, trx: Executor, message: MailMessage): Promise<void> {
  if (!message.message_id) return;
  const appeal = await trx
    .selectFrom('appeals')
    .select(['id', 'problem_id', 'organization_id'])
    .where('dispatch_message_id', '=', message.message_id)
    .where('status', '=', 'collecting')
    .executeTakeFirst();
  if (!appeal) return;
  const organization = await organizationOf(trx, appeal.organization_id);
  await recordEvent(trx, {
    problemId: appeal.problem_id,
    appealId: appeal.id,
    kind: 'appeal.dispatch_failed',
    actorId: null,
    data: { organization: organization.name, reason: message.error_kind ?? 'other' },
  });
}

/** What an appeal's page says about a letter the platform queued but no mail server has accepted yet. */
export interface LetterDelivery {
  state: 'queued' | 'delayed' | 'failed';
  reason: MailErrorKind | null;
  nextAttemptAt: Date | null;
}

export async function letterDelivery(ctx: AppContext, appeal: Appeal): Promise<LetterDelivery | null> {
  if (appeal.status !== 'collecting' || !appeal.dispatch_message_id) return null;
  const state = await ctx.mailer.deliveryState(appeal.dispatch_message_id);
  if (!state || state.status === 'sent' || state.status === 'outbox') return null;
  if (state.status === 'failed') return { state: 'failed', reason: state.errorKind, nextAttemptAt: null };
  if (state.errorKind) return { state: 'delayed', reason: state.errorKind, nextAttemptAt: state.nextAttemptAt };
  return { state: 'queued', reason: null, nextAttemptAt: null };
}

/** What the appeal's page (and its API) says about the letter: queued, delayed and why, or given up. */
export function letterDeliveryText(t: Translate, locale: Locale, delivery: LetterDelivery | null): string {
  if (!delivery || delivery.state === 'queued') return t('sign.letterQueued');
  const reason = t(`letterReason.${delivery.reason ?? 'other'}` as MessageKey);
  if (delivery.state === 'failed') return t('sign.letterFailed', { reason });
  const time = delivery.nextAttemptAt ? formatDate(locale, delivery.nextAttemptAt, true) : '—';
  return t('sign.letterDelayed', { reason, time });
}

/** Tells the author, the signers and the followers that the appeal went out, and when the answer is due. */
export async function notifySent(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (!appeal.sent_at || !appeal.answer_due_at) return;
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  const [recipients, timeZone] = await Promise.all([appealAudience(ctx, appeal), timeZoneOf(ctx.db, organization.territory_id)]);
  const event: NotificationEvent = {
    kind: 'appeal.sent',
    problemId: appeal.problem_id,
    appealId,
    data: { title: appeal.title, organization: organization.name, answerDueAt: appeal.answer_due_at.toISOString(), timeZone },
  };
  await notifyInBatches(ctx, event, recipients);
}
