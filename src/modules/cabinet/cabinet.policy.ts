/**
 * Who may do what in the service cabinet. An official acts only for an organization he works in (his role
 * there is on the actor: authentication reads the memberships with the user); the head manages the members,
 * the settings and the templates; an answer is published by the head, or by any member when the
 * organization does not require the head's approval. Joining is asked by a verified citizen and decided by
 * an administrator (or at once, on a staff e-mail domain).
 */
import type { MembershipRequest, MessageThread, Organization } from '../../core/db/schema.ts';
import { definePolicy, head, member, otherOrganizationRefusal, personOnly } from '../../core/policy.ts';

/** What the cabinet's decisions read of an organization. */
export type CabinetSubject = Pick<Organization, 'id'>;
type PublishSubject = Pick<Organization, 'id' | 'answers_need_approval'>;

declare module '../../core/policy.ts' {
  interface Policies {
    /** The list of one's cabinets. */
    'cabinet.enter': { who: 'member' };
    /** The organization's inbox, appeals, members, templates: any of its officials. */
    'cabinet.view': { who: 'member'; subject: CabinetSubject };
    /** Register, assign, extend, prepare an answer, save views: any of its officials. */
    'cabinet.work': { who: 'member'; subject: CabinetSubject };
    /**
     * Members and their roles, the cabinet's settings, the answer templates, webhooks and the organization's API
     * tokens: the head, in person (never an organization's token, which has a clerk's rights).
     */
    'cabinet.manage': { who: 'member'; subject: CabinetSubject };
    /** Publishing an answer, approving or returning a clerk's: the head; any official where no approval is required. */
    'cabinet.publishAnswer': { who: 'member'; subject: PublishSubject };
    /** Issuing a document on the organization's letterhead about a problem: the head, in person (it bears the head's signature block). */
    'cabinet.issueDocument': { who: 'member'; subject: CabinetSubject };
    /** A document an organization issued: public, as its word on a public problem. */
    'document.view': { who: 'anyone' };
    /** Leaving the organization's cabinet oneself. */
    'cabinet.leave': { who: 'member'; subject: CabinetSubject };
    /** Asking to work in an organization's cabinet. */
    'membership.request': { who: 'verified' };
    /** Withdrawing one's own pending request; another's does not exist for the asker. */
    'membership.cancel': { who: 'signedIn'; subject: Pick<MembershipRequest, 'user_id'> };
    /** The administrator's queue of requests and the decision on each. */
    'membership.decide': { who: 'admin' };
    /** The citizen's own message threads with organizations (cabinet.threads.ts). */
    'message.list': { who: 'signedIn' };
    /** One thread: its citizen alone on the citizen's side (the organization's side reads it through cabinet.view). */
    'message.read': { who: 'signedIn'; subject: Pick<MessageThread, 'citizen_id'> };
    /** Answering in one's own thread, or answering the organization's message to all signers of an appeal one signed. */
    'message.reply': { who: 'verified'; subject: { citizenId: number } };
  }
}

const ofOrganization = (subject: CabinetSubject) => subject.id;

definePolicy('cabinet.enter', 'member');
definePolicy('cabinet.view', 'member', member(ofOrganization));
definePolicy('cabinet.work', 'member', member(ofOrganization));
definePolicy('cabinet.manage', 'member', personOnly(head(ofOrganization)));
definePolicy('cabinet.publishAnswer', 'member', (actor, organization) => {
  const other = otherOrganizationRefusal(actor, organization.id);
  if (other) return other;
  const role = actor.memberships.get(organization.id);
  if (role === undefined) return 'not_member';
  return role === 'head' || !organization.answers_need_approval ? null : 'answer_needs_approval';
});
// An organization's token acts for the head who made it: leaving would end that person's work, not the token's.
definePolicy('cabinet.issueDocument', 'member', personOnly(head(ofOrganization)));
definePolicy('document.view', 'anyone');
definePolicy('cabinet.leave', 'member', personOnly(member(ofOrganization)));
definePolicy('membership.request', 'verified');
definePolicy('membership.cancel', 'signedIn', (actor, request) => (request.user_id === actor.id ? null : 'not_found'));
definePolicy('membership.decide', 'admin');

// A thread exists only for its two sides: for any other citizen it does not exist (404), as another's draft does not.
// An organization's token never acts as the citizen who made it (its routes are the cabinet's API alone, too).
definePolicy('message.list', 'signedIn');
definePolicy(
  'message.read',
  'signedIn',
  personOnly((actor, thread) => (thread.citizen_id === actor.id ? null : 'not_found')),
);
definePolicy(
  'message.reply',
  'verified',
  personOnly((actor, subject) => (subject.citizenId === actor.id ? null : 'not_found')),
);
