import { definePolicy } from '../../core/policy.ts';
import { appealRefusal, type CaseForAppeal, type CaseForDecision, decisionRefusal } from './moderation.rules.ts';

/** A case as the decisions read it, with whether the person asking reported the item himself. */
export type DecisionSubject = CaseForDecision & { reportedByActor: boolean };

declare module '../../core/policy.ts' {
  interface Policies {
    /** Anyone signed in reports a problem, a comment, an appeal's text or a rating's comment (the item's rules are the service's). */
    'content.report': { who: 'signedIn' };
    /** The queue of reported items and a case's page. */
    'moderation.queue': { who: 'moderator' };
    /** Hide or restore an item: a moderator, never on his own item or one he reported. */
    'moderation.decide': { who: 'moderator'; subject: DecisionSubject };
    /** One's own items that moderators hid, and the appeal of a decision (once). */
    'moderation.mine': { who: 'signedIn' };
    'moderation.appeal': { who: 'signedIn'; subject: CaseForAppeal };
    /** An author's appeal is decided by an administrator. */
    'moderation.decideAppeal': { who: 'admin'; subject: DecisionSubject };
  }
}

definePolicy('content.report', 'signedIn');
definePolicy('moderation.queue', 'moderator');
definePolicy('moderation.decide', 'moderator', (actor, subject) => decisionRefusal(actor.id, subject, subject.reportedByActor));
definePolicy('moderation.mine', 'signedIn');
definePolicy('moderation.appeal', 'signedIn', (actor, subject) => appealRefusal(actor.id, subject));
definePolicy('moderation.decideAppeal', 'admin', (actor, subject) =>
  subject.authorId === actor.id || subject.reportedByActor ? 'own_content' : subject.appealPending ? null : 'wrong_state',
);
