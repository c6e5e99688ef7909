/** Who may decide whether a letter from the body is the answer, read the published letters, and see inbound mail. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './answers.policy.ts';

const appeal = (author_id: number | null) => ({ author_id });

describe('answer policies', () => {
  policyCases(['appeal-letter.', 'inbound-mail.'], {
    'appeal-letter.decide': [
      { who: 'citizen', subject: appeal(7), expected: null, label: 'the appeal’s author' },
      { who: 'citizen', subject: appeal(99), expected: 'not_author', label: 'another citizen (a signer, say)' },
      { who: 'moderator', subject: appeal(99), expected: null, label: 'a moderator' },
      { who: 'admin', subject: appeal(null), expected: null, label: 'an admin, an appeal whose author left' },
      { who: 'unverified', subject: appeal(99), expected: 'not_author', label: 'an unverified user' },
      { who: 'anonymous', subject: appeal(7), expected: 'unauthenticated' },
    ],
    'appeal-letter.view': [
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
