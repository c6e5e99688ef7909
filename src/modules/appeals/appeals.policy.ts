import type { Appeal, Problem } from '../../core/db/schema.ts';
import { type Actor, allOf, author, definePolicy, member, type Refusal, type Rule } from '../../core/policy.ts';
import { type AppealAction, canPerform, escalationRefusal } from './appeals.rules.ts';

/** What the decisions read of an appeal and of a problem: a row, or any read model that carries these. */
export type AppealSubject = Pick<Appeal, 'author_id' | 'status'> & Partial<Pick<Appeal, 'dispatch_started_at' | 'shared_at'>>;
/** A draft's text as a person would write it: the appeal, whether its author locked the text, and whether that person is one of its co-authors now. */
export type DraftTextSubject = AppealSubject & Pick<Appeal, 'text_locked_at'> & { coauthor: boolean };
type ProblemSubject = Pick<Problem, 'author_id' | 'status'>;
/** An appeal whose signatures a moderator would clear or invalidate, and whether that moderator signed it. */
export interface SignatureModerationSubject {
  author_id: number | null;
  moderatorSigned: boolean;
}

declare module '../../core/policy.ts' {
  interface Policies {
    /** A draft exists only for its author until he shares it for co-writing; from opening on, the appeal is public. */
    'appeal.view': { who: 'anyone'; subject: AppealSubject };
    /** Writing a draft's text: its author, and its co-authors unless the author locked the text. */
    'appeal.writeText': { who: 'signedIn'; subject: DraftTextSubject };
    /** Joining a shared draft as a co-author: a verified citizen other than its author, while the text is not locked. */
    'appeal.joinDraft': { who: 'verified'; subject: DraftTextSubject };
    /** Leaving a draft one co-writes. */
    'appeal.leaveDraft': { who: 'signedIn'; subject: DraftTextSubject };
    /** Sharing the draft, locking its text, removing a co-author, restoring an old revision: the author, while it is a draft. */
    'appeal.leadDraft': { who: 'signedIn'; subject: AppealSubject };
    /** Only the problem's author starts its appeals, while the problem is open (the problem is the subject). */
    'appeal.create': { who: 'verified'; subject: ProblemSubject };
    /** The author's own view and panel of the appeal, whatever its state. */
    'appeal.manage': { who: 'signedIn'; subject: AppealSubject };
    'appeal.revise': { who: 'signedIn'; subject: AppealSubject };
    'appeal.open': { who: 'signedIn'; subject: AppealSubject };
    /** The PDF the author prints and sends himself. */
    'appeal.document': { who: 'signedIn'; subject: AppealSubject };
    'appeal.recordSent': { who: 'signedIn'; subject: AppealSubject };
    /** The body's registration number and date, from its notice: the author, while the appeal is sent and not registered. */
    'appeal.recordRegistration': { who: 'signedIn'; subject: AppealSubject };
    'appeal.withdraw': { who: 'signedIn'; subject: AppealSubject };
    /**
     * No subject: whether the appeal still collects is decided by the signing statement itself, so
     * the hot path reads the appeal once, in that statement, not once more here.
     */
    'appeal.sign': { who: 'verified' };
    /** Escalating to another body: the author, once the appeal closed unresolved (or partly, unrated, unanswered) or is overdue. */
    'appeal.escalate': { who: 'verified'; subject: AppealSubject & Pick<Appeal, 'outcome' | 'answer_overdue_at'> };
    /** One's own signature: read it, withdraw it. */
    'appeal.mySignature': { who: 'signedIn' };
    /** The addressee's officials work on it in their cabinet: register, assign, extend, answer (the state is the use case's). */
    'appeal.actAsAddressee': { who: 'member'; subject: Pick<Appeal, 'organization_id'> };
    /**
     * Forwarding it to the competent body (59-FZ Art. 8 p. 3): any official of the addressee, clerk or head — as
     * registering and extending, it is the office's work on the appeal (in a body it is the registry that forwards
     * within the 7 days), not a decision on the substance; the reason is public and the step is audited. Only while
     * the appeal is with the body and not answered (sent or registered), and once.
     */
    'appeal.forward': { who: 'member'; subject: Pick<Appeal, 'organization_id' | 'status'> };
    /** Proposing an amendment of the signed text: a verified citizen, while the appeal collects signatures and before its dispatch. */
    'amendment.propose': { who: 'verified'; subject: AppealSubject };
    /** Discussing an amendment: a verified citizen, while the appeal collects signatures. */
    'amendment.comment': { who: 'verified'; subject: AppealSubject };
    /** Accepting or rejecting an amendment, with a reason: the appeal's author, while it collects signatures and before its dispatch. */
    'amendment.decide': { who: 'signedIn'; subject: AppealSubject };
    /** Moderators see the flagged signatures and clear or invalidate them; never on an appeal they wrote or signed (CONSUL's rule). */
    'signature.moderate': { who: 'moderator'; subject: SignatureModerationSubject };
    /** The list of appeals with flagged signatures: no record yet. */
    'signature.review': { who: 'moderator' };
  }
}

const isAuthor = author((appeal: AppealSubject) => appeal.author_id);
// A draft exists only for its author (appeal.view): to anyone else an action on it answers as for no appeal at all,
// so its id does not tell that a draft is there.
const byAuthor: Rule<Actor, AppealSubject> = (actor, appeal) => {
  const refused = isAuthor(actor, appeal);
  return refused && appeal.status === 'draft' ? 'not_found' : refused;
};
/** The state machine of `appeals.rules.ts` decides; the reason keeps the code each action always had. */
const inState =
  (action: AppealAction, reason: Refusal): Rule<unknown, AppealSubject> =>
  (_actor, appeal) =>
    canPerform(appeal.status, action) ? null : reason;

definePolicy('appeal.view', 'anyone', (actor, appeal) =>
  appeal.status !== 'draft' || appeal.author_id === actor?.id || (appeal.shared_at ?? null) !== null ? null : 'not_found',
);
// A draft's text: the author always (his lock binds the co-authors), a co-author while unlocked; anyone else reads.
/** Only while the appeal is a draft (its text not yet frozen). */
export const draftOnly: Rule<unknown, AppealSubject> = (_actor, appeal) => (canPerform(appeal.status, 'revise') ? null : 'appeal_frozen');
/** A private draft does not exist for anyone but its author (appeal.view's rule, for the draft's other policies). */
export const visibleDraft: Rule<Actor, AppealSubject> = (actor, appeal) =>
  appeal.author_id === actor.id || (appeal.shared_at ?? null) !== null || appeal.status !== 'draft' ? null : 'not_found';
definePolicy(
  'appeal.writeText',
  'signedIn',
  allOf(visibleDraft, draftOnly, (actor, draft: DraftTextSubject) => {
    if (draft.author_id === actor.id) return null;
    if (!draft.coauthor) return 'not_coauthor';
    return draft.text_locked_at ? 'draft_locked' : null;
  }),
);
definePolicy(
  'appeal.joinDraft',
  'verified',
  allOf(visibleDraft, draftOnly, (actor, draft: DraftTextSubject) => {
    if (draft.author_id === actor.id || draft.coauthor) return 'already_coauthor';
    if (!draft.shared_at) return 'not_found';
    return draft.text_locked_at ? 'draft_locked' : null;
  }),
);
definePolicy(
  'appeal.leaveDraft',
  'signedIn',
  allOf(visibleDraft, draftOnly, (_actor, draft: DraftTextSubject) => (draft.coauthor ? null : 'not_coauthor')),
);
// A shared draft is visible: to a co-author or a reader, the author's controls answer «not the author», not «no draft».
definePolicy('appeal.leadDraft', 'signedIn', allOf(visibleDraft, isAuthor, draftOnly));
definePolicy(
  'appeal.create',
  'verified',
  allOf(
    (_actor: unknown, problem: ProblemSubject) => (problem.status === 'hidden' ? 'not_found' : null),
    author((problem: ProblemSubject) => problem.author_id),
    (_actor, problem) => (problem.status === 'open' ? null : 'conflict'),
  ),
);
definePolicy('appeal.manage', 'signedIn', byAuthor);
definePolicy('appeal.revise', 'signedIn', allOf(byAuthor, inState('revise', 'appeal_frozen')));
definePolicy('appeal.open', 'signedIn', allOf(byAuthor, inState('open', 'appeal_frozen')));
definePolicy('appeal.document', 'signedIn', allOf(byAuthor, inState('downloadPdf', 'conflict')));
definePolicy('appeal.recordRegistration', 'signedIn', allOf(byAuthor, inState('register', 'wrong_state')));
// Once the platform started sending (signing closed at the threshold), the letter is the platform's: neither a
// withdrawal nor a self-sent record may race it, or the letter would reach the addressee of a withdrawn appeal.
const notDispatching = (_actor: unknown, appeal: AppealSubject) => (appeal.dispatch_started_at ? 'appeal_dispatching' : null);
// A draft is not sendable yet (open it for signatures first); a sent or withdrawn appeal no longer.
definePolicy(
  'appeal.recordSent',
  'signedIn',
  allOf(
    byAuthor,
    (_actor, appeal) => (canPerform(appeal.status, 'recordSelfSent') ? null : appeal.status === 'draft' ? 'appeal_still_draft' : 'appeal_not_open'),
    notDispatching,
  ),
);
// An amendment changes the text people sign: only while they sign it, and never once the letter is being made.
const amendable = allOf(
  (_actor: unknown, appeal: AppealSubject) => (appeal.status === 'draft' ? 'not_found' : canPerform(appeal.status, 'amend') ? null : 'signing_closed'),
  notDispatching,
);
definePolicy('amendment.propose', 'verified', amendable);
definePolicy('amendment.comment', 'verified', amendable);
definePolicy('amendment.decide', 'signedIn', allOf(byAuthor, amendable));
// A letter already at the addressee cannot be taken back from here: say so rather than «already sent or withdrawn».
definePolicy(
  'appeal.withdraw',
  'signedIn',
  allOf(
    byAuthor,
    (_actor, appeal) => (canPerform(appeal.status, 'withdraw') ? null : appeal.status === 'withdrawn' ? 'appeal_not_open' : 'appeal_already_sent'),
    notDispatching,
  ),
);
definePolicy('appeal.sign', 'verified');
definePolicy(
  'appeal.escalate',
  'verified',
  allOf(byAuthor, (_actor, appeal: AppealSubject & Pick<Appeal, 'outcome' | 'answer_overdue_at'>) => escalationRefusal(appeal)),
);
definePolicy('appeal.mySignature', 'signedIn');
definePolicy(
  'appeal.actAsAddressee',
  'member',
  member((appeal: Pick<Appeal, 'organization_id'>) => appeal.organization_id),
);
definePolicy(
  'appeal.forward',
  'member',
  allOf(
    member((appeal: Pick<Appeal, 'organization_id' | 'status'>) => appeal.organization_id),
    (_actor, appeal) => (appeal.status === 'forwarded' ? 'already_forwarded' : canPerform(appeal.status, 'forward') ? null : 'wrong_state'),
  ),
);
definePolicy('signature.review', 'moderator');
definePolicy('signature.moderate', 'moderator', (actor, appeal) => (appeal.author_id === actor.id || appeal.moderatorSigned ? 'moderator_involved' : null));
