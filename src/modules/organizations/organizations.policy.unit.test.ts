/** Organizations and categories are public; only admins create and change organizations and topics. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './organizations.policy.ts';

describe('organization policies', () => {
  policyCases(['organization.', 'category.'], {
    'organization.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'category.view': [{ who: 'anonymous', expected: null }],
    'organization.manage': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'category.manage': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
  });
});
