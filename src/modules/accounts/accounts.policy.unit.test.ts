/** Who may register, log in, recover, verify and manage an account. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './accounts.policy.ts';

describe('account policies', () => {
  policyCases(['account.'], {
    'account.register': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: 'already_signed_in' },
      { who: 'unverified', expected: 'already_signed_in' },
    ],
    'account.login': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'account.logout': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'account.recover': [
      { who: 'anonymous', expected: null },
      { who: 'unverified', expected: null },
    ],
    'account.verify': [
      { who: 'anonymous', expected: null },
      { who: 'unverified', expected: null },
    ],
    'account.manage': [
      { who: 'anonymous', expected: 'unauthenticated' },
      { who: 'unverified', expected: null },
      { who: 'citizen', expected: null },
    ],
  });
});
