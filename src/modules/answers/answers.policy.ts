import type { Appeal } from '../../core/db/schema.ts';
import { author, definePolicy } from '../../core/policy.ts';
import { canPerform } from '../appeals/appeals.rules.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    /**
     * Saying whether a letter from the body is the answer: the appeal's author, who received the appeal's
     * correspondence, or a moderator (an appeal whose author left). Until then the letter is theirs alone to read.
     */
    'appeal-letter.decide': { who: 'signedIn'; subject: Pick<Appeal, 'author_id'> };
    /** The published letters of an appeal (the answer, acknowledgements): public, like the appeal. */
    'appeal-letter.view': { who: 'anyone' };
    /**
     * Rating the answer: the appeal's author and its signers (a signature that counts), while the review
     * window is open. The subject carries the appeal, whether the person signed, and the time of asking.
     */
    'answer.rate': { who: 'verified'; subject: { appeal: Pick<Appeal, 'author_id' | 'status' | 'review_closes_at'>; signed: boolean; at: Date } };
    /** Organization ratings, league tables and the formula: public. */
    'organization-rating.view': { who: 'anyone' };
    /**
     * Uploading the answer the body sent on paper: the appeal's author, who received it (the appeal sent by the
     * platform or by the author). The service checks that the appeal awaits its answer.
     */
    'appeal-answer.upload': { who: 'signedIn'; subject: Pick<Appeal, 'author_id'> };
    /** Publishing an answer on the body's behalf (a body that answered on paper to the platform): the admins. */
    'appeal-answer.publishOnBehalf': { who: 'admin' };
    /** The inbound webhook: the shared secret in the request is the proof, as a provider's webhook has no session. */
    'inbound-mail.receive': { who: 'anyone' };
    /** Inbound mail as it arrived, the unmatched included: the admins only (it may hold anybody's letter). */
    'inbound-mail.list': { who: 'admin' };
  }
}

const isAuthor = author<Pick<Appeal, 'author_id'>>((appeal) => appeal.author_id);
definePolicy('appeal-letter.decide', 'signedIn', (actor, appeal) => (actor.role === 'moderator' || actor.role === 'admin' ? null : isAuthor(actor, appeal)));
definePolicy('appeal-letter.view', 'anyone');
definePolicy('appeal-answer.upload', 'signedIn', isAuthor);
definePolicy('appeal-answer.publishOnBehalf', 'admin');
definePolicy('answer.rate', 'verified', (actor, { appeal, signed, at }) => {
  if (!canPerform(appeal.status, 'rateAnswer')) return appeal.status === 'closed' ? 'review_closed' : 'wrong_state';
  if (!appeal.review_closes_at || appeal.review_closes_at <= at) return 'review_closed';
  return signed || appeal.author_id === actor.id ? null : 'not_signer';
});
definePolicy('inbound-mail.receive', 'anyone');
definePolicy('organization-rating.view', 'anyone');
definePolicy('inbound-mail.list', 'admin');
