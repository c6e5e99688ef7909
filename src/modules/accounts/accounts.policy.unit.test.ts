/** Who may register, log in, recover, verify and manage an account. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './accounts.policy.ts';

describe('people administration policies', () => {
  const citizen = { id: 7, role: 'citizen' as const };
  policyCases(['user.'], {
    'user.list': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'user.block': [
      { who: 'moderator', subject: citizen, expected: null },
      { who: 'moderator', subject: { id: 11, role: 'moderator' }, expected: 'cannot_block_staff', label: 'moderator blocking a moderator' },
      { who: 'moderator', subject: { id: 10, role: 'admin' }, expected: 'cannot_block_staff', label: 'moderator blocking an admin' },
      { who: 'moderator', subject: { id: 9, role: 'moderator' }, expected: 'cannot_act_on_self', label: 'moderator blocking himself' },
      { who: 'admin', subject: { id: 9, role: 'moderator' }, expected: null, label: 'admin blocking a moderator' },
      { who: 'admin', subject: { id: 10, role: 'admin' }, expected: 'cannot_act_on_self', label: 'admin blocking himself' },
      { who: 'citizen', subject: { id: 8, role: 'citizen' }, expected: 'forbidden' },
      { who: 'anonymous', subject: citizen, expected: 'unauthenticated' },
    ],
    'user.role': [
      { who: 'admin', subject: { user: citizen, role: 'moderator' }, expected: null },
      { who: 'admin', subject: { user: { id: 10, role: 'admin' }, role: 'citizen' }, expected: 'own_admin_role', label: 'admin demoting himself' },
      { who: 'admin', subject: { user: { id: 10, role: 'admin' }, role: 'admin' }, expected: null, label: 'admin keeping his role' },
      { who: 'moderator', subject: { user: citizen, role: 'moderator' }, expected: 'forbidden' },
    ],
  });
});

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
