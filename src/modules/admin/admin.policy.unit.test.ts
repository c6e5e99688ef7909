/** Only admins see the admin pages, the outbox, the audit log and the site settings. */
import { describe } from 'vitest';
import { type PolicyCase, policyCases } from '../../../test/support/policy-cases.ts';
import './admin.policy.ts';

const adminsOnly: PolicyCase[] = [
  { who: 'admin', expected: null },
  { who: 'moderator', expected: 'forbidden' },
  { who: 'citizen', expected: 'forbidden' },
  { who: 'anonymous', expected: 'unauthenticated' },
];

describe('admin policies', () => {
  policyCases(['admin.'], { 'admin.view': adminsOnly, 'admin.outbox': adminsOnly, 'admin.audit': adminsOnly, 'admin.settings': adminsOnly });
});
