/** Who may decide whether a letter from the body is the answer, upload or publish a paper answer, read the published letters, and see inbound mail. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './answers.policy.ts';

const appeal = (author_id: number | null) => ({ author_id });
const at = new Date('2026-12-01T10:00:00Z');
const inReview = (author_id: number, signed: boolean, closes = '2026-12-10T10:00:00Z', status: 'review' | 'closed' | 'sent' = 'review') => ({
  appeal: { author_id, status, review_closes_at: new Date(closes) },
  signed,
  at,
});

describe('answer policies', () => {
  policyCases(['appeal-letter.', 'appeal-answer.', 'inbound-mail.', 'answer.', 'organization-rating.'], {
    'answer.rate': [
      { who: 'citizen', subject: inReview(99, true), expected: null, label: 'a signer, in the window' },
      { who: 'citizen', subject: inReview(7, false), expected: null, label: 'the author, in the window' },
      { who: 'citizen', subject: inReview(99, false), expected: 'not_signer', label: 'a citizen who did not sign' },
      { who: 'citizen', subject: inReview(99, true, '2026-12-01T10:00:00Z'), expected: 'review_closed', label: 'a signer, at the window’s end' },
      { who: 'citizen', subject: inReview(99, true, '2026-11-01T10:00:00Z', 'closed'), expected: 'review_closed', label: 'a signer, the appeal closed' },
      { who: 'citizen', subject: inReview(99, true, '2026-12-10T10:00:00Z', 'sent'), expected: 'wrong_state', label: 'a signer, no answer yet' },
      { who: 'unverified', subject: inReview(99, true), expected: 'email_not_verified' },
      { who: 'anonymous', subject: inReview(99, true), expected: 'unauthenticated' },
    ],
    'appeal-letter.decide': [
      { who: 'citizen', subject: appeal(7), expected: null, label: 'the appeal’s author' },
      { who: 'citizen', subject: appeal(99), expected: 'not_author', label: 'another citizen (a signer, say)' },
      { who: 'moderator', subject: appeal(99), expected: null, label: 'a moderator' },
      { who: 'admin', subject: appeal(null), expected: null, label: 'an admin, an appeal whose author left' },
      { who: 'unverified', subject: appeal(99), expected: 'not_author', label: 'an unverified user' },
      { who: 'anonymous', subject: appeal(7), expected: 'unauthenticated' },
    ],
    'appeal-answer.upload': [
      { who: 'citizen', subject: appeal(7), expected: null, label: 'the appeal’s author' },
      { who: 'citizen', subject: appeal(99), expected: 'not_author', label: 'another citizen (a signer, say)' },
      { who: 'admin', subject: appeal(99), expected: 'not_author', label: 'an admin, who publishes on the body’s behalf instead' },
      { who: 'anonymous', subject: appeal(7), expected: 'unauthenticated' },
    ],
    'appeal-answer.publishOnBehalf': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden', label: 'a citizen, the author included' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'appeal-letter.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'organization-rating.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'inbound-mail.receive': [{ who: 'anonymous', expected: null, label: 'anyone (the shared secret is checked by the route)' }],
    'inbound-mail.list': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
  });
});
