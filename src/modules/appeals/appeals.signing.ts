/**
 * Signing: the signature batch writer, withdrawing a signature, the counts and the threshold.
 *
 * Signing never updates a shared row: the count is the kept count plus the signatures not folded into
 * it yet (`countSignatures`, appeals.counts.ts). Signatures of
 * one appeal that arrive together share one statement and one commit (`signatureWriter`). Crossing the
 * threshold is detected after the signature commits, and recorded by a conditional update that only
 * one transaction can win; the dispatch job is enqueued in that same transaction.
 */
import type DataLoader from 'dataloader';
import { sql } from 'kysely';
import { type AppContext, stateSlot } from '../../core/context.ts';
import type { Database, Executor } from '../../core/db/database.ts';
import type { AppealStatus } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import type { ProofOfWork } from '../../core/security/altcha.ts';
import { clientAddressHash } from '../../core/security/client-address.ts';
import { perDatabase, perTurn } from '../../core/util/batch.ts';
import { Coalescer } from '../../core/util/coalesce.ts';
import { checkFullName, checkPostalAddress, publicName } from '../accounts/accounts.rules.ts';
import { memberIds } from '../organizations/organizations.members.ts';
import { recordEvent } from '../problems/problems.service.ts';
import './appeals.policy.ts';
import { getUser, signerSignals } from '../accounts/accounts.service.ts';
import { countsForDomainBurst, domainBurstPossible, flagReasons, flagWindowMs } from './appeals.flags.rules.ts';
import { canPerform } from './appeals.rules.ts';
import { organizationOf } from './appeals.service.ts';

export interface SignInput {
  fullName: string;
  postalAddress: string;
  consentTransfer: boolean;
  consentPublicName: boolean;
  /** Separate and optional: the appeal's author may list this signer's full name and address in a letter he sends himself. */
  consentAuthor?: boolean;
  /** The request's client address: only its keyed hash is stored (core/security/client-address.ts), for the burst flags. */
  clientAddress?: string | null;
  /** What the request's ALTCHA field proved (core/security/altcha.ts): `missing` flags the signature (`no_proof_of_work`). */
  proofOfWork?: ProofOfWork;
  /**
   * The SHA-256 of the text the signer read (the sign form carries the one its page showed). An accepted amendment may
   * replace the text between reading and signing: then nothing is signed (`text_changed`). Absent: the current text.
   */
  textSha256?: string | null;
}

interface SignatureRow {
  userId: number;
  fullName: string;
  postalAddress: string;
  municipalityId: number | null;
  publicName: string | null;
  consentAuthor: boolean;
  clientHash: string | null;
  emailDomain: string;
  registrationBurst: boolean;
  withoutProofOfWork: boolean;
  /** The text the signer read (SignInput.textSha256), or null for whatever is current. */
  textSha256: string | null;
}

/** What a signing statement saw of the appeal, and the signature it made (null: none was made). */
interface SignOutcome {
  signatureId: number | null;
  /** The text the appeal collects signatures for, as the statement saw it under its lock. */
  text_sha256: string | null;
  status: AppealStatus;
  open: boolean;
  threshold: number;
  threshold_reached_at: Date | null;
}

/**
 * What signing keeps between requests, per app (on `ctx.state`): the batch writers, the burst
 * checks waiting for their timer, and the last exact count of each appeal.
 */
interface SigningState {
  /** One writer per appeal, per database (see `signatureWriter`). */
  writers: WeakMap<Database, Map<number, DataLoader<SignatureRow, SignOutcome | null>>>;
  /** The burst check scheduled for an appeal (see `afterSignature`). */
  scheduledChecks: Map<number, NodeJS.Timeout>;
  /** The last exact count of each appeal, and when it was made (`ctx.now()`, in ms). */
  counts: Map<number, { count: number; at: number }>;
  /** Counts running now, shared by the callers who asked while they run. */
  countFlights: Coalescer<number, number>;
  /** What the count endpoint answers for each appeal (see `countView`), and when it was read. */
  views: Map<number, CountView & { at: number }>;
  /** Views being read now, shared likewise. */
  viewFlights: Coalescer<number, CountView>;
}

const signingState = stateSlot<SigningState>('appeals.signing', () => ({
  writers: new WeakMap(),
  scheduledChecks: new Map(),
  counts: new Map(),
  countFlights: new Coalescer(),
  views: new Map(),
  viewFlights: new Coalescer(),
}));

/**
 * Signatures that arrive together (one viral appeal) are written by one statement and one commit
 * per appeal: the appeal row under KEY SHARE, the checks and the insert of every row. KEY SHARE lets
 * many signers in at once, but the dispatch's FOR UPDATE waits for those in flight, and once it has
 * closed signing (dispatch_started_at) nobody gets in, so no signature commits after the letter was
 * made without being in it. The statement never writes a shared row. Each signer's answer waits for
 * the commit that holds their signature. One writer per appeal, so nobody waits for another
 * appeal's statement.
 */
function signatureWriter(ctx: AppContext, appealId: number): DataLoader<SignatureRow, SignOutcome | null> {
  const db = ctx.db;
  // Each batch commits on its own; inside a caller's transaction a 201 would precede the commit.
  const writers = perDatabase(ctx.state.get(signingState).writers, db, () => new Map<number, DataLoader<SignatureRow, SignOutcome | null>>());
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

/**
 * Why each signer's new signature is suspicious (appeals.flags.rules.ts), from one statement over the appeal's recent
 * signatures: from each client network, from each e-mail domain, and earlier invalidations of these signers. Signers
 * of the batch count each other in user order, as the insert makes them. Read just before the insert, outside its
 * statement: two batches racing on one appeal may each miss the other, which a moderator's list of the address
 * still shows; what matters is that a flag is written by the insert that makes the signature, so it is never counted.
 */
async function flagsOf(db: Executor, appealId: number, signers: readonly SignatureRow[]): Promise<string[][]> {
  const hashes = [...new Set(signers.map((row) => row.clientHash).filter((hash): hash is string => hash !== null))];
  const domains = [...new Set(signers.map((row) => row.emailDomain).filter(countsForDomainBurst))];
  const window = `${flagWindowMs} milliseconds`;
  const { rows } = await sql<{ kind: string; key: string; n: number }>`/* statement:appeals.flag-evidence */
    select 'address' as kind, h as key, (select count(*)::int from signatures s
      where s.appeal_id = ${appealId} and s.client_hash = h and s.created_at > now() - ${window}::interval) as n
    from unnest(${hashes}::text[]) as h
    union all
    select 'domain', d, (select count(*)::int from signatures s
      where s.appeal_id = ${appealId} and s.email_domain = d and s.created_at > now() - ${window}::interval)
    from unnest(${domains}::text[]) as d
    union all
    select 'invalidated', i.user_id::text, 1 from signature_invalidations i
    where i.appeal_id = ${appealId} and i.user_id = any(${signers.map((row) => row.userId)}::integer[])
    union all
    select 'superseded', ss.user_id::text || ' ' || reason, 1 from superseded_signatures ss cross join unnest(ss.flag_reasons) as reason
    where ss.appeal_id = ${appealId} and ss.flagged and ss.user_id = any(${signers.map((row) => row.userId)}::integer[])`.execute(db);
  const earlier = { address: new Map<string, number>(), domain: new Map<string, number>() };
  const invalidated = new Set<number>();
  /** The reasons a signer's superseded signature was flagged for: his signature of the new version keeps them. */
  const carried = new Map<number, string[]>();
  for (const row of rows) {
    if (row.kind === 'address' || row.kind === 'domain') earlier[row.kind].set(row.key, Number(row.n));
    else if (row.kind === 'invalidated') invalidated.add(Number(row.key));
    else if (row.kind === 'superseded') {
      const [userId = '', reason = ''] = row.key.split(' ');
      carried.set(Number(userId), [...(carried.get(Number(userId)) ?? []), reason]);
    }
  }
  // The appeal's recent total, read only when a domain is past the absolute part of its burst (rare).
  let appealRecent: number | null = null;
  const reasons: string[][] = [];
  for (const row of signers) {
    const fromAddress = row.clientHash === null ? 0 : (earlier.address.get(row.clientHash) ?? 0);
    const fromDomain = earlier.domain.get(row.emailDomain) ?? 0;
    if (appealRecent === null && domainBurstPossible(row.emailDomain, fromDomain)) appealRecent = await recentSignatures(db, appealId);
    const own = flagReasons({
      fromAddress,
      fromDomain,
      appealRecent: (appealRecent ?? 0) + reasons.length,
      emailDomain: row.emailDomain,
      registrationBurst: row.registrationBurst,
      invalidatedBefore: invalidated.has(row.userId),
      withoutProofOfWork: row.withoutProofOfWork,
    });
    reasons.push([...new Set([...own, ...(carried.get(row.userId) ?? [])])]);
    if (row.clientHash !== null) earlier.address.set(row.clientHash, fromAddress + 1);
    if (earlier.domain.has(row.emailDomain)) earlier.domain.set(row.emailDomain, fromDomain + 1);
  }
  return reasons;
}

async function recentSignatures(db: Executor, appealId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from signatures where appeal_id = ${appealId} and created_at > now() - ${`${flagWindowMs} milliseconds`}::interval`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

async function insertSignatures(db: Executor, appealId: number, group: readonly SignatureRow[]): Promise<Map<SignatureRow, SignOutcome | null>> {
  // One row per signer (a double submit in the same batch signs once), in user order, so that two
  // statements inserting the same signers wait for each other instead of deadlocking.
  const firstRows = new Map<number, SignatureRow>();
  for (const row of group) if (!firstRows.has(row.userId)) firstRows.set(row.userId, row);
  const signers = [...firstRows.values()].sort((a, b) => a.userId - b.userId);
  // Flagged silently: the signer is answered as usual, the signature waits for a moderator (appeals.moderation.ts).
  const flags = (await flagsOf(db, appealId, signers)).map((reasons) => `{${reasons.join(',')}}`);
  const { rows } = await sql<
    Omit<SignOutcome, 'signatureId'> & { user_id: number | null; signature_id: number | null; amended_meanwhile: boolean }
  >`/* statement:appeals.sign */
    with a as (
      select id, status, threshold, threshold_reached_at, frozen_revision_id, text_sha256,
        status = 'collecting' and dispatch_started_at is null and frozen_revision_id is not null and text_sha256 is not null
          and hidden_at is null as open
      from appeals where id = ${appealId} for key share
    ), inserted as (
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, public_name, consent_author,
        client_hash, email_domain, flag_reasons, flagged_at)
      select a.id, s.user_id, a.frozen_revision_id, a.text_sha256, s.full_name, s.postal_address, s.municipality_id, true, s.public_name, s.consent_author,
        s.client_hash, nullif(s.email_domain, ''), s.flags::text[], case when s.flags = '{}' then null else now() end
      from a cross join unnest(
        ${signers.map((row) => row.userId)}::integer[], ${signers.map((row) => row.fullName)}::text[],
        ${signers.map((row) => row.postalAddress)}::text[], ${signers.map((row) => row.municipalityId)}::integer[],
        ${signers.map((row) => row.publicName)}::text[], ${signers.map((row) => row.consentAuthor)}::boolean[],
        ${signers.map((row) => row.clientHash)}::text[], ${signers.map((row) => row.emailDomain)}::text[], ${flags}::text[],
        ${signers.map((row) => row.textSha256)}::text[]
      ) with ordinality as s (user_id, full_name, postal_address, municipality_id, public_name, consent_author, client_hash, email_domain, flags, read_sha256, n)
      -- The text read under the lock: an amendment accepted while the signer read the old one signs nothing.
      where a.open and (s.read_sha256 is null or s.read_sha256 = a.text_sha256)
      order by s.n
      on conflict (appeal_id, user_id) do nothing
      returning id, user_id
    ), confirmed as (
      -- A signer of a version the appeal replaced signs this one: his superseded signature goes in the same commit.
      delete from superseded_signatures ss using inserted i where ss.appeal_id = ${appealId} and ss.user_id = i.user_id
    ), seen as (
      -- The appeal as this statement's snapshot has it; \`a\` is the row as its lock found it, after any waiting.
      select frozen_revision_id from appeals where id = ${appealId}
    )
    select a.status, a.open, a.threshold, a.threshold_reached_at, a.text_sha256, i.user_id, i.id as signature_id,
      a.frozen_revision_id is distinct from (select frozen_revision_id from seen) as amended_meanwhile
    from a left join inserted i on true`.execute(db);
  // An amendment accepted while this statement waited for the lock moved signatures into superseded_signatures after its
  // snapshot, where `confirmed` could not see them: a signer who signed again then would keep his old signature too.
  // The signatures are committed already: a failure here must not answer them as failed (withdrawing removes both).
  const madeNow = rows.filter((row) => row.user_id !== null && row.signature_id !== null);
  if (rows[0]?.amended_meanwhile && madeNow.length > 0) {
    await sql`delete from superseded_signatures ss using unnest(${madeNow.map((row) => row.user_id)}::integer[], ${madeNow.map((row) => Number(row.signature_id))}::bigint[]) as m(user_id, signature_id)
      where ss.appeal_id = ${appealId} and ss.user_id = m.user_id and ss.signature_id <> m.signature_id`
      .execute(db)
      .catch(() => undefined);
  }
  const outcomes = new Map<SignatureRow, SignOutcome | null>();
  const first = rows[0];
  if (!first) {
    for (const row of group) outcomes.set(row, null);
    return outcomes;
  }
  const appeal = {
    status: first.status,
    open: first.open,
    threshold: first.threshold,
    threshold_reached_at: first.threshold_reached_at,
    text_sha256: first.text_sha256,
  };
  const made = new Map(rows.filter((row) => row.user_id !== null).map((row) => [row.user_id, Number(row.signature_id)]));
  for (const row of group) {
    // The signer's first row gets the signature; a second row of the same signer is "already signed".
    const signatureId = firstRows.get(row.userId) === row ? (made.get(row.userId) ?? null) : null;
    outcomes.set(row, { ...appeal, signatureId });
  }
  return outcomes;
}

async function personOf(ctx: AppContext, userId: number): Promise<{ firstName: string; surname: string; municipalityId: number | null }> {
  const user = await getUser(ctx, userId);
  return { firstName: user.first_name, surname: user.surname, municipalityId: user.municipality_id };
}

export async function sign(ctx: AppContext, actor: Actor | null, appealId: number, input: SignInput): Promise<{ signatureId: number; count: number }> {
  const signer = authorize(actor, 'appeal.sign');
  const checks = new FieldChecks();
  const fullName = input.fullName.replace(/\s+/g, ' ').trim();
  checkFullName(checks, 'fullName', fullName);
  const postalAddress = input.postalAddress.trim();
  if (!postalAddress) checks.add('postalAddress', 'addressRequired');
  else checkPostalAddress(checks, postalAddress);
  if (!input.consentTransfer) checks.add('consentTransfer', 'consentRequired');
  if (checks.problems.length > 0) {
    await refuseIfCannotSign(ctx, appealId, signer.id);
    checks.throwIfAny();
  }

  // The actor usually carries the person (loaded with the session); otherwise the accounts module has it.
  const person: { firstName: string; surname: string; municipalityId: number | null } = signer.person ?? (await personOf(ctx, signer.id));
  const signals = await signerSignals(ctx, signer.id);
  const appeal = await signatureWriter(ctx, appealId).load({
    userId: signer.id,
    fullName,
    postalAddress,
    municipalityId: person.municipalityId,
    publicName: input.consentPublicName ? publicName(person.firstName, person.surname) : null,
    consentAuthor: input.consentAuthor === true,
    clientHash: clientAddressHash(ctx.config.secret, input.clientAddress),
    emailDomain: signals.emailDomain,
    registrationBurst: signals.registrationBurst,
    withoutProofOfWork: input.proofOfWork === 'missing',
    textSha256: input.textSha256 || null,
  });
  if (!appeal) throw new DomainError('not_found');
  if (!appeal.open || !canPerform(appeal.status, 'sign')) throw new DomainError('signing_closed');
  if (appeal.signatureId === null && input.textSha256 && input.textSha256 !== appeal.text_sha256) throw new DomainError('text_changed');
  if (appeal.signatureId === null) throw new DomainError('already_signed');
  const count = await afterSignature(ctx, appealId, appeal.threshold_reached_at ? null : appeal.threshold);
  return { signatureId: appeal.signatureId, count };
}

/**
 * Mistakes in the sign form matter only to someone who may still sign. When the appeal is closed to
 * signatures (sent while the form stood open in a tab, or never opened) or the person has signed already,
 * that is the answer — not field errors for a form the appeal's page no longer shows. Only on the way to a
 * refusal: a valid signature learns all this from its own insert.
 */
export async function refuseIfCannotSign(ctx: AppContext, appealId: number, userId: number): Promise<void> {
  const appeal = await ctx.db
    .selectFrom('appeals')
    .select(['status', 'dispatch_started_at', 'frozen_revision_id', 'text_sha256', 'hidden_at', 'hidden_reason'])
    .where('id', '=', appealId)
    .executeTakeFirst();
  if (!appeal) throw new DomainError('not_found');
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const open = appeal.status === 'collecting' && !appeal.dispatch_started_at && appeal.frozen_revision_id !== null && appeal.text_sha256 !== null;
  if (!open || !canPerform(appeal.status, 'sign')) throw new DomainError('signing_closed');
  const signed = await ctx.db.selectFrom('signatures').select('id').where('appeal_id', '=', appealId).where('user_id', '=', userId).executeTakeFirst();
  if (signed) throw new DomainError('already_signed');
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
  const { counts, countFlights, scheduledChecks } = ctx.state.get(signingState);
  const known = counts.get(appealId);
  const recent = known !== undefined && ctx.now().getTime() - known.at < countCacheMs;
  const burst = recent && (threshold === null || countFlights.busy(appealId) || scheduledChecks.has(appealId));
  if (!burst) return threshold === null ? freshCount(ctx, appealId) : checkThreshold(ctx, appealId, threshold);
  if (!scheduledChecks.has(appealId)) {
    scheduledChecks.set(
      appealId,
      setTimeout(() => void runScheduledCheck(ctx, appealId), burstCheckDelayMs),
    );
  }
  return (known as { count: number }).count;
}

const burstCheckDelayMs = 200;

async function runScheduledCheck(ctx: AppContext, appealId: number): Promise<void> {
  const { scheduledChecks } = ctx.state.get(signingState);
  clearTimeout(scheduledChecks.get(appealId));
  scheduledChecks.delete(appealId);
  try {
    await checkThreshold(ctx, appealId);
  } catch (error) {
    ctx.log.error({ err: error, appealId }, 'threshold check failed; the minute sweep will retry');
  }
}

/** Runs the scheduled threshold checks now (on shutdown, before the job queue stops). */
export async function flushThresholdChecks(ctx: AppContext): Promise<void> {
  const scheduled = [...ctx.state.get(signingState).scheduledChecks.keys()];
  await Promise.all(scheduled.map((appealId) => runScheduledCheck(ctx, appealId)));
}

export async function withdrawSignature(ctx: AppContext, actor: Actor | null, appealId: number): Promise<void> {
  const signer = authorize(actor, 'appeal.mySignature');
  await ctx.db.transaction().execute(async (trx) => {
    const appeal = await trx.selectFrom('appeals').select(['status', 'dispatch_started_at']).where('id', '=', appealId).forKeyShare().executeTakeFirst();
    if (!appeal) throw new DomainError('not_found');
    // Once the dispatch has fixed the list of signatories, a signature is in the letter: it cannot leave it.
    if (!canPerform(appeal.status, 'withdrawSignature') || appeal.dispatch_started_at) throw new DomainError('signing_closed');
    const deleted = await trx.deleteFrom('signatures').where('appeal_id', '=', appealId).where('user_id', '=', signer.id).returning('id').executeTakeFirst();
    // A signature of a version the appeal replaced (appeals.amendments.ts) is withdrawn the same way, and with the
    // current one: withdrawing leaves nothing of his under the appeal.
    const superseded = await trx
      .deleteFrom('superseded_signatures')
      .where('appeal_id', '=', appealId)
      .where('user_id', '=', signer.id)
      .returning('signature_id')
      .executeTakeFirst();
    if (!deleted && !superseded) throw new DomainError('not_found');
  });
  forgetCount(ctx, appealId);
}

/** Whether the person signed the appeal with a signature that counts (not flagged as abusive): who may rate its answer. */
export async function hasCountedSignature(executor: Executor, appealId: number, userId: number): Promise<boolean> {
  const row = await executor
    .selectFrom('signatures')
    .select('id')
    .where('appeal_id', '=', appealId)
    .where('user_id', '=', userId)
    .where('flagged_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The public names («Иван П.») the given signers consented to show, by user id; a signer without one is absent. */
export async function publicNamesOf(executor: Executor, appealId: number, userIds: readonly number[]): Promise<Map<number, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await executor
    .selectFrom('signatures')
    .select(['user_id', 'public_name'])
    .where('appeal_id', '=', appealId)
    .where('user_id', 'in', userIds)
    .where('public_name', 'is not', null)
    .execute();
  return new Map(rows.map((row) => [row.user_id, row.public_name as string]));
}

export async function mySignature(ctx: AppContext, userId: number, appealId: number) {
  return ctx.db
    .selectFrom('signatures as s')
    .innerJoin('appeal_revisions as r', 'r.id', 's.revision_id')
    .select(['s.id', 's.full_name', 's.postal_address', 's.public_name', 's.consent_author', 's.created_at', 's.text_sha256', 'r.number as revision_number'])
    .where('s.appeal_id', '=', appealId)
    .where('s.user_id', '=', userId)
    .executeTakeFirst();
}

/** The person's signature of a version the appeal has replaced since (appeals.amendments.ts), with that version's number. */
export async function mySupersededSignature(ctx: AppContext, userId: number, appealId: number) {
  return ctx.db
    .selectFrom('superseded_signatures as s')
    .innerJoin('appeal_revisions as r', 'r.id', 's.revision_id')
    .select([
      's.signature_id',
      's.full_name',
      's.postal_address',
      's.public_name',
      's.consent_author',
      's.signed_at',
      's.text_sha256',
      'r.number as revision_number',
    ])
    .where('s.appeal_id', '=', appealId)
    .where('s.user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * The person's signatures, for the export of his own data: each with the appeal, the version's hash, and the name,
 * address and consents it was given with — those of the current version and those waiting under a replaced one. A
 * moderator's flag is not in it: signers are not told that their signature waits for a check (appeals.moderation.ts).
 */
export async function signaturesOfPerson(ctx: AppContext, userId: number): Promise<{ signatures: Record<string, unknown>[] }> {
  const [current, superseded] = await Promise.all([
    ctx.db
      .selectFrom('signatures as s')
      .innerJoin('appeals as a', 'a.id', 's.appeal_id')
      .select(['s.appeal_id', 'a.title', 's.text_sha256', 's.full_name', 's.postal_address', 's.public_name', 's.consent_author', 's.created_at'])
      .where('s.user_id', '=', userId)
      .orderBy('s.id')
      .execute(),
    ctx.db
      .selectFrom('superseded_signatures as s')
      .innerJoin('appeals as a', 'a.id', 's.appeal_id')
      .select(['s.appeal_id', 'a.title', 's.text_sha256', 's.full_name', 's.postal_address', 's.public_name', 's.consent_author', 's.signed_at'])
      .where('s.user_id', '=', userId)
      .orderBy('s.signature_id')
      .execute(),
  ]);
  const common = (row: {
    appeal_id: number;
    title: string;
    text_sha256: string;
    full_name: string;
    postal_address: string;
    public_name: string | null;
    consent_author: boolean;
  }) => ({
    appealId: row.appeal_id,
    appealTitle: row.title,
    textSha256: row.text_sha256,
    fullName: row.full_name,
    postalAddress: row.postal_address,
    publicName: row.public_name,
    consentTransfer: true,
    consentAuthor: row.consent_author,
  });
  return {
    signatures: [
      ...current.map((row) => ({ ...common(row), signedAt: row.created_at.toISOString(), current: true })),
      ...superseded.map((row) => ({ ...common(row), signedAt: row.signed_at.toISOString(), current: false })),
    ],
  };
}

/**
 * The exact count, without reading every signature: the kept count (appeals.counts.ts), plus the
 * signatures the fold has not reached yet, minus the removals it has not taken off yet — one
 * statement, so one snapshot of all three. Exact because the fold never passes an id that a running
 * transaction may still commit.
 */
export async function countSignatures(executor: Executor, appealId: number): Promise<number> {
  // The progress row as scalar subqueries, not in FROM: a one-row table the planner has not analyzed is
  // estimated at a thousand rows, which multiplies the plan's cost until PostgreSQL JIT-compiles it (~100 ms).
  const { rows } = await sql<{ n: number }>`
    select coalesce((select c.signatures from appeal_signature_counts c where c.appeal_id = ${appealId}), 0)
      + (select count(*) from signatures s where s.appeal_id = ${appealId} and s.flagged_at is null
          and s.id > (select p.counted_through from signature_count_progress p))
      - (select count(*) from signature_removals r where r.appeal_id = ${appealId} and not r.flagged
          and r.signature_id <= (select p.counted_through from signature_count_progress p))
      + (select count(*) from signature_clears c where c.appeal_id = ${appealId}
          and c.signature_id <= (select p.counted_through from signature_count_progress p)) as n`.execute(executor);
  return Number(rows[0]?.n ?? 0);
}

/** Counts every signature of the appeal: for the letter, whose count must be that of its list whatever the kept counts say. */
export async function countSignaturesExactly(executor: Executor, appealId: number): Promise<number> {
  const row = await executor
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('appeal_id', '=', appealId)
    .where('flagged_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Counts of appeals, per app. A count reads every signature of the appeal, so it is never made
 * once per signer: concurrent callers share one count that started after they asked (`Coalescer`),
 * and the public endpoint answers from a cache that is at most half a second old. A burst's trailing
 * check (`afterSignature`) refreshes it about 0.2 s after this node's last signature; signatures
 * made on other nodes show when the cache expires.
 */
export const countCacheMs = 500;

/** The exact count, as of a moment after this call: sees every signature committed before it. */
export async function freshCount(ctx: AppContext, appealId: number): Promise<number> {
  const { counts, countFlights } = ctx.state.get(signingState);
  const count = await countFlights.fresh(appealId, () => countSignatures(ctx.db, appealId));
  if (counts.size >= 10_000) counts.clear();
  counts.set(appealId, { count, at: ctx.now().getTime() });
  return count;
}

/** The appeal's cached count is stale (a signature left, or the appeal was withdrawn). */
export function forgetCount(ctx: AppContext, appealId: number): void {
  const { counts, views } = ctx.state.get(signingState);
  counts.delete(appealId);
  views.delete(appealId);
}

/**
 * What `GET /api/v1/appeals/:id/count` answers: the appeal's fields its policy (`appeal.view`) reads, its
 * threshold and public count, and an entity tag of them; `appeal` is null for an appeal that does not exist.
 */
export interface CountView {
  appeal: { id: number; status: AppealStatus; author_id: number | null; threshold: number } | null;
  count: number;
  etag: string;
}

/**
 * The count endpoint's answer from memory: read with the count once per countCacheMs per appeal (concurrent
 * callers share that read), so a warm answer makes no database round trip. The appeal's status goes stale as
 * its count does, by at most half a second; the caller still asks the policy with each request's actor.
 */
export async function countView(ctx: AppContext, appealId: number): Promise<CountView> {
  const { views, viewFlights } = ctx.state.get(signingState);
  const cached = views.get(appealId);
  if (cached && ctx.now().getTime() - cached.at < countCacheMs) return cached;
  const view = await viewFlights.fresh(appealId, async () => {
    const appeal =
      Number.isInteger(appealId) && appealId > 0
        ? ((await ctx.db.selectFrom('appeals').select(['id', 'status', 'author_id', 'threshold']).where('id', '=', appealId).executeTakeFirst()) ?? null)
        : null;
    const count = appeal ? await freshCount(ctx, appealId) : 0;
    return { appeal, count, etag: appeal ? `"${appeal.id}-${count}-${appeal.threshold}-${appeal.status}"` : '' };
  });
  if (views.size >= 10_000) views.clear();
  views.set(appealId, { ...view, at: ctx.now().getTime() });
  return view;
}

export async function publicCount(ctx: AppContext, appealId: number): Promise<number> {
  const cached = ctx.state.get(signingState).counts.get(appealId);
  if (cached && ctx.now().getTime() - cached.at < countCacheMs) return cached.count;
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
    // Counted again under the row lock: an accepted amendment (appeals.amendments.ts, FOR UPDATE) may have moved the
    // signatures counted above out of the count meanwhile, and a threshold recorded for them would dispatch an empty appeal.
    const locked = await trx.selectFrom('appeals').select(['threshold']).where('id', '=', appealId).forNoKeyUpdate().executeTakeFirst();
    if (!locked || (await countSignatures(trx, appealId)) < locked.threshold) return;
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
    await ctx.jobs.send('appeals.dispatch', { appealId }, trx, { singletonKey: `dispatch-${appealId}` });
  });
  return count;
}

/** Safety net for a node that died between a signature's commit and its threshold check. */
export async function sweepThresholds(ctx: AppContext): Promise<void> {
  await recordCrossedThresholds(ctx);
  // A dispatch that closed signing and then exhausted its retries (say, a render that kept failing)
  // would leave the appeal closed and unsent: try it again, a quarter of an hour on.
  const stalled = await ctx.db
    .selectFrom('appeals')
    .select('id')
    .where('status', '=', 'collecting')
    .where('dispatch_started_at', '<', new Date(ctx.now().getTime() - 15 * 60_000))
    // A letter already queued is the mailer's to retry.
    .where('dispatch_message_id', 'is', null)
    .execute();
  for (const { id } of stalled) await ctx.jobs.send('appeals.dispatch', { appealId: id }, undefined, { singletonKey: `dispatch-${id}` });
}

/**
 * Records the threshold of every collecting appeal whose signatures crossed it unrecorded. Driven by
 * what changed, not by counting every collecting appeal: the signatures the counts' fold has not
 * reached yet name the appeals to check (each checked exactly); an appeal whose kept count the fold
 * raised to its threshold got a durable 'appeals.check-threshold' job in the fold's own transaction.
 */
async function recordCrossedThresholds(ctx: AppContext): Promise<void> {
  // The fold's progress as a value, so the planner reads the few unfolded signatures by primary key.
  const progress = await ctx.db.selectFrom('signature_count_progress').select('counted_through').executeTakeFirstOrThrow();
  // Also the appeals whose kept count already reached the threshold: the fold may have counted the signatures
  // (on this node before it died, or on another) while the check that would have followed them died.
  const candidates = await sql<{ id: number }>`
    select a.id from appeals a
    where a.status = 'collecting' and a.threshold_reached_at is null
      and (a.id in (select s.appeal_id from signatures s where s.id > ${progress.counted_through} and s.flagged_at is null)
        or exists (select 1 from appeal_signature_counts c where c.appeal_id = a.id and c.signatures >= a.threshold))`.execute(ctx.db);
  for (const { id } of candidates.rows) await checkThreshold(ctx, id);
}

/**
 * At start-up, what a node killed in the middle of signing or dispatching left undone runs now,
 * not when its job expires (two minutes) or a sweep finds it (a minute, a quarter of an hour):
 * - a threshold crossed by signatures whose check died with the node is recorded (and its dispatch enqueued);
 * - a dispatch whose job may have died with the node — signing closed, or the threshold recorded,
 *   and no letter queued yet — is enqueued again. A job the dead node had taken stays "active"
 *   until it expires, so waiting for it is not enough. If the dispatch is in fact running
 *   elsewhere, or its own job comes later, the second run acts not (dispatchAppeal acts once).
 * An addressee without an e-mail or a cabinet is left alone: its dispatch already said why it could not go.
 */
export async function resumeStartedDispatches(ctx: AppContext): Promise<number> {
  await recordCrossedThresholds(ctx);
  const pending = await ctx.db
    .selectFrom('appeals')
    .select(['id', 'organization_id', 'dispatch_started_at'])
    .where('status', '=', 'collecting')
    .where('threshold_reached_at', 'is not', null)
    .where('dispatch_message_id', 'is', null)
    .execute();
  let resumed = 0;
  for (const appeal of pending) {
    const unreachable = !(await organizationOf(ctx.db, appeal.organization_id)).appeal_email && (await memberIds(ctx.db, appeal.organization_id)).length === 0;
    if (!appeal.dispatch_started_at && unreachable) continue;
    await ctx.jobs.send('appeals.dispatch', { appealId: appeal.id }, undefined, { singletonKey: `resume-${appeal.id}` });
    resumed += 1;
  }
  return resumed;
}
