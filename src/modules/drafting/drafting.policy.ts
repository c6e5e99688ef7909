/** Who may discuss a draft's text: comment on a passage, reply, and mark a thread resolved. */
import { type Actor, allOf, definePolicy } from '../../core/policy.ts';
import { type AppealSubject, draftOnly, visibleDraft as visible } from '../appeals/appeals.policy.ts';

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

definePolicy('draft.comment', 'verified', allOf(visible, draftOnly));
definePolicy(
  'draft.resolveComment',
  'signedIn',
  allOf<Actor, DraftCommentSubject>(
    (actor, subject) => visible(actor, subject.appeal),
    (actor, subject) => draftOnly(actor, subject.appeal),
    (actor, subject) => (subject.appeal.author_id === actor.id || subject.commentAuthorId === actor.id ? null : 'not_author'),
  ),
);
