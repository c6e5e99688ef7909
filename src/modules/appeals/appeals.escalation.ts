/**
 * Escalation (DESIGN §2): when an appeal closed unresolved, partly resolved, unrated or unanswered, or its answer
 * is overdue, the author starts a new appeal in the chain — addressed by default to the parent organization —
 * whose text starts from the previous one. It is a draft the author edits and opens as any other; when it
 * opens, the earlier signers of the chain get one e-mail inviting them to sign the new text. Nothing is carried
 * over silently: a signature binds to the text it was given under, so each earlier signer signs anew, with
 * new consent.
 */
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Appeal } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { uniqueRecipients } from '../notifications/notifications.rules.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { organizationById, organizationExists } from '../organizations/organizations.service.ts';
import { getProblemRow, recordEvent } from '../problems/problems.service.ts';
import { getAppealRow, latestRevision, organizationOf, refuseSecondOpenAppeal } from './appeals.service.ts';
import './appeals.policy.ts';

/** The longest chain followed: escalations go up a hierarchy a few levels deep, not hundreds. */
const chainLimit = 20;

/** The appeals before this one in its chain, oldest first. */
export async function earlierAppeals(executor: Executor, appeal: Pick<Appeal, 'previous_appeal_id'>): Promise<Appeal[]> {
  const chain: Appeal[] = [];
  let previousId = appeal.previous_appeal_id;
  while (previousId !== null && chain.length < chainLimit) {
    const previous = await executor.selectFrom('appeals').selectAll().where('id', '=', previousId).executeTakeFirst();
    if (!previous) break;
    chain.unshift(previous);
    previousId = previous.previous_appeal_id;
  }
  return chain;
}

/** The appeal that escalated this one, if any (a withdrawn escalation does not count: the author may try again). */
export function laterAppeal(executor: Executor, appealId: number): Promise<Appeal | undefined> {
  return executor
    .selectFrom('appeals')
    .selectAll()
    .where('previous_appeal_id', '=', appealId)
    .where('status', '<>', 'withdrawn')
    .orderBy('id')
    .executeTakeFirst();
}

/** The organization an escalation goes to unless the author picks another: the addressee's parent. */
export async function defaultEscalationTarget(ctx: AppContext, appeal: Pick<Appeal, 'organization_id'>): Promise<number | null> {
  return (await organizationOf(ctx.db, appeal.organization_id)).parent_id;
}

/** Starts the next appeal in the chain, a draft for the author to edit and open; returns it. */
export async function escalateAppeal(ctx: AppContext, asker: Actor | null, appealId: number, input: { organizationId: number | null }): Promise<Appeal> {
  const appeal = await getAppealRow(ctx, appealId);
  const actor = authorize(asker, 'appeal.escalate', appeal);
  const problem = await getProblemRow(ctx, appeal.problem_id);
  if (problem.status !== 'open') throw new DomainError('conflict');
  const targetId = input.organizationId ?? (await defaultEscalationTarget(ctx, appeal));
  const checks = new FieldChecks();
  if (targetId === null) checks.add('organizationId', 'required');
  else if (targetId === appeal.organization_id) checks.add('organizationId', 'sameAddressee');
  else if (!(await organizationExists(ctx.db, targetId))) checks.add('organizationId', 'unknownOrganization');
  checks.throwIfAny();
  const target = await organizationById(ctx.db, targetId as number);
  return ctx.db.transaction().execute(async (trx) => {
    // Under the appeal's row lock: two escalations submitted together make one new appeal.
    await trx.selectFrom('appeals').select('id').where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    const later = await laterAppeal(trx, appealId);
    if (later) throw new DomainError('appeal_already_escalated', { appealId: later.id });
    await refuseSecondOpenAppeal(trx, appeal.problem_id, target.id, null);
    const text = (await latestRevision(trx, appealId)).text;
    const escalated = await trx
      .insertInto('appeals')
      .values({
        problem_id: appeal.problem_id,
        previous_appeal_id: appeal.id,
        organization_id: target.id,
        author_id: actor.id,
        title: appeal.title,
        threshold: target.appeal_threshold,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('appeal_revisions').values({ appeal_id: escalated.id, number: 1, text, author_id: actor.id }).execute();
    const from = await organizationOf(trx, appeal.organization_id);
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId: appeal.id,
      kind: 'appeal.escalated',
      actorId: actor.id,
      data: { organization: target.name, from: from.name, escalatedAppealId: escalated.id },
    });
    await recordEvent(trx, {
      problemId: appeal.problem_id,
      appealId: escalated.id,
      kind: 'appeal.drafted',
      actorId: actor.id,
      data: { organization: target.name, previousAppealId: appeal.id },
    });
    return escalated;
  });
}

/**
 * The signers of the appeals before an escalated one (which just opened) are invited once to sign its new
 * text; whoever signed it already, and its author, are not.
 */
export async function inviteEarlierSigners(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await getAppealRow(ctx, appealId);
  if (appeal.status !== 'collecting' || appeal.previous_appeal_id === null) return;
  const chain = await earlierAppeals(ctx.db, appeal);
  if (chain.length === 0) return;
  const [earlier, already] = await Promise.all([
    ctx.db
      .selectFrom('signatures')
      .select('user_id')
      .distinct()
      .where(
        'appeal_id',
        'in',
        chain.map((previous) => previous.id),
      )
      .orderBy('user_id')
      .execute(),
    ctx.db.selectFrom('signatures').select('user_id').where('appeal_id', '=', appealId).execute(),
  ]);
  const skip = new Set([...already.map((row) => row.user_id), appeal.author_id]);
  const organization = await organizationOf(ctx.db, appeal.organization_id);
  await notifyInBatches(
    ctx,
    { kind: 'appeal.escalated', problemId: appeal.problem_id, appealId, data: { title: appeal.title, organization: organization.name } },
    uniqueRecipients(earlier.filter((row) => !skip.has(row.user_id)).map((row) => ({ userId: row.user_id, reason: 'signer' as const }))),
  );
}

/** One link of the chain as the appeal page shows it. */
export interface ChainLink {
  id: number;
  organization: string;
  organizationSlug: string;
  status: Appeal['status'];
  outcome: Appeal['outcome'];
  /** A forwarded appeal: when, why, and the appeal of the chain it became (appeals.forwarding.ts). */
  forwardedAt: Date | null;
  forwardingReason: string | null;
  forwardedAppealId: number | null;
}

/** The appeal that followed this one in its chain: the one it was forwarded as, else its escalation. */
function nextInChain(executor: Executor, appeal: Appeal): Promise<Appeal | undefined> {
  if (appeal.forwarded_appeal_id !== null) return executor.selectFrom('appeals').selectAll().where('id', '=', appeal.forwarded_appeal_id).executeTakeFirst();
  return laterAppeal(executor, appeal.id);
}

/** The whole chain around an appeal, oldest first (itself included), for its page; a lone appeal has a chain of one. */
export async function appealChain(ctx: AppContext, appeal: Appeal): Promise<ChainLink[]> {
  const before = await earlierAppeals(ctx.db, appeal);
  const after: Appeal[] = [];
  let next = await nextInChain(ctx.db, appeal);
  while (next && after.length < chainLimit) {
    after.push(next);
    next = await nextInChain(ctx.db, next);
  }
  const links = [...before, appeal, ...after];
  const names = new Map<number, { name: string; slug: string }>();
  for (const link of links)
    if (!names.has(link.organization_id)) {
      const organization = await organizationOf(ctx.db, link.organization_id);
      names.set(link.organization_id, { name: organization.name, slug: organization.slug });
    }
  return links.map((link) => ({
    id: link.id,
    organization: names.get(link.organization_id)?.name ?? '',
    organizationSlug: names.get(link.organization_id)?.slug ?? '',
    status: link.status,
    outcome: link.outcome,
    forwardedAt: link.forwarded_at,
    forwardingReason: link.forwarding_reason,
    forwardedAppealId: link.forwarded_appeal_id,
  }));
}
