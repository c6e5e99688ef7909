/** Who may discuss a draft's text: comment on a passage, reply, and mark a thread resolved. */
import { allOf, definePolicy, type Rule } from '../../core/policy.ts';
import type { AppealSubject } from '../appeals/appeals.policy.ts';

/** A thread of a draft's discussion as its policy sees it: the appeal and who started the thread. */
export interface DraftCommentSubject {
  appeal: AppealSubject;
  commentAuthorId: number | null;
}

declare module '../../core/policy.ts' {
  interface Policies {
    /** Commenting on a draft's text and replying: a verified citizen who may read the draft, while it is a draft. */
    'draft.comment': { who: 'verified'; subject: AppealSubject };
    /** Marking a thread resolved (or open again): the draft's author, or whoever started the thread. */
    'draft.resolveComment': { who: 'signedIn'; subject: DraftCommentSubject };
  }
}

// A private draft is its author's alone (appeal.view): to anyone else it does not exist.
const visible: Rule<{ id: number }, AppealSubject> = (actor, appeal) =>
  appeal.author_id === actor.id || (appeal.shared_at ?? null) !== null || appeal.status !== 'draft' ? null : 'not_found';
const draftOnly: Rule<unknown, AppealSubject> = (_actor, appeal) => (appeal.status === 'draft' ? null : 'appeal_frozen');

definePolicy('draft.comment', 'verified', allOf(visible, draftOnly));
definePolicy(
  'draft.resolveComment',
  'signedIn',
  allOf<{ id: number }, DraftCommentSubject>(
    (actor, subject) => visible(actor, subject.appeal),
    (actor, subject) => draftOnly(actor, subject.appeal),
    (actor, subject) => (subject.appeal.author_id === actor.id || subject.commentAuthorId === actor.id ? null : 'not_author'),
  ),
);
