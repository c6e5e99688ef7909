/** Territories are public; only admins import and edit them. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './territories.policy.ts';

describe('territory policies', () => {
  policyCases(['territory.'], {
    'territory.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'territory.import': [
      { who: 'admin', expected: null },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'territory.edit': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
  });
});
