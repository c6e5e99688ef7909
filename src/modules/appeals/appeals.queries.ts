/** Read models of the appeals pages and of other modules' pages: lists, public signers, an appeal's page. */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal, AppealRevision, AppealStatus, Organization } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import type { RowSource } from '../../core/pdf/pdf.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { organizationIdBySlug, organizationLabelReads, organizationLabels } from '../organizations/organizations.service.ts';
import type { ProblemAppeals } from '../problems/problems.ports.ts';
import { getProblemRow } from '../problems/problems.service.ts';
import { territoryNames, territoryReads, timeZoneOf, timeZonesOf } from '../territories/territories.service.ts';
import { type LetterDelivery, letterDelivery } from './appeals.dispatch.ts';
import { getAppealRow, latestRevision, organizationOf, withdrawOnSolved } from './appeals.service.ts';
import { publicCount } from './appeals.signing.ts';

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
  /** The addressee's time zone, in whose days its 59-FZ deadlines are counted and shown. */
  time_zone: string;
  previous_appeal_id: number | null;
  author_id: number | null;
  dispatch_started_at: Date | null;
  /** Why a moderator hid it, or null: a hidden appeal's title is withheld (''), as its page is. */
  hidden_reason: string | null;
}

/** The chain of appeals of a problem, oldest first, with their counts. Drafts are shown to their author only. */
export async function appealsForProblem(ctx: AppContext, problemId: number, viewerId: number | null): Promise<AppealSummary[]> {
  const rows = await ctx.db
    .selectFrom('appeals as a')
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
      'a.dispatch_started_at',
      'a.organization_id',
      'a.hidden_at',
      'a.hidden_reason',
      // The kept count (appeals.counts.ts): it lags signing by about a second.
      sql<number>`coalesce((select c.signatures from appeal_signature_counts c where c.appeal_id = a.id), 0)`.as('signatures'),
    ])
    .where('a.problem_id', '=', problemId)
    .where((eb) => eb.or([eb('a.status', '<>', 'draft'), ...(viewerId ? [eb('a.author_id', '=', viewerId)] : [])]))
    .orderBy('a.id')
    .execute();
  // The addressees' names for the whole chain in one query (an appeal always has its organization: a foreign key).
  const organizations = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  const zones = await timeZonesOf(
    ctx.db,
    [...organizations.values()].map((o) => o.territoryId),
  );
  return rows.map(({ organization_id, hidden_at, hidden_reason, ...row }) => {
    const organization = organizations.get(organization_id);
    return {
      ...row,
      title: hidden_at ? '' : row.title,
      hidden_reason: hidden_at ? (hidden_reason ?? '') : null,
      organization_name: organization?.name ?? '',
      organization_slug: organization?.slug ?? '',
      time_zone: (organization && zones.get(organization.territoryId)) ?? 'Europe/Moscow',
    };
  });
}

/**
 * What problems ask of appeals (problems.ports.ts): the chain on a problem's page, the appeals its
 * timeline names, and the signature counts and addressee filter its listings put into their own SQL.
 */
export const appealsOfProblems: ProblemAppeals = {
  forProblem: appealsForProblem,
  async byIds(ctx, appealIds) {
    const rows = await ctx.db.selectFrom('appeals').select(['id', 'title', 'status', 'author_id', 'hidden_at']).where('id', 'in', appealIds).execute();
    // A hidden appeal's title is withheld on the timeline too ('' names no appeal there).
    return new Map(rows.map(({ hidden_at, ...row }) => [row.id, { ...row, title: hidden_at ? '' : row.title }]));
  },
  // From the kept counts (appeals.counts.ts), never by counting signatures: they lag signing by about a second,
  // and "since" counts whole UTC days (the day `since` falls on included).
  signatureCount: (problemId, since) =>
    since
      ? sql<number>`(select coalesce(sum(d.signatures), 0) from appeal_signature_days d
          where d.problem_id = ${problemId} and d.day >= (${since}::timestamptz at time zone 'UTC')::date)::int`
      : sql<number>`(select coalesce(sum(c.signatures), 0) from appeal_signature_counts c where c.problem_id = ${problemId})::int`,
  latestStatus: (problemId) =>
    sql<AppealStatus | null>`(select a.status from appeals a where a.problem_id = ${problemId} and a.status <> 'draft' order by a.id desc limit 1)`,
  problemSolved: withdrawOnSolved,
  addressedTo: (problemId, organization) =>
    sql<boolean>`exists (select a.id from appeals a where a.problem_id = ${problemId} and a.status <> 'draft' and a.organization_id = ${
      typeof organization === 'string' ? organizationIdBySlug(organization) : organization.id
    })`,
  // appeals_addressee_problem_idx (migration 0050): the ids index-only.
  addressedProblems: (organization) =>
    sql<number[]>`array(select a.problem_id from appeals a where a.organization_id = ${
      typeof organization === 'string' ? organizationIdBySlug(organization) : organization.id
    } and a.status <> 'draft')`,
  listingReads: ['appeals'],
  pageReads: ['appeals', 'appeal_signature_counts', 'appeal_signature_days', ...organizationLabelReads, ...territoryReads],
};

export interface PublicSigner {
  public_name: string;
  municipality: string | null;
  created_at: Date;
}

/**
 * Signers who agreed to be named, as "Иван П., Оленинский муниципальный округ" — never addresses. The page's ids come
 * from signatures_named_idx alone (a deep page skips index entries, not rows), and the total is the kept named count.
 */
export async function publicSigners(
  ctx: AppContext,
  appealId: number,
  options: { limit: number; offset: number },
): Promise<{ items: PublicSigner[]; total: number }> {
  const [items, total] = await Promise.all([
    ctx.db
      .selectFrom('signatures as s')
      .select(['s.public_name', 's.municipality_id', 's.created_at'])
      .where('s.id', 'in', (eb) =>
        eb
          .selectFrom('signatures as n')
          .select('n.id')
          .where('n.appeal_id', '=', appealId)
          .where('n.flagged_at', 'is', null)
          .where('n.public_name', 'is not', null)
          .orderBy('n.id', 'desc')
          .limit(options.limit)
          .offset(options.offset),
      )
      .orderBy('s.id', 'desc')
      .execute(),
    countNamedSigners(ctx.db, appealId),
  ]);
  // The page's municipalities in one query, not one per signer.
  const municipalities = await territoryNames(
    ctx,
    items.flatMap((item) => (item.municipality_id === null ? [] : [item.municipality_id])),
  );
  return {
    items: items.map((item) => ({
      public_name: item.public_name as string,
      municipality: item.municipality_id === null ? null : (municipalities.get(item.municipality_id) ?? null),
      created_at: item.created_at,
    })),
    total,
  };
}

/**
 * The signers named publicly, exactly, as countSignatures counts them all (appeals.signing.ts): the kept named count
 * (appeals.counts.ts), plus the named signatures the fold has not reached yet, minus the named removals and plus the
 * named clears it has not taken in yet — one statement, one snapshot.
 */
export async function countNamedSigners(executor: Executor, appealId: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select coalesce((select c.named from appeal_signature_counts c where c.appeal_id = ${appealId}), 0)
      + (select count(*) from signatures s where s.appeal_id = ${appealId} and s.flagged_at is null and s.public_name is not null
          and s.id > (select p.counted_through from signature_count_progress p))
      - (select count(*) from signature_removals r where r.appeal_id = ${appealId} and not r.flagged and r.named
          and r.signature_id <= (select p.counted_through from signature_count_progress p))
      + (select count(*) from signature_clears c where c.appeal_id = ${appealId} and c.named
          and c.signature_id <= (select p.counted_through from signature_count_progress p)) as n`.execute(executor);
  return Number(rows[0]?.n ?? 0);
}

/** Signers who consented to give the author their full name and address: those the author's PDF lists. */
export async function authorCopyCount(ctx: AppContext, appealId: number): Promise<number> {
  const row = await ctx.db
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('appeal_id', '=', appealId)
    .where('flagged_at', 'is', null)
    .where('consent_author', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface AppealDetails {
  appeal: Appeal;
  organization: Organization;
  revision: AppealRevision;
  revisions: number;
  count: number;
  /** Null when moderation hid the problem: its title is hidden with it. */
  problemTitle: string | null;
  /** The platform's letter while no mail server has accepted it yet (null otherwise). */
  delivery: LetterDelivery | null;
  /** The addressee's time zone: its 59-FZ deadlines are days there. */
  timeZone: string;
}

/** An appeal as its page shows it: the frozen text once signing started, the latest draft before. */
export async function getAppealDetails(ctx: AppContext, appealId: number, viewer: Actor | null): Promise<AppealDetails> {
  const appeal = await getAppealRow(ctx, appealId);
  authorize(viewer, 'appeal.view', appeal);
  // The text a moderator hid gives way to the reason, on the page and in the API alike.
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const [organization, revision, revisions, count, problem, delivery] = await Promise.all([
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
    letterDelivery(ctx, appeal),
  ]);
  const timeZone = await timeZoneOf(ctx.db, organization.territory_id);
  return {
    appeal,
    organization,
    revision,
    revisions: Number(revisions.n),
    count,
    problemTitle: problem.status === 'hidden' ? null : problem.title,
    delivery,
    timeZone,
  };
}

/** The organization's appeals collecting now with their thresholds, newest first (at most 50). */
export async function collectingAppealThresholds(ctx: AppContext, organizationId: number): Promise<{ id: number; title: string; threshold: number }[]> {
  return ctx.db
    .selectFrom('appeals')
    .select(['id', 'title', 'threshold'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'collecting')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
}

/** The appeals of a problem that collect or collected signatures (not drafts), but not one a moderator hid: its page shows neither its count nor its signers. */
async function signedAppealIds(ctx: AppContext, problemId: number): Promise<number[]> {
  const rows = await ctx.db
    .selectFrom('appeals')
    .select('id')
    .where('problem_id', '=', problemId)
    .where('status', '<>', 'draft')
    .where('hidden_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Signatures of a problem's appeals, each appeal's count as its page shows it: the support a document on a letterhead cites. */
export async function problemSignatureCount(ctx: AppContext, problemId: number): Promise<number> {
  let total = 0;
  for (const appealId of await signedAppealIds(ctx, problemId)) total += await publicCount(ctx, appealId);
  return total;
}

/** A signer of a problem's appeals who agreed to be named, as the public list names them: never an address. */
export interface NamedSupporter {
  publicName: string;
  municipality: string | null;
}

/** The people who signed one of the problem's appeals by `before` and agreed to be named, each once (by their first such signature). */
function namedSupportersQuery(ctx: AppContext, appealIds: number[], before: Date) {
  return ctx.db
    .selectFrom('signatures as s')
    .where('s.appeal_id', 'in', appealIds)
    .where('s.public_name', 'is not', null)
    .where('s.flagged_at', 'is', null)
    .where('s.created_at', '<=', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('signatures as e')
            .select('e.id')
            .whereRef('e.user_id', '=', 's.user_id')
            .whereRef('e.id', '<', 's.id')
            .where('e.appeal_id', 'in', appealIds)
            .where('e.public_name', 'is not', null)
            .where('e.flagged_at', 'is', null)
            .where('e.created_at', '<=', before),
        ),
      ),
    );
}

export async function namedSupporterCount(ctx: AppContext, problemId: number, before: Date): Promise<number> {
  const appealIds = await signedAppealIds(ctx, problemId);
  if (appealIds.length === 0) return 0;
  const row = await namedSupportersQuery(ctx, appealIds, before)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The named supporters in signing order, in keyset batches of 1,000 each time the document asks (it reads them twice: to
 * count its pages, then to set them). A pass that yields another number than `expected` (a moderator flagged a
 * signature meanwhile) fails, so that no document says one number and lists another; the job retries.
 */
export function namedSupporterRows(ctx: AppContext, problemId: number, before: Date, expected: number): RowSource<NamedSupporter> {
  return {
    async *batches() {
      const appealIds = await signedAppealIds(ctx, problemId);
      let after = 0;
      let seen = 0;
      while (appealIds.length > 0) {
        const rows = await namedSupportersQuery(ctx, appealIds, before)
          .select(['s.id', 's.public_name', 's.municipality_id'])
          .where('s.id', '>', after)
          .orderBy('s.id')
          .limit(1000)
          .execute();
        if (rows.length === 0) break;
        after = rows.at(-1)!.id;
        seen += rows.length;
        const names = await territoryNames(
          ctx,
          rows.flatMap((row) => (row.municipality_id === null ? [] : [row.municipality_id])),
        );
        yield rows.map((row) => ({
          publicName: row.public_name as string,
          municipality: row.municipality_id === null ? null : (names.get(row.municipality_id) ?? null),
        }));
        if (rows.length < 1000) break;
      }
      if (seen !== expected) throw new Error(`Problem ${problemId}: ${seen} named supporters read for a document that names ${expected}`);
    },
  };
}
