/**
 * Who works in a cabinet: an official asks to join an organization (with the position held there); an
 * administrator approves or declines with a reason, or the request is approved at once when the official's
 * verified e-mail is on one of the organization's staff domains (as CONSUL does for officials). The head gives
 * roles and removes members; anyone may leave. A change applies from the next request (authentication reads the
 * memberships with the user); everything is audited; the official is told of the decision.
 */
import { audit } from '../../core/audit.ts';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { MemberRole, MembershipRequest, MembershipRequestStatus, Organization } from '../../core/db/schema.ts';
import { DomainError, FieldChecks } from '../../core/errors.ts';
import type { Actor } from '../../core/policy.ts';
import { authorize } from '../../core/policy.ts';
import { characterCount } from '../../core/text/characters.ts';
import { deleteOrganizationApiTokensOf, getUser, staffColumns } from '../accounts/accounts.service.ts';
import { unassignMember } from '../appeals/appeals.cabinet.ts';
import { notify } from '../notifications/notifications.service.ts';
import {
  type CabinetSettings,
  lockedHeadIds,
  memberOf,
  organizationBySlug,
  putMember,
  removeMemberRow,
  writeCabinetSettings,
} from '../organizations/organizations.members.ts';
import { emailDomain } from '../organizations/organizations.rules.ts';
import { organizationById, organizationLabels } from '../organizations/organizations.service.ts';
import { timeZoneOf } from '../territories/territories.service.ts';
import './cabinet.policy.ts';
import { checkMembershipRequest, checkPosition, decisionReasonMaxLength, isMemberRole } from './cabinet.rules.ts';

/** The organization a cabinet URL names, for an official who works there (`cabinet.view`): not_found for an unknown slug. */
export async function cabinetOrganization(ctx: AppContext, asker: Actor | null, slug: string, executor: Executor = ctx.db): Promise<Organization> {
  const organization = await organizationBySlug(executor, slug);
  if (!organization) throw new DomainError('not_found');
  authorize(asker, 'cabinet.view', organization);
  return organization;
}

async function organizationForRequest(ctx: AppContext, slug: string): Promise<Organization> {
  const organization = await organizationBySlug(ctx.db, slug);
  if (!organization) throw new DomainError('not_found');
  return organization;
}

export interface MembershipState {
  organization: Organization;
  role: MemberRole | null;
  pending: MembershipRequest | null;
  /** The latest decided request, to say why a declined one was declined. */
  lastDecided: MembershipRequest | null;
}

/** Where the person stands with the organization's cabinet: a member, a pending request, or neither. */
export async function membershipState(ctx: AppContext, actor: Actor | null, slug: string): Promise<MembershipState> {
  const organization = await organizationForRequest(ctx, slug);
  if (!actor) return { organization, role: null, pending: null, lastDecided: null };
  const requests = await ctx.db
    .selectFrom('membership_requests')
    .selectAll()
    .where('organization_id', '=', organization.id)
    .where('user_id', '=', actor.id)
    .orderBy('id', 'desc')
    .limit(5)
    .execute();
  return {
    organization,
    role: actor.memberships.get(organization.id) ?? null,
    pending: requests.find((r) => r.status === 'pending') ?? null,
    lastDecided: requests.find((r) => r.status === 'approved' || r.status === 'rejected') ?? null,
  };
}

/**
 * Asks to work in the organization's cabinet. Approved at once, as a clerk, when the person's verified e-mail is on
 * one of its staff domains; otherwise pending until an administrator decides. Returns the request.
 */
export async function requestMembership(
  ctx: AppContext,
  asker: Actor | null,
  slug: string,
  input: { position: string; note: string },
): Promise<MembershipRequest> {
  const actor = authorize(asker, 'membership.request');
  const organization = await organizationForRequest(ctx, slug);
  // Where the person already stands comes first: the form is not for a member, nor while a request is pending.
  if (actor.memberships.has(organization.id)) throw new DomainError('already_member');
  const pending = await ctx.db
    .selectFrom('membership_requests')
    .select('id')
    .where('organization_id', '=', organization.id)
    .where('user_id', '=', actor.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending) throw new DomainError('membership_pending');
  const checks = new FieldChecks();
  checkMembershipRequest(checks, input);
  checks.throwIfAny();
  const user = await getUser(ctx, actor.id);
  const onStaffDomain = user.email_verified_at !== null && organization.official_email_domains.includes(emailDomain(user.email));
  return ctx.db.transaction().execute(async (trx) => {
    if (await memberOf(trx, organization.id, actor.id)) throw new DomainError('already_member');
    const position = input.position.trim();
    const now = ctx.now();
    const request = await trx
      .insertInto('membership_requests')
      .values({
        organization_id: organization.id,
        user_id: actor.id,
        position,
        note: input.note.trim() || null,
        status: onStaffDomain ? 'approved' : 'pending',
        decided_at: onStaffDomain ? now : null,
        decision_reason: onStaffDomain ? `staff domain ${emailDomain(user.email)}` : null,
      })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id']).where('status', '=', 'pending').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!request) throw new DomainError('membership_pending');
    await audit(trx, {
      actorId: actor.id,
      action: onStaffDomain ? 'membership.join_by_domain' : 'membership.request',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { requestId: request.id, position },
    });
    if (onStaffDomain) await putMember(trx, { organizationId: organization.id, userId: actor.id, role: 'clerk', position });
    return request;
  });
}

export async function cancelMembershipRequest(ctx: AppContext, asker: Actor | null, requestId: number): Promise<void> {
  const request =
    Number.isInteger(requestId) && requestId > 0
      ? await ctx.db.selectFrom('membership_requests').selectAll().where('id', '=', requestId).executeTakeFirst()
      : undefined;
  if (!request) throw new DomainError('not_found');
  const actor = authorize(asker, 'membership.cancel', request);
  await ctx.db.transaction().execute(async (trx) => {
    const cancelled = await trx
      .updateTable('membership_requests')
      .set({ status: 'cancelled', decided_at: ctx.now(), decided_by: actor.id })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(cancelled.numUpdatedRows) !== 1) throw new DomainError('membership_decided');
    await audit(trx, {
      actorId: actor.id,
      action: 'membership.cancel',
      subjectType: 'organization',
      subjectId: request.organization_id,
      details: { requestId },
    });
  });
}

export interface RequestListItem extends MembershipRequest {
  organization_name: string;
  organization_slug: string;
  first_name: string;
  surname: string;
  patronymic: string | null;
  email: string;
  email_verified_at: Date | null;
}

/** The administrator's queue: pending requests, oldest first (or the decided ones, newest first). */
export async function listMembershipRequests(
  ctx: AppContext,
  asker: Actor | null,
  filter: { status: MembershipRequestStatus | 'decided'; limit: number; offset: number },
): Promise<{ items: RequestListItem[]; total: number }> {
  authorize(asker, 'membership.decide');
  const base = ctx.db
    .selectFrom('membership_requests as r')
    .innerJoin(staffColumns(ctx.db).as('u'), 'u.id', 'r.user_id')
    .where((eb) => (filter.status === 'decided' ? eb('r.status', 'in', ['approved', 'rejected']) : eb('r.status', '=', filter.status)));
  const [rows, count] = await Promise.all([
    base
      .selectAll('r')
      .select(['u.first_name', 'u.surname', 'u.patronymic', 'u.email', 'u.email_verified_at'])
      .orderBy('r.created_at', filter.status === 'pending' ? 'asc' : 'desc')
      .orderBy('r.id', filter.status === 'pending' ? 'asc' : 'desc')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const labels = await organizationLabels(
    ctx,
    rows.map((row) => row.organization_id),
  );
  const items = rows.map((row) => ({
    ...row,
    organization_name: labels.get(row.organization_id)?.name ?? '',
    organization_slug: labels.get(row.organization_id)?.slug ?? '',
  }));
  return { items, total: Number(count.n) };
}

/** The administrator approves (as head or clerk) or declines (with a reason the official reads). Once. */
export async function decideMembership(
  ctx: AppContext,
  asker: Actor | null,
  requestId: number,
  decision: { approve: boolean; role: string; reason: string },
): Promise<MembershipRequest> {
  const actor = authorize(asker, 'membership.decide');
  const checks = new FieldChecks();
  const reason = decision.reason.trim();
  if (decision.approve && !isMemberRole(decision.role)) checks.add('role', 'required');
  if (!decision.approve && !reason) checks.add('reason', 'required');
  if (characterCount(reason) > decisionReasonMaxLength) checks.add('reason', 'tooLong', { limit: decisionReasonMaxLength });
  const found =
    Number.isInteger(requestId) && requestId > 0
      ? await ctx.db.selectFrom('membership_requests').selectAll().where('id', '=', requestId).executeTakeFirst()
      : undefined;
  if (!found) throw new DomainError('not_found');
  if (found.status !== 'pending') throw new DomainError('membership_decided');
  checks.throwIfAny();
  return ctx.db.transaction().execute(async (trx) => {
    const decided = await trx
      .updateTable('membership_requests')
      .set({ status: decision.approve ? 'approved' : 'rejected', decided_by: actor.id, decided_at: ctx.now(), decision_reason: reason || null })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!decided) throw new DomainError('membership_decided');
    const organization = await organizationById(trx, decided.organization_id);
    if (decision.approve) {
      await putMember(trx, { organizationId: organization.id, userId: decided.user_id, role: decision.role as MemberRole, position: decided.position });
    }
    await audit(trx, {
      actorId: actor.id,
      action: decision.approve ? 'membership.approve' : 'membership.reject',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { requestId, userId: decided.user_id, ...(decision.approve ? { role: decision.role } : {}), ...(reason ? { reason } : {}) },
    });
    const path = decision.approve ? `/cabinet/${organization.slug}` : `/organizations/${organization.slug}/join`;
    await notify(
      ctx,
      trx,
      decision.approve
        ? { kind: 'membership.approved', problemId: null, key: `membership:${decided.id}`, data: { organization: organization.name, path } }
        : { kind: 'membership.rejected', problemId: null, key: `membership:${decided.id}`, data: { organization: organization.name, reason, path } },
      [{ userId: decided.user_id, reason: 'official' }],
    );
    return decided;
  });
}

/** The head gives a member another role or position. The last head cannot become a clerk. */
export async function changeMember(
  ctx: AppContext,
  asker: Actor | null,
  slug: string,
  userId: number,
  input: { role: string; position: string },
): Promise<void> {
  const organization = await cabinetOrganization(ctx, asker, slug);
  const actor = authorize(asker, 'cabinet.manage', organization);
  const checks = new FieldChecks();
  if (!isMemberRole(input.role)) checks.add('role', 'required');
  checkPosition(checks, input.position);
  const current = await memberOf(ctx.db, organization.id, userId);
  if (!current) throw new DomainError('not_found');
  checks.throwIfAny();
  await ctx.db.transaction().execute(async (trx) => {
    const heads = await lockedHeadIds(trx, organization.id);
    if (input.role === 'clerk' && heads.length === 1 && heads[0] === userId) throw new DomainError('last_head');
    if (!(await memberOf(trx, organization.id, userId))) throw new DomainError('not_found');
    await putMember(trx, { organizationId: organization.id, userId, role: input.role as MemberRole, position: input.position.trim() });
    // A head made a clerk may no longer manage the organization's tokens, so the ones they made go with the role.
    const revokedTokens = input.role === 'head' ? [] : await deleteOrganizationApiTokensOf(trx, organization.id, userId);
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.member_change',
      subjectType: 'organization',
      subjectId: organization.id,
      details: {
        userId,
        role: input.role,
        position: input.position.trim(),
        before: { role: current.role, position: current.position },
        ...(revokedTokens.length ? { revokedTokens } : {}),
      },
    });
  });
}

/**
 * Ends a person's work in the cabinet: the head removes a member, or a member leaves. From the next request
 * they have no access (authentication reads the memberships anew each time). The last head may not go.
 */
export async function removeMember(ctx: AppContext, asker: Actor | null, slug: string, userId: number): Promise<void> {
  const organization = await cabinetOrganization(ctx, asker, slug);
  const self = asker?.id === userId;
  const actor = self ? authorize(asker, 'cabinet.leave', organization) : authorize(asker, 'cabinet.manage', organization);
  await ctx.db.transaction().execute(async (trx) => {
    const heads = await lockedHeadIds(trx, organization.id);
    if (heads.length === 1 && heads[0] === userId) throw new DomainError('last_head');
    if (!(await removeMemberRow(trx, organization.id, userId))) throw new DomainError('not_found');
    // Appeals assigned to the one who left are nobody's now, so the inbox shows them as unassigned.
    await unassignMember(trx, organization.id, userId);
    // The organization's API tokens this person made end with their work there (issue 12), in this transaction.
    const revokedTokens = await deleteOrganizationApiTokensOf(trx, organization.id, userId);
    await audit(trx, {
      actorId: actor.id,
      action: self ? 'cabinet.member_leave' : 'cabinet.member_remove',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { userId, ...(revokedTokens.length ? { revokedTokens } : {}) },
    });
  });
}

export async function updateSettings(ctx: AppContext, asker: Actor | null, slug: string, settings: CabinetSettings): Promise<Organization> {
  const organization = await cabinetOrganization(ctx, asker, slug);
  const actor = authorize(asker, 'cabinet.manage', organization);
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await writeCabinetSettings(trx, organization.id, settings);
    await audit(trx, {
      actorId: actor.id,
      action: 'cabinet.settings',
      subjectType: 'organization',
      subjectId: organization.id,
      details: { ...settings, before: { answersNeedApproval: organization.answers_need_approval, showOfficialNames: organization.show_official_names } },
    });
    return updated;
  });
}

/** The IANA zone the organization's days are counted in (its territory's): the cabinet shows its terms in it. */
export function cabinetTimeZone(ctx: AppContext, organization: Organization): Promise<string> {
  return timeZoneOf(ctx.db, organization.territory_id);
}

/** One member of the organization, as the cabinet shows them (undefined when the person does not work there). */
export function cabinetMember(ctx: AppContext, organization: Organization, userId: number) {
  return memberOf(ctx.db, organization.id, userId);
}
