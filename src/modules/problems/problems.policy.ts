import type { Problem } from '../../core/db/schema.ts';
import { allOf, author, definePolicy, type Rule } from '../../core/policy.ts';

/** What the decisions read of a problem: a row, or any read model that carries these. */
export type ProblemSubject = Pick<Problem, 'author_id' | 'status'>;

declare module '../../core/policy.ts' {
  interface Policies {
    'problem.view': { who: 'anyone' };
    'problem.create': { who: 'verified' };
    'problem.follow': { who: 'signedIn' };
    'comment.create': { who: 'verified' };
    /** Edit the text or add photos. */
    'problem.update': { who: 'signedIn'; subject: ProblemSubject };
    'problem.markSolved': { who: 'signedIn'; subject: ProblemSubject };
  }
}

/** A hidden problem exists for nobody; a closed or solved one is a conflict for its author. */
const visible: Rule<unknown, ProblemSubject> = (_actor, problem) => (problem.status === 'hidden' ? 'not_found' : null);
const stillOpen: Rule<unknown, ProblemSubject> = (_actor, problem) => (problem.status === 'open' ? null : 'conflict');
const byAuthor = author((problem: ProblemSubject) => problem.author_id);

definePolicy('problem.view', 'anyone');
definePolicy('problem.create', 'verified');
definePolicy('problem.follow', 'signedIn');
definePolicy('comment.create', 'verified');
definePolicy('problem.update', 'signedIn', allOf(visible, byAuthor, stillOpen));
definePolicy('problem.markSolved', 'signedIn', allOf(visible, byAuthor, stillOpen));
