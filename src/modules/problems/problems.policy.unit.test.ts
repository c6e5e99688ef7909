/** Who may publish, follow, comment on, edit and mark solved a problem. */
import { describe } from 'vitest';
import { type PolicyCase, policyCases } from '../../../test/support/policy-cases.ts';
import './problems.policy.ts';

const mine = { author_id: 7, status: 'open' as const };
const theirs = { author_id: 99, status: 'open' as const };
/** The author's own problem, and someone else's, in each state: hidden is nobody's, solved is a conflict for the author. */
const authorOnlyWhileOpen: PolicyCase[] = [
  { who: 'citizen', subject: mine, expected: null, label: 'the author, open' },
  { who: 'unverified', subject: { ...mine, author_id: 8 }, expected: null, label: 'the author with an unconfirmed e-mail' },
  { who: 'citizen', subject: theirs, expected: 'not_author', label: 'another citizen' },
  { who: 'admin', subject: theirs, expected: 'not_author', label: 'an admin' },
  { who: 'citizen', subject: { ...mine, status: 'solved' }, expected: 'conflict', label: 'the author, solved' },
  { who: 'citizen', subject: { ...mine, status: 'closed' }, expected: 'conflict', label: 'the author, closed' },
  { who: 'citizen', subject: { ...mine, status: 'hidden' }, expected: 'not_found', label: 'the author, hidden' },
  { who: 'anonymous', subject: theirs, expected: 'unauthenticated' },
];
const verifiedOnly: PolicyCase[] = [
  { who: 'citizen', expected: null },
  { who: 'unverified', expected: 'email_not_verified' },
  { who: 'anonymous', expected: 'unauthenticated' },
];

describe('problem policies', () => {
  policyCases(['problem.', 'comment.'], {
    'problem.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'problem.create': verifiedOnly,
    'comment.create': verifiedOnly,
    'problem.follow': [
      { who: 'unverified', expected: null },
      { who: 'citizen', expected: null },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'problem.update': authorOnlyWhileOpen,
    'problem.markSolved': authorOnlyWhileOpen,
  });
});
