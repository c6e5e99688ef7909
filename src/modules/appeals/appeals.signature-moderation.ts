/**
 * Moderating signatures (issue 14, «Abuse resistance»): the appeals with flagged signatures, the flagged signatures of
 * one appeal grouped by reason and by client address (its keyed hash: the address itself is never stored), clearing
 * them (they count from then on, and an appeal they bring to its threshold is dispatched, once), and invalidating
 * signatures after a preview: the rows are deleted through the removal path (the counts' trigger), what was removed
 * and why is kept in signature_invalidations, the problem's public timeline says how many, the audit log says who,
 * which and why, and each signer is told through the notifications module.
 *
 * A moderator never acts on an appeal he wrote or signed (`signature.moderate`), and nothing changes once the
 * dispatch has fixed the list of signatories (the letter holds them).
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { notify } from '../notifications/notifications.service.ts';
import { recordEvent } from '../problems/problems.service.ts';
import { territoryNames } from '../territories/territories.service.ts';
import './appeals.policy.ts';
import { isSignatureFlagReason, type SignatureFlagReason, signatureFlagReasons } from './appeals.flags.rules.ts';
import { getAppealRow } from './appeals.service.ts';
import { checkThreshold, countSignatures, forgetCount } from './appeals.signing.ts';

/** At most this many signatures are listed, cleared or invalidated at once (a page, a form, a request). */
export const moderationBatch = 500;

export interface FlaggedAppeal {
  id: number;
  problemId: number;
  title: string;
  status: string;
  flagged: number;
  byReason: Partial<Record<SignatureFlagReason, number>>;
}

/**
 * The appeals with signatures waiting for a moderator, the most flagged first: only those still collecting, since
 * nothing can change once the dispatch has fixed the list (their flagged signatures simply stayed out of the letter).
 */
export async function flaggedAppeals(ctx: AppContext, actor: Actor | null): Promise<FlaggedAppeal[]> {
  authorize(actor, 'signature.review');
  const { rows } = await sql<{ id: number; problem_id: number; title: string; status: string; reason: string | null; n: number }>`
    select a.id, a.problem_id, a.title, a.status, r.reason, count(*)::int as n
    from signatures s join appeals a on a.id = s.appeal_id
    cross join lateral unnest(case when cardinality(s.flag_reasons) = 0 then array[null]::text[] else s.flag_reasons end) as r(reason)
    where s.flagged_at is not null and a.status = 'collecting' and a.dispatch_started_at is null
    group by 1, 2, 3, 4, 5`.execute(ctx.db);
  const totals = await ctx.db
    .selectFrom('signatures')
    .select(['appeal_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('flagged_at', 'is not', null)
    .groupBy('appeal_id')
    .execute();
  const byAppeal = new Map<number, FlaggedAppeal>();
  for (const row of rows) {
    const known = byAppeal.get(row.id) ?? { id: row.id, problemId: row.problem_id, title: row.title, status: row.status, flagged: 0, byReason: {} };
    if (isSignatureFlagReason(row.reason)) known.byReason[row.reason] = Number(row.n);
    byAppeal.set(row.id, known);
  }
  for (const total of totals) {
    const known = byAppeal.get(total.appeal_id);
    if (known) known.flagged = Number(total.n);
  }
  return [...byAppeal.values()].sort((a, b) => b.flagged - a.flagged || a.id - b.id);
}

export interface ModeratedSignature {
  id: number;
  /** The name as signed: a moderator may see it (never the postal address, never a client address). */
  fullName: string;
  municipality: string | null;
  signedAt: Date;
  flagged: boolean;
  reasons: SignatureFlagReason[];
  /** A short, stable label of the keyed hash of the client network (not the address), or null without one. */
  addressGroup: string | null;
  emailDomain: string | null;
}

export interface AppealSignatureReview {
  appeal: { id: number; problemId: number; title: string; status: string; threshold: number; open: boolean };
  count: number;
  flagged: number;
  signatures: ModeratedSignature[];
  /** Groups by reason: which of the flagged signatures each reason flagged. */
  byReason: { reason: SignatureFlagReason; ids: number[] }[];
  /** Groups by client address: every signature from an address one flagged signature came from (counted ones too). */
  byAddress: { group: string; ids: number[]; flagged: number }[];
}

/** The label of an address hash on the pages: its first characters, enough to tell groups apart, nothing more. */
function addressLabel(hash: string | null): string | null {
  return hash ? hash.slice(0, 8) : null;
}

interface SignatureModerationRow {
  id: number;
  user_id: number;
  full_name: string;
  municipality_id: number | null;
  created_at: Date;
  flagged_at: Date | null;
  flag_reasons: string[];
  client_hash: string | null;
  email_domain: string | null;
}

/** The subject of `signature.moderate`: the appeal and whether the moderator signed it. */
async function moderatedAppeal(ctx: AppContext, actor: Actor | null, appealId: number, executor: Executor = ctx.db) {
  const appeal = await getAppealRow(ctx, appealId, executor);
  // A draft has no signatures and is its author's alone.
  if (appeal.status === 'draft') throw new DomainError('not_found');
  const signed = actor
    ? await executor.selectFrom('signatures').select('id').where('appeal_id', '=', appealId).where('user_id', '=', actor.id).executeTakeFirst()
    : undefined;
  const moderator = authorize(actor, 'signature.moderate', { author_id: appeal.author_id, moderatorSigned: signed !== undefined });
  return { appeal, moderator };
}

/** The flagged signatures of one appeal, and the counted ones from the same addresses, grouped for a decision. */
export async function appealSignatureReview(ctx: AppContext, actor: Actor | null, appealId: number): Promise<AppealSignatureReview> {
  const { appeal } = await moderatedAppeal(ctx, actor, appealId);
  const { rows } = await sql<SignatureModerationRow>`
    with flagged as (
      select * from signatures where appeal_id = ${appealId} and flagged_at is not null order by id limit ${moderationBatch}
    )
    select id, user_id, full_name, municipality_id, created_at, flagged_at, flag_reasons, client_hash, email_domain from flagged
    union
    select s.id, s.user_id, s.full_name, s.municipality_id, s.created_at, s.flagged_at, s.flag_reasons, s.client_hash, s.email_domain
    from signatures s
    where s.appeal_id = ${appealId} and s.flagged_at is null
      and s.client_hash in (select client_hash from flagged where client_hash is not null)
    order by id
    limit ${moderationBatch * 2}`.execute(ctx.db);
  const places = await territoryNames(ctx, [...new Set(rows.map((row) => row.municipality_id).filter((id): id is number => id !== null))]);
  const signatures = rows.map((row) => toModerated(row, places));
  const byReason = signatureFlagReasons
    .map((reason) => ({ reason, ids: signatures.filter((s) => s.flagged && s.reasons.includes(reason)).map((s) => s.id) }))
    .filter((group) => group.ids.length > 0);
  const addressGroups = new Map<string, ModeratedSignature[]>();
  for (const signature of signatures) {
    if (!signature.addressGroup) continue;
    addressGroups.set(signature.addressGroup, [...(addressGroups.get(signature.addressGroup) ?? []), signature]);
  }
  const byAddress = [...addressGroups.entries()]
    .map(([group, members]) => ({ group, ids: members.map((s) => s.id), flagged: members.filter((s) => s.flagged).length }))
    .filter((group) => group.flagged > 0)
    .sort((a, b) => b.ids.length - a.ids.length || a.group.localeCompare(b.group));
  const flagged = await ctx.db
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('appeal_id', '=', appealId)
    .where('flagged_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return {
    appeal: {
      id: appeal.id,
      problemId: appeal.problem_id,
      title: appeal.title,
      status: appeal.status,
      threshold: appeal.threshold,
      open: isOpen(appeal),
    },
    count: await countSignatures(ctx.db, appealId),
    flagged: Number(flagged.n),
    signatures,
    byReason,
    byAddress,
  };
}

function toModerated(row: SignatureModerationRow, places: Map<number, string>): ModeratedSignature {
  return {
    id: Number(row.id),
    fullName: row.full_name,
    municipality: row.municipality_id === null ? null : (places.get(row.municipality_id) ?? null),
    signedAt: row.created_at,
    flagged: row.flagged_at !== null,
    reasons: (row.flag_reasons ?? []).filter(isSignatureFlagReason),
    addressGroup: addressLabel(row.client_hash),
    emailDomain: row.email_domain,
  };
}

function isOpen(appeal: { status: string; dispatch_started_at: Date | null }): boolean {
  return appeal.status === 'collecting' && appeal.dispatch_started_at === null;
}

/** Signatures change only while the appeal collects: once the dispatch fixed the list, the letter holds them. */
function refuseUnlessOpen(appeal: { status: string; dispatch_started_at: Date | null }): void {
  if (!isOpen(appeal)) throw new DomainError('signing_closed');
}

function checkSelection(ids: readonly number[]): void {
  if (ids.length === 0) {
    const checks = new FieldChecks();
    checks.add('signatureIds', 'selectSignatures');
    checks.throwIfAny();
  }
}

export interface ClearOutcome {
  cleared: number;
  count: number;
}

/**
 * Clears the flags of the selected signatures: they count from now on. The fold adds those it had passed (through
 * signature_clears, in this transaction); the threshold is checked as after a signature, so an appeal the cleared
 * signatures bring to it records it and is dispatched, once (checkThreshold's conditional update).
 */
export async function clearSignatures(ctx: AppContext, actor: Actor | null, appealId: number, signatureIds: readonly number[]): Promise<ClearOutcome> {
  checkSelection(signatureIds);
  const ids = [...new Set(signatureIds)].slice(0, moderationBatch);
  const cleared = await ctx.db.transaction().execute(async (trx) => {
    // FOR SHARE waits for a dispatch that holds the appeal (FOR UPDATE), and keeps it from starting until this commits.
    await trx.selectFrom('appeals').select('id').where('id', '=', appealId).forShare().executeTakeFirst();
    const { appeal, moderator } = await moderatedAppeal(ctx, actor, appealId, trx);
    refuseUnlessOpen(appeal);
    const rows = await trx
      .updateTable('signatures')
      .set({ flagged_at: null, cleared_at: ctx.now(), cleared_by: moderator.id })
      .where('appeal_id', '=', appealId)
      .where('id', 'in', ids)
      .where('flagged_at', 'is not', null)
      .returning(['id', 'created_at', 'flag_reasons', 'public_name'])
      .execute()
      .then((updated) => updated.sort((a, b) => Number(a.id) - Number(b.id)));
    if (rows.length > 0) {
      await trx
        .insertInto('signature_clears')
        .values(rows.map((row) => ({ appeal_id: appealId, signature_id: row.id, signed_at: row.created_at, named: row.public_name !== null })))
        .execute();
    }
    await audit(trx, {
      actorId: moderator.id,
      action: 'signatures.clear',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { signatureIds: rows.map((row) => Number(row.id)), reasons: reasonCounts(rows.map((row) => row.flag_reasons)) },
    });
    return rows.length;
  });
  forgetCount(ctx, appealId);
  const count = await checkThreshold(ctx, appealId);
  return { cleared, count };
}

function reasonCounts(lists: readonly string[][]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const list of lists) for (const reason of list) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

export interface InvalidationPreview {
  appealId: number;
  title: string;
  /** The selected signatures that exist on this appeal. */
  signatureIds: number[];
  /** The count now, and after: only the counted ones among them leave it (flagged ones were never in it). */
  countBefore: number;
  countAfter: number;
  counted: number;
  flagged: number;
  /** How many people will be told. */
  signers: number;
  threshold: number;
}

async function selectedSignatures(executor: Executor, appealId: number, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return executor
    .selectFrom('signatures')
    .select(['id', 'user_id', 'flagged_at', 'flag_reasons'])
    .where('appeal_id', '=', appealId)
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
}

/** What invalidating the selected signatures would change, without changing anything. */
export async function previewInvalidation(
  ctx: AppContext,
  actor: Actor | null,
  appealId: number,
  signatureIds: readonly number[],
): Promise<InvalidationPreview> {
  checkSelection(signatureIds);
  const ids = [...new Set(signatureIds)].slice(0, moderationBatch);
  const { appeal } = await moderatedAppeal(ctx, actor, appealId);
  refuseUnlessOpen(appeal);
  const rows = await selectedSignatures(ctx.db, appealId, ids);
  if (rows.length === 0) throw new DomainError('not_found');
  const counted = rows.filter((row) => row.flagged_at === null).length;
  const countBefore = await countSignatures(ctx.db, appealId);
  return {
    appealId,
    title: appeal.title,
    signatureIds: rows.map((row) => Number(row.id)),
    countBefore,
    countAfter: countBefore - counted,
    counted,
    flagged: rows.length - counted,
    signers: new Set(rows.map((row) => row.user_id)).size,
    threshold: appeal.threshold,
  };
}

export interface InvalidationOutcome {
  invalidated: number;
  countBefore: number;
  count: number;
}

/**
 * Invalidates the selected signatures of the appeal: deletes them (the counts' trigger takes the counted ones off),
 * keeps whose they were and why, writes one event on the problem's public timeline (a number, no names), the audit
 * entry (who, which, why) and tells each signer. One transaction; the signers' notifications are written in it.
 */
export async function invalidateSignatures(
  ctx: AppContext,
  actor: Actor | null,
  appealId: number,
  signatureIds: readonly number[],
  reasonInput: string,
): Promise<InvalidationOutcome> {
  const reason = reasonInput.replace(/\s+/g, ' ').trim();
  const checks = new FieldChecks();
  if (signatureIds.length === 0) checks.add('signatureIds', 'selectSignatures');
  if (!reason) checks.add('reason', 'required');
  else if (reason.length > 1000) checks.add('reason', 'tooLong', { limit: 1000 });
  checks.throwIfAny();
  const ids = [...new Set(signatureIds)].slice(0, moderationBatch);
  const countBefore = await countSignatures(ctx.db, appealId);
  const invalidated = await ctx.db.transaction().execute(async (trx) => {
    await trx.selectFrom('appeals').select('id').where('id', '=', appealId).forShare().executeTakeFirst();
    const { appeal, moderator } = await moderatedAppeal(ctx, actor, appealId, trx);
    refuseUnlessOpen(appeal);
    const rows = await trx
      .deleteFrom('signatures')
      .where('appeal_id', '=', appealId)
      .where('id', 'in', ids)
      .returning(['id', 'user_id', 'flagged_at', 'flag_reasons'])
      .execute()
      .then((deleted) => deleted.sort((a, b) => Number(a.id) - Number(b.id)));
    if (rows.length === 0) throw new DomainError('not_found');
    await trx
      .insertInto('signature_invalidations')
      .values(
        rows.map((row) => ({
          appeal_id: appealId,
          signature_id: row.id,
          user_id: row.user_id,
          flag_reasons: row.flag_reasons,
          was_counted: row.flagged_at === null,
          reason,
          invalidated_by: moderator.id,
        })),
      )
      .execute();
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId,
      kind: 'appeal.signatures_invalidated',
      actorId: null,
      data: { count: rows.length },
    });
    await audit(trx, {
      actorId: moderator.id,
      action: 'signatures.invalidate',
      subjectType: 'appeal',
      subjectId: appealId,
      details: {
        signatureIds: rows.map((row) => Number(row.id)),
        userIds: rows.map((row) => row.user_id),
        counted: rows.filter((row) => row.flagged_at === null).length,
        reasons: reasonCounts(rows.map((row) => row.flag_reasons)),
        reason,
      },
    });
    await notify(
      ctx,
      trx,
      {
        kind: 'signature.invalidated',
        problemId: appeal.problem_id,
        appealId,
        data: { title: appeal.title, reason },
        key: `signature.invalidated:${appealId}:${Number(rows[0]?.id)}`,
      },
      rows.map((row) => ({ userId: row.user_id, reason: 'signer' as const })),
    );
    return rows.length;
  });
  forgetCount(ctx, appealId);
  return { invalidated, countBefore, count: await countSignatures(ctx.db, appealId) };
}
