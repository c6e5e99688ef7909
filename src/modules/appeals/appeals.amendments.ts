/**
 * Amendments of an appeal that collects signatures. Its signed text is frozen: any verified citizen may propose a new
 * text with a reason, shown as a word diff against the version it was made from; it is discussed under it; the
 * appeal's author accepts or rejects it, with a reason either way.
 *
 * Accepting publishes a new version (a revision with its own SHA-256), in one transaction under the appeal's lock, which
 * waits for the signers in flight: every signature of the old version leaves `signatures` for `superseded_signatures`,
 * kept as it was given. So the counts' trigger takes them off the count, and the threshold, the dispatch and the letter
 * see the current version's signatures alone — without a version condition anywhere on the signing or counting path.
 * The signers of the old version are told, and each moves to the new one with one POST: a new signature, with a new
 * consent, whose statement removes his superseded one in the same commit (appeals.signing.ts). Nothing is copied.
 *
 * Accepting is refused once the appeal has `amendmentSignatureLimit` signatures (CONSUL stops editing at that point
 * too): that many people would have to sign again; the author may start a new appeal instead. Also once its threshold
 * was reached (the letter is on its way) — the policy refuses from the dispatch on, the service from the threshold.
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Appeal, AppealAmendment, AppealRevision } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize, can } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { publicNamesOf } from '../accounts/accounts.service.ts';
import { type Recipient, uniqueRecipients } from '../notifications/notifications.rules.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { markdownToDocument } from './appeals.document.ts';
import './appeals.policy.ts';
import { type WordChange, wordDiff } from './appeals.revisions.rules.ts';
import { checkText, recordRevision, revisionContent, revisionMarkdown } from './appeals.revisions.ts';
import { textSha256 } from './appeals.rules.ts';
import { getAppealRow } from './appeals.service.ts';
import { forgetCount } from './appeals.signing.ts';

/** From this many signatures on, an amendment is not accepted any more. */
export const amendmentSignatureLimit = 1000;

export const amendmentLimits = {
  reason: 2000,
  comment: 2000,
  /** Amendments one person may have waiting for a decision on one appeal. */
  openPerPerson: 3,
  /** Amendments an appeal may have waiting. */
  openPerAppeal: 50,
  /** Comments under one amendment. */
  comments: 500,
  /** Comments one person may write under one amendment. */
  commentsPerPerson: 20,
} as const;

export interface AmendmentInput {
  /** The whole new text, in the Markdown subset of the draft's form. */
  text: string;
  reason: string;
}

function checkReason(checks: FieldChecks, field: string, value: string): void {
  if (!value) checks.add(field, 'required');
  else if (characterCount(value) > amendmentLimits.reason) checks.add(field, 'tooLong', { limit: amendmentLimits.reason });
}

/** The version the appeal collects signatures for now. */
async function currentVersion(ctx: AppContext, appeal: Appeal): Promise<AppealRevision> {
  if (appeal.frozen_revision_id === null) throw new DomainError('signing_closed');
  return ctx.db.selectFrom('appeal_revisions').selectAll().where('id', '=', appeal.frozen_revision_id).executeTakeFirstOrThrow();
}

/** Proposes a new text of a collecting appeal, with a reason; the diff against the current version is made now, once. */
export async function proposeAmendment(ctx: AppContext, asker: Actor | null, appealId: number, input: AmendmentInput): Promise<AppealAmendment> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'amendment.propose', appeal);
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const base = await currentVersion(ctx, appeal);
  const content = revisionContent(markdownToDocument(input.text.trim()));
  const reason = input.reason.trim();
  const checks = new FieldChecks();
  checkText(checks, content.text);
  if (!checks.has('text') && content.text === base.text) checks.add('text', 'amendmentUnchanged');
  checkReason(checks, 'reason', reason);
  checks.throwIfAny();
  const diff = JSON.stringify(wordDiff(base.text, content.text));
  return ctx.db.transaction().execute(async (trx) => {
    // Numbers are given one at a time per appeal; the lock does not stop signers (they take KEY SHARE).
    const locked = await trx
      .selectFrom('appeals')
      .select(['status', 'frozen_revision_id', 'dispatch_started_at', 'threshold_reached_at'])
      .where('id', '=', appealId)
      .forNoKeyUpdate()
      .executeTakeFirstOrThrow();
    authorize(actor, 'amendment.propose', { ...appeal, ...locked });
    if (locked.frozen_revision_id !== base.id) throw new DomainError('amendment_outdated');
    const last = await trx
      .selectFrom('appeal_amendments')
      .select(sql<number | null>`max(number)`.as('number'))
      .where('appeal_id', '=', appealId)
      .executeTakeFirstOrThrow();
    const waiting = await trx
      .selectFrom('appeal_amendments')
      .select([sql<number>`count(*)`.as('all'), sql<number>`count(*) filter (where proposer_id = ${actor.id})`.as('mine')])
      .where('appeal_id', '=', appealId)
      .where('status', '=', 'proposed')
      .executeTakeFirstOrThrow();
    if (Number(waiting.mine) >= amendmentLimits.openPerPerson || Number(waiting.all) >= amendmentLimits.openPerAppeal)
      throw new DomainError('amendment_limit', { limit: amendmentLimits.openPerPerson });
    const amendment = await trx
      .insertInto('appeal_amendments')
      .values({
        appeal_id: appealId,
        number: Number(last.number ?? 0) + 1,
        proposer_id: actor.id,
        base_revision_id: base.id,
        text: content.text,
        html: content.html,
        doc: content.doc,
        diff,
        reason,
        created_at: ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.amendment_proposed',
      actorId: actor.id,
      data: { amendment: amendment.number },
    });
    if (appeal.author_id !== null && appeal.author_id !== actor.id)
      await ctx.jobs.send('appeals.notify-amendment', { amendmentId: amendment.id, event: 'proposed' }, trx);
    return amendment;
  });
}

export interface AmendmentDecision {
  accept: boolean;
  reason: string;
}

/**
 * The author accepts (a new version; the old version's signatures wait to be given again) or rejects an amendment,
 * with a reason. Refused after `amendmentSignatureLimit` signatures, once the threshold is reached, and for an
 * amendment made from a version the appeal has replaced since.
 */
export async function decideAmendment(
  ctx: AppContext,
  asker: Actor | null,
  appealId: number,
  number: number,
  decision: AmendmentDecision,
): Promise<AppealAmendment> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'amendment.decide', appeal);
  const reason = decision.reason.trim();
  const checks = new FieldChecks();
  checkReason(checks, 'reason', reason);
  checks.throwIfAny();
  const decided = await ctx.db.transaction().execute(async (trx) => {
    // FOR UPDATE waits for the signing statements in flight (they hold KEY SHARE) and keeps new ones out until the
    // commit: no signature of the old version can commit after its signatures moved.
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    authorize(actor, 'amendment.decide', locked);
    const amendment = await trx
      .selectFrom('appeal_amendments')
      .selectAll()
      .where('appeal_id', '=', appealId)
      .where('number', '=', number)
      .forUpdate()
      .executeTakeFirst();
    if (!amendment) throw new DomainError('not_found');
    if (amendment.status !== 'proposed') throw new DomainError('amendment_decided');
    // A moderator hid it: its words are not published as the appeal's text (rejecting it stays possible).
    if (decision.accept && amendment.hidden_at) throw new DomainError('content_hidden', { reason: amendment.hidden_reason ?? '' });
    const now = ctx.now();
    if (!decision.accept) {
      const rejected = await trx
        .updateTable('appeal_amendments')
        .set({ status: 'rejected', decided_at: now, decided_by: actor.id, decision_reason: reason })
        .where('id', '=', amendment.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvent(trx, { problemId: locked.problem_id, appealId, kind: 'appeal.amendment_rejected', actorId: actor.id, data: { amendment: number } });
      return { amendment: rejected, superseded: 0 };
    }
    if (locked.hidden_at) throw new DomainError('content_hidden', { reason: locked.hidden_reason ?? '' });
    if (locked.threshold_reached_at) throw new DomainError('amendment_threshold_reached');
    if (amendment.base_revision_id !== locked.frozen_revision_id) throw new DomainError('amendment_outdated');
    const signatures = await trx
      .selectFrom('signatures')
      .select(sql<number>`count(*)`.as('n'))
      .where('appeal_id', '=', appealId)
      .where('flagged_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(signatures.n) >= amendmentSignatureLimit) throw new DomainError('amendment_too_late', { limit: amendmentSignatureLimit });
    // Reached but not recorded yet (the check follows the signature's commit): its letter is due all the same. A
    // check that counted before this and records after would otherwise dispatch an appeal this just emptied.
    if (Number(signatures.n) >= locked.threshold) throw new DomainError('amendment_threshold_reached');
    const written = await recordRevision(trx, appealId, {
      doc: amendment.doc,
      authorId: amendment.proposer_id,
      contributorIds: amendment.proposer_id !== null ? [amendment.proposer_id] : [],
      now,
    });
    // The text was checked when proposed; a version equal to the current one is not a new version.
    if (!written?.created) throw new DomainError('amendment_outdated');
    const version = written.revision;
    const sha256 = textSha256(version.text);
    await trx.updateTable('appeals').set({ frozen_revision_id: version.id, text_sha256: sha256, updated_at: now }).where('id', '=', appealId).execute();
    // Every signature of the old version, as given; the delete's trigger takes the counted ones off the counts.
    const moved = await sql<{ n: number }>`
      with moved as (delete from signatures where appeal_id = ${appealId} returning *),
      kept as (
        insert into superseded_signatures (signature_id, appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id,
          public_name, consent_author, flagged, flag_reasons, signed_at, superseded_at)
        select id, appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, public_name, consent_author,
          flagged_at is not null, case when flagged_at is not null then flag_reasons else '{}' end, created_at, ${now}
        from moved
        on conflict (appeal_id, user_id) do update set signature_id = excluded.signature_id, revision_id = excluded.revision_id,
          text_sha256 = excluded.text_sha256, full_name = excluded.full_name, postal_address = excluded.postal_address,
          municipality_id = excluded.municipality_id, public_name = excluded.public_name, consent_author = excluded.consent_author,
          flagged = excluded.flagged, flag_reasons = excluded.flag_reasons, signed_at = excluded.signed_at, superseded_at = excluded.superseded_at
        returning flagged
      )
      select count(*) filter (where not flagged)::int as n from kept`.execute(trx);
    const superseded = Number(moved.rows[0]?.n ?? 0);
    // The other waiting amendments were made from the old text: they stay, marked outdated by their base.
    const accepted = await trx
      .updateTable('appeal_amendments')
      .set({ status: 'accepted', decided_at: now, decided_by: actor.id, decision_reason: reason, revision_id: version.id, superseded_count: superseded })
      .where('id', '=', amendment.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      problemId: locked.problem_id,
      appealId,
      kind: 'appeal.amended',
      actorId: actor.id,
      data: { amendment: number, revision: version.number, sha256, superseded },
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'appeal.amendment_accepted',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { amendment: number, revision: version.number, sha256, superseded },
    });
    await ctx.jobs.send('appeals.notify-amended', { appealId, revisionId: version.id }, trx);
    return { amendment: accepted, superseded };
  });
  forgetCount(ctx, appealId);
  if (decided.amendment.proposer_id !== null && decided.amendment.proposer_id !== actor.id)
    await ctx.jobs.send('appeals.notify-amendment', { amendmentId: decided.amendment.id, event: 'decided' });
  return decided.amendment;
}

/** A comment under an amendment, while the appeal collects signatures. */
export async function commentOnAmendment(ctx: AppContext, asker: Actor | null, appealId: number, number: number, body: string): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'amendment.comment', appeal);
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const text = body.trim();
  const checks = new FieldChecks();
  if (!text) checks.add('body', 'required');
  else if (characterCount(text) > amendmentLimits.comment) checks.add('body', 'tooLong', { limit: amendmentLimits.comment });
  checks.throwIfAny();
  await ctx.db.transaction().execute(async (trx) => {
    const amendment = await trx
      .selectFrom('appeal_amendments')
      .select(['id', 'status'])
      .where('appeal_id', '=', appealId)
      .where('number', '=', number)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!amendment) throw new DomainError('not_found');
    // The discussion is for the decision: once the author decided, it closes (the page shows no form then either).
    if (amendment.status !== 'proposed') throw new DomainError('amendment_decided');
    const count = await trx
      .selectFrom('amendment_comments')
      .select([sql<number>`count(*)`.as('n'), sql<number>`count(*) filter (where author_id = ${actor.id})`.as('mine')])
      .where('amendment_id', '=', amendment.id)
      .executeTakeFirstOrThrow();
    // One person may not fill the discussion alone.
    if (Number(count.mine) >= amendmentLimits.commentsPerPerson) throw new DomainError('amendment_limit', { limit: amendmentLimits.commentsPerPerson });
    if (Number(count.n) >= amendmentLimits.comments) throw new DomainError('amendment_limit', { limit: amendmentLimits.comments });
    await trx.insertInto('amendment_comments').values({ amendment_id: amendment.id, author_id: actor.id, body: text, created_at: ctx.now() }).execute();
  });
}

export interface AmendmentSummary {
  /** The row's id: what a report names (`/report/amendment/{id}`). */
  id: number;
  number: number;
  /** The proposer's user id, so a page offers no report of one's own amendment. */
  proposerId: number | null;
  /** Hidden by a moderator: the public reason, shown in place of its reason and text. */
  hiddenReason: string | null;
  proposer: string;
  reason: string;
  status: AppealAmendment['status'];
  createdAt: Date;
  decidedAt: Date | null;
  decisionReason: string | null;
  /** The version it was made from, and the one accepting it published. */
  baseRevision: number;
  revision: number | null;
  /** Made from a version the appeal has replaced since: it can no longer be accepted as it stands. */
  outdated: boolean;
  supersededCount: number | null;
  comments: number;
}

export interface AmendmentComment {
  id: number;
  authorId: number | null;
  author: string;
  /** Empty when a moderator hid it (`hiddenReason` then says why). */
  body: string;
  hiddenReason: string | null;
  createdAt: Date;
}

export interface AmendmentDetails {
  appeal: Appeal;
  amendment: AmendmentSummary;
  text: string;
  html: string;
  changes: WordChange[];
  comments: AmendmentComment[];
  /** Whether the viewer may decide it now (the author, while it waits and can be accepted or rejected). */
  canDecide: boolean;
  canComment: boolean;
  /** The text in the Markdown of the form, to propose a new amendment from it. */
  markdown: string;
}

export interface AppealVersions {
  /** The current version's number and its counted signatures are the page's count; these are the replaced ones. */
  superseded: { revision: number; signatures: number }[];
}

async function summaries(ctx: AppContext, appeal: Appeal, rows: AppealAmendment[]): Promise<AmendmentSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const revisionIds = [...new Set(rows.flatMap((row) => [row.base_revision_id, ...(row.revision_id !== null ? [row.revision_id] : [])]))];
  const [names, revisions, comments] = await Promise.all([
    publicNamesOf(
      ctx.db,
      rows.flatMap((row) => (row.proposer_id !== null ? [row.proposer_id] : [])),
    ),
    ctx.db.selectFrom('appeal_revisions').select(['id', 'number']).where('id', 'in', revisionIds).execute(),
    ctx.db
      .selectFrom('amendment_comments')
      .select(['amendment_id', sql<number>`count(*)`.as('n')])
      .where('amendment_id', 'in', ids)
      .groupBy('amendment_id')
      .execute(),
  ]);
  const numbers = new Map(revisions.map((row) => [row.id, row.number]));
  const commentCounts = new Map(comments.map((row) => [row.amendment_id, Number(row.n)]));
  return rows.map((row) => ({
    id: row.id,
    number: row.number,
    proposerId: row.proposer_id,
    hiddenReason: row.hidden_at !== null ? (row.hidden_reason ?? '') : null,
    proposer: (row.proposer_id !== null ? names.get(row.proposer_id) : undefined) ?? '—',
    // What a moderator hid is not shown, in any list or API.
    reason: row.hidden_at !== null ? '' : row.reason,
    status: row.status,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    baseRevision: numbers.get(row.base_revision_id) ?? 0,
    revision: row.revision_id !== null ? (numbers.get(row.revision_id) ?? null) : null,
    outdated: row.status === 'proposed' && row.base_revision_id !== appeal.frozen_revision_id,
    supersededCount: row.superseded_count,
    comments: commentCounts.get(row.id) ?? 0,
  }));
}

/** The appeal as its amendments' pages show it: what a moderator hid gives way to the reason, as on the appeal's page. */
async function visibleAppeal(ctx: AppContext, viewer: Actor | null, appealId: number): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(viewer, 'appeal.view', appeal);
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  return appeal;
}

/** The appeal's amendments, newest first (its page and the API list). */
export async function amendmentsOf(ctx: AppContext, viewer: Actor | null, appealId: number): Promise<{ appeal: Appeal; amendments: AmendmentSummary[] }> {
  const appeal = await visibleAppeal(ctx, viewer, appealId);
  const rows = await ctx.db.selectFrom('appeal_amendments').selectAll().where('appeal_id', '=', appealId).orderBy('number', 'desc').limit(500).execute();
  return { appeal, amendments: await summaries(ctx, appeal, rows) };
}

/** One amendment with its text, its diff against the version it was made from, and its discussion. */
export async function amendmentDetails(ctx: AppContext, viewer: Actor | null, appealId: number, number: number): Promise<AmendmentDetails> {
  const appeal = await visibleAppeal(ctx, viewer, appealId);
  const row = await ctx.db.selectFrom('appeal_amendments').selectAll().where('appeal_id', '=', appealId).where('number', '=', number).executeTakeFirst();
  if (!row) throw new DomainError('not_found');
  const [summary] = await summaries(ctx, appeal, [row]);
  const comments = await ctx.db.selectFrom('amendment_comments').selectAll().where('amendment_id', '=', row.id).orderBy('id').limit(1000).execute();
  const names = await publicNamesOf(
    ctx.db,
    comments.flatMap((comment) => (comment.author_id !== null ? [comment.author_id] : [])),
  );
  const amendment = summary as AmendmentSummary;
  return {
    appeal,
    amendment,
    text: row.hidden_at !== null ? '' : row.text,
    html: row.hidden_at !== null ? '' : row.html,
    changes: row.hidden_at !== null ? [] : (row.diff as WordChange[]),
    comments: comments.map((comment) => ({
      id: comment.id,
      authorId: comment.author_id,
      author: (comment.author_id !== null ? names.get(comment.author_id) : undefined) ?? '—',
      body: comment.hidden_at !== null ? '' : comment.body,
      hiddenReason: comment.hidden_at !== null ? (comment.hidden_reason ?? '') : null,
      createdAt: comment.created_at,
    })),
    canDecide: amendment.status === 'proposed' && !amendment.outdated && row.hidden_at === null && can(viewer, 'amendment.decide', appeal),
    canComment: amendment.status === 'proposed' && can(viewer, 'amendment.comment', appeal),
    markdown: row.hidden_at !== null ? '' : revisionMarkdown({ doc: row.doc, text: row.text }),
  };
}

/** What the appeal's page says of its amendments: how many wait, and the signatures left under replaced versions. */
export interface AmendmentsOnPage {
  total: number;
  waiting: number;
  superseded: AppealVersions['superseded'];
}

export async function amendmentsOnPage(ctx: AppContext, appealId: number): Promise<AmendmentsOnPage> {
  const counts = await ctx.db
    .selectFrom('appeal_amendments')
    .select([
      sql<number>`count(*)`.as('total'),
      sql<number>`count(*) filter (where status = 'proposed')`.as('waiting'),
      sql<number>`count(*) filter (where status = 'accepted')`.as('accepted'),
    ])
    .where('appeal_id', '=', appealId)
    .executeTakeFirstOrThrow();
  // Only an accepted amendment leaves signatures under a replaced version: most appeals never read that table.
  const superseded = Number(counts.accepted) > 0 ? (await supersededVersions(ctx, appealId)).superseded : [];
  return { total: Number(counts.total), waiting: Number(counts.waiting), superseded };
}

/** How many signatures wait under each replaced version (their signers have not signed the current one yet). */
export async function supersededVersions(ctx: AppContext, appealId: number): Promise<AppealVersions> {
  const rows = await ctx.db
    .selectFrom('superseded_signatures as s')
    .innerJoin('appeal_revisions as r', 'r.id', 's.revision_id')
    .select(['r.number', sql<number>`count(*)`.as('n')])
    .where('s.appeal_id', '=', appealId)
    .where('s.flagged', '=', false)
    .groupBy('r.number')
    .orderBy('r.number', 'desc')
    .execute();
  return { superseded: rows.map((row) => ({ revision: row.number, signatures: Number(row.n) })) };
}

/** The Markdown of the version the appeal collects signatures for: what the proposal form starts from. */
export async function currentMarkdown(
  ctx: AppContext,
  viewer: Actor | null,
  appealId: number,
): Promise<{ appeal: Appeal; markdown: string; revision: number }> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(viewer, 'amendment.propose', appeal);
  const version = await currentVersion(ctx, appeal);
  return { appeal, markdown: revisionMarkdown(version), revision: version.number };
}

/**
 * The signers whose signatures a new version replaced learn that the text changed and that their signature counts
 * again only once they sign the new version. One notification per version (its revision is the key); resumable.
 */
export async function notifyAmended(ctx: AppContext, appealId: number, revisionId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.status !== 'collecting' || appeal.frozen_revision_id !== revisionId) return;
  const version = await ctx.db.selectFrom('appeal_revisions').select('number').where('id', '=', revisionId).executeTakeFirstOrThrow();
  const rows = await ctx.db.selectFrom('superseded_signatures').select('user_id').where('appeal_id', '=', appealId).orderBy('user_id').execute();
  const recipients: Recipient[] = uniqueRecipients(
    rows.filter((row) => row.user_id !== appeal.author_id).map((row) => ({ userId: row.user_id, reason: 'signer' as const })),
  );
  await notifyInBatches(
    ctx,
    { kind: 'appeal.amended', problemId: appeal.problem_id, appealId, key: `v${version.number}`, data: { title: appeal.title, revision: version.number } },
    recipients,
  );
}

/** The appeal's author hears of a new amendment; its proposer, of the decision and its reason. */
export async function notifyAmendment(ctx: AppContext, amendmentId: number, event: 'proposed' | 'decided'): Promise<void> {
  const amendment = await ctx.db.selectFrom('appeal_amendments').selectAll().where('id', '=', amendmentId).executeTakeFirst();
  if (!amendment) return;
  const appeal = await getAppealRow(ctx, amendment.appeal_id);
  const path = `/appeals/${appeal.id}/amendments/${amendment.number}`;
  if (event === 'proposed') {
    if (appeal.author_id === null) return;
    await notifyInBatches(
      ctx,
      {
        kind: 'amendment.proposed',
        problemId: appeal.problem_id,
        appealId: appeal.id,
        key: `a${amendment.number}`,
        data: { title: appeal.title, number: amendment.number, path },
      },
      [{ userId: appeal.author_id, reason: 'author' }],
    );
    return;
  }
  if (amendment.status === 'proposed' || amendment.proposer_id === null) return;
  await notifyInBatches(
    ctx,
    {
      kind: amendment.status === 'accepted' ? 'amendment.accepted' : 'amendment.rejected',
      problemId: appeal.problem_id,
      appealId: appeal.id,
      key: `a${amendment.number}`,
      data: { title: appeal.title, number: amendment.number, reason: amendment.decision_reason ?? '', path },
    },
    [{ userId: amendment.proposer_id, reason: 'author' }],
  );
}

/**
 * Superseded signatures are kept only while their appeal collects: once its letter is made they are not needed, nor a
 * day after it was withdrawn (the day leaves the withdrawal's notice time to tell their signers). The minute sweep.
 */
export async function forgetSupersededSignatures(ctx: AppContext): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with gone as (
      delete from superseded_signatures s using appeals a
      where a.id = s.appeal_id and (a.dispatch_message_id is not null
        or (a.status <> 'collecting' and a.status <> 'withdrawn')
        or (a.status = 'withdrawn' and a.withdrawn_at < ${new Date(ctx.now().getTime() - 86_400_000)}))
      returning 1
    ) select count(*)::int as n from gone`.execute(ctx.db);
  return Number(rows[0]?.n ?? 0);
}
