/**
 * Forwarding an appeal to the competent body (59-FZ Art. 8 p. 3): the addressee finds the question is another
 * body's, and passes it on with a reason within 7 days of registration. The appeal becomes `forwarded` (its rating
 * stops counting it), and the next appeal of its chain goes to the competent body with the same frozen text and the
 * same signatories, through the platform's one dispatch (appeals.dispatch.ts: exactly once, into the competent
 * body's cabinet if it has one, and by e-mail if it has an address for appeals). The citizens see it on both
 * appeals' pages and on the timeline, and are told.
 *
 * The signatures are copied, not re-asked: each signer consented to give the addressee their name and address for
 * this appeal, and 59-FZ Art. 6 p. 2 lets a body pass an appeal to the body competent to answer it without further
 * consent — so the competent body gets what the addressee got, and nothing else. A copy is a row of the new appeal
 * (revision and hash of the same text, the same consents and signing time), so its letter lists the same people
 * under the same hash, its signers rate its answer and hear of it; the problem's support counts a forwarded appeal's
 * signatures once, through its successor (appeals.counts.ts).
 */
import { sql } from 'kysely';
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Appeal, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import { type Actor, authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { notifyInBatches } from '../notifications/notifications.service.ts';
import { memberOf } from '../organizations/organizations.members.ts';
import { organizationById, organizationExists, organizationOptions, suggestAddressees } from '../organizations/organizations.service.ts';
import { getProblemRow, recordEvent } from '../problems/problems.service.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import { addresseeAppeal, onBehalfOf } from './appeals.cabinet.ts';
import { forwardingLateness } from './appeals.deadlines.ts';
import { hasCabinet } from './appeals.dispatch.ts';
import { appealAudience } from './appeals.notices.ts';
import { nextStatus } from './appeals.rules.ts';
import { organizationOf } from './appeals.service.ts';
import './appeals.policy.ts';

export const forwardingReasonLimits = { min: 10, max: 2000 } as const;

export interface ForwardingInput {
  /** The competent body. */
  organizationId: number | null;
  reason: string;
}

/** A forwarding checked and ready: what the confirmation page shows, and what forwardAppeal writes. */
export interface ForwardingPlan {
  appeal: Appeal;
  actor: Actor;
  target: Organization;
  reason: string;
}

/**
 * Checks a forwarding without writing anything: the official may forward this appeal now, to an organization that
 * exists, is not the addressee and can receive the letter, with a reason of 10 to 2,000 characters.
 */
export async function planForwarding(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  appealId: number,
  input: ForwardingInput,
): Promise<ForwardingPlan> {
  const appeal = await addresseeAppeal(ctx, asker, organizationId, appealId);
  const actor = authorize(asker, 'appeal.forward', appeal);
  // What a moderator hid is not put on paper for another authority either (appeals.moderation.ts).
  if (appeal.hidden_at) throw new DomainError('content_hidden', { reason: appeal.hidden_reason ?? '' });
  const reason = input.reason.trim();
  const checks = new FieldChecks();
  if (!reason) checks.add('reason', 'required');
  else if (characterCount(reason) < forwardingReasonLimits.min) checks.add('reason', 'tooShort', { limit: forwardingReasonLimits.min });
  else if (characterCount(reason) > forwardingReasonLimits.max) checks.add('reason', 'tooLong', { limit: forwardingReasonLimits.max });
  const targetId = input.organizationId;
  if (targetId === null) checks.add('organizationId', 'required');
  checks.throwIfAny();
  if (targetId === appeal.organization_id) throw new DomainError('same_organization', {}, [{ field: 'organizationId', rule: 'sameOrganization' }]);
  // An organization merged into another is gone (its id finds nothing): the survivor is the one to choose.
  if (!(await organizationExists(ctx.db, targetId as number)))
    throw new DomainError('unknown_organization', {}, [{ field: 'organizationId', rule: 'unknownOrganization' }]);
  const target = await organizationById(ctx.db, targetId as number);
  // The dispatch delivers the letter into the body's cabinet if it has one, and by e-mail: a body with neither could
  // not receive it, and the citizens' appeal would stop between the two.
  if (!target.appeal_email && !(await hasCabinet(ctx.db, target.id)))
    throw new DomainError('validation_failed', {}, [{ field: 'organizationId', rule: 'organizationWithoutAddress' }]);
  return { appeal, actor, target, reason };
}

/**
 * Forwards the addressee's appeal to the competent body; returns it and the new appeal of the chain (collecting no
 * signatures: its letter is being made). One transaction: the old appeal, the new one with its revision and
 * signatures, the dispatch job, the timeline, the audit log, the rating and the webhooks commit together or not at all.
 */
export async function forwardAppeal(
  ctx: AppContext,
  asker: Actor | null,
  organizationId: number,
  appealId: number,
  input: ForwardingInput,
): Promise<{ forwarded: Appeal; next: Appeal }> {
  const { actor, target, reason } = await planForwarding(ctx, asker, organizationId, appealId, input);
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('appeals').selectAll().where('id', '=', appealId).forUpdate().executeTakeFirstOrThrow();
    // Checked again under the lock: two officials forwarding at once make one new appeal, and an answer published meanwhile wins.
    authorize(actor, 'appeal.forward', locked);
    if (!locked.frozen_revision_id || !locked.text_sha256) throw new DomainError('wrong_state');
    const now = ctx.now();
    const organization = await organizationOf(trx, organizationId);
    const timeZone = await timeZoneOf(trx, organization.territory_id);
    const frozen = await trx.selectFrom('appeal_revisions').selectAll().where('id', '=', locked.frozen_revision_id).executeTakeFirstOrThrow();
    const signatories = await trx
      .selectFrom('signatures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('appeal_id', '=', appealId)
      .where('flagged_at', 'is', null)
      .executeTakeFirstOrThrow();
    // A row first (its revision needs its id), then frozen under the same text and hash.
    const created = await trx
      .insertInto('appeals')
      .values({
        problem_id: locked.problem_id,
        previous_appeal_id: locked.id,
        organization_id: target.id,
        author_id: locked.author_id,
        title: locked.title,
        threshold: Math.max(1, Number(signatories.n)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const revision = await trx
      .insertInto('appeal_revisions')
      .values({ appeal_id: created.id, number: 1, text: frozen.text, author_id: frozen.author_id })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Collecting, its threshold reached and signing closed from the start: nobody signs a forwarded letter, and the
    // dispatch's first step (which would check a threshold and an address again) goes straight to the letter.
    const next = await trx
      .updateTable('appeals')
      .set({
        status: 'collecting',
        frozen_revision_id: revision.id,
        text_sha256: locked.text_sha256,
        opened_at: now,
        threshold_reached_at: now,
        dispatch_started_at: now,
      })
      .where('id', '=', created.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // The signatures that count, as given: same consents, same time of signing (the letter dates each), the same hash.
    await sql`
      insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer,
        consent_author, public_name, client_hash, email_domain, created_at)
      select ${next.id}, s.user_id, ${revision.id}, s.text_sha256, s.full_name, s.postal_address, s.municipality_id, s.consent_transfer,
        s.consent_author, s.public_name, s.client_hash, s.email_domain, s.created_at
      from signatures s
      where s.appeal_id = ${appealId} and s.flagged_at is null
      order by s.id`.execute(trx);
    const lateBy = locked.forwarding_due_at ? forwardingLateness(locked.forwarding_due_at, now, timeZone) : 0;
    const forwarded = await trx
      .updateTable('appeals')
      .set({
        status: nextStatus(locked.status, 'forward'),
        forwarded_at: now,
        forwarding_reason: reason,
        forwarded_appeal_id: next.id,
        assignee_id: null,
        updated_at: now,
      })
      .where('id', '=', appealId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const who = onBehalfOf(organization, await memberOf(trx, organization.id, actor.id));
    await recordEvent(trx, {
      problemId: locked.problem_id,
      appealId,
      kind: 'appeal.forwarded',
      actorId: actor.id,
      data: { organization: target.name, from: organization.name, reason, forwardedAppealId: next.id, daysLate: lateBy, ...who },
    });
    await recordEvent(trx, {
      problemId: locked.problem_id,
      appealId: next.id,
      kind: 'appeal.forwarded_in',
      actorId: actor.id,
      data: { organization: target.name, from: organization.name, reason, previousAppealId: appealId, ...who },
    });
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.appeal_forward',
      subjectType: 'appeal',
      subjectId: appealId,
      details: { organizationId, targetOrganizationId: target.id, forwardedAppealId: next.id, reason, daysLate: lateBy },
    });
    await ctx.ports.appeals.appealForwarded(trx, locked, now);
    await ctx.ports.appeals.organizationEvent(ctx, trx, {
      organizationId,
      type: 'appeal.forwarded',
      data: {
        appealId,
        problemId: locked.problem_id,
        title: locked.title,
        forwardedAt: now.toISOString(),
        reason,
        daysLate: lateBy,
        to: { name: target.name, slug: target.slug },
        forwardedAppealId: next.id,
        url: `${ctx.config.baseUrl}/appeals/${appealId}`,
      },
    });
    await ctx.jobs.send('appeals.dispatch', { appealId: next.id }, trx, { singletonKey: `dispatch-${next.id}` });
    await ctx.jobs.send('appeals.notify-forwarded', { appealId }, trx);
    return { forwarded, next };
  });
}

/** The author, the signers and the followers learn where the appeal went and why. */
export async function notifyForwarded(ctx: AppContext, appealId: number): Promise<void> {
  const appeal = await ctx.db.selectFrom('appeals').selectAll().where('id', '=', appealId).executeTakeFirst();
  if (appeal?.status !== 'forwarded' || !appeal.forwarded_appeal_id || !appeal.forwarding_reason) return;
  const next = await ctx.db.selectFrom('appeals').select('organization_id').where('id', '=', appeal.forwarded_appeal_id).executeTakeFirst();
  if (!next) return;
  const [organization, target, recipients] = await Promise.all([
    organizationOf(ctx.db, appeal.organization_id),
    organizationOf(ctx.db, next.organization_id),
    appealAudience(ctx, appeal),
  ]);
  await notifyInBatches(
    ctx,
    {
      kind: 'appeal.forwarded',
      problemId: appeal.problem_id,
      appealId,
      data: {
        title: appeal.title,
        organization: organization.name,
        to: target.name,
        reason: appeal.forwarding_reason,
        forwardedAppealId: appeal.forwarded_appeal_id,
      },
    },
    recipients,
  );
}

/** How the cabinet shows a forwarded appeal: where it went (the new appeal), when, why, and how late against the 7 days. */
export interface ForwardingRecord {
  forwardedAt: Date;
  reason: string;
  nextAppealId: number;
  target: { name: string; slug: string };
  /** Days after the forwarding term (59-FZ Art. 8 p. 3), in the addressee's calendar: 0 when within it. */
  daysLate: number;
}

export async function forwardingRecord(ctx: AppContext, appeal: Appeal): Promise<ForwardingRecord | null> {
  if (appeal.status !== 'forwarded' || !appeal.forwarded_at || !appeal.forwarded_appeal_id) return null;
  const next = await ctx.db.selectFrom('appeals').select(['id', 'organization_id']).where('id', '=', appeal.forwarded_appeal_id).executeTakeFirst();
  if (!next) return null;
  const [organization, target] = await Promise.all([organizationOf(ctx.db, appeal.organization_id), organizationOf(ctx.db, next.organization_id)]);
  const timeZone = await timeZoneOf(ctx.db, organization.territory_id);
  return {
    forwardedAt: appeal.forwarded_at,
    reason: appeal.forwarding_reason ?? '',
    nextAppealId: next.id,
    target: { name: target.name, slug: target.slug },
    daysLate: appeal.forwarding_due_at ? forwardingLateness(appeal.forwarding_due_at, appeal.forwarded_at, timeZone) : 0,
  };
}

/**
 * The organizations an appeal may be forwarded to: every one but its addressee (merged ones are gone), those competent
 * for its problem's territory and topic first (the routing the appeal form suggests), the others by name.
 */
export async function forwardingTargets(
  ctx: AppContext,
  appeal: Pick<Appeal, 'organization_id' | 'problem_id'>,
): Promise<{ suggested: { id: number; name: string }[]; others: { id: number; name: string }[] }> {
  const problem = await getProblemRow(ctx, appeal.problem_id);
  const [competent, all] = await Promise.all([suggestAddressees(ctx, problem.territory_id, problem.category_id), organizationOptions(ctx)]);
  const suggested = competent.filter((organization) => organization.id !== appeal.organization_id);
  const suggestedIds = new Set(suggested.map((organization) => organization.id));
  return {
    suggested: suggested.map((organization) => ({ id: organization.id, name: organization.name })),
    others: all.filter((organization) => organization.id !== appeal.organization_id && !suggestedIds.has(organization.id)),
  };
}
