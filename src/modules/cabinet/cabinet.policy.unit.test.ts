/** Who may enter, read, work in and manage an organization's cabinet, publish its answers, and ask or decide to join it. */
import { describe } from 'vitest';
import { person, policyCases } from '../../../test/support/policy-cases.ts';
import './cabinet.policy.ts';

const clerkOfA = person({ id: 30 }, [[1, 'clerk']]);
const headOfA = person({ id: 31 }, [[1, 'head']]);
const headOfB = person({ id: 32 }, [[2, 'head']]);
const organizationA = { id: 1 };
/** Organization A's API token, made by its head (31): a clerk of A alone, whatever else its maker heads. */
const tokenOfA = person({ id: 31, via: 'token', scopes: ['read', 'write'], organizationToken: { id: 5, name: 'СЭД', organizationId: 1, createdBy: 31 } }, [
  [1, 'clerk'],
]);

describe('cabinet policies', () => {
  policyCases(['cabinet.', 'membership.', 'message.', 'document.'], {
    'cabinet.enter': [
      { who: clerkOfA, expected: null, label: 'a clerk' },
      { who: headOfB, expected: null, label: 'a head' },
      { who: 'citizen', expected: 'not_member' },
      { who: 'admin', expected: 'not_member', label: 'an admin, who works in no organization' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'cabinet.view': [
      { who: clerkOfA, subject: organizationA, expected: null, label: 'a clerk of A' },
      { who: headOfA, subject: organizationA, expected: null, label: 'the head of A' },
      { who: headOfB, subject: organizationA, expected: 'not_member', label: 'the head of B' },
      { who: tokenOfA, subject: organizationA, expected: null, label: 'A’s organization token' },
      { who: tokenOfA, subject: { id: 2 }, expected: 'organization_token_other_organization', label: 'A’s organization token in B' },
      { who: 'moderator', subject: organizationA, expected: 'not_member' },
      { who: 'anonymous', subject: organizationA, expected: 'unauthenticated' },
    ],
    'cabinet.work': [
      { who: clerkOfA, subject: organizationA, expected: null, label: 'a clerk of A' },
      { who: headOfB, subject: organizationA, expected: 'not_member', label: 'the head of B' },
      { who: tokenOfA, subject: organizationA, expected: null, label: 'A’s organization token' },
      { who: tokenOfA, subject: { id: 2 }, expected: 'organization_token_other_organization', label: 'A’s organization token in B' },
      { who: 'citizen', subject: organizationA, expected: 'not_member' },
    ],
    'cabinet.manage': [
      { who: headOfA, subject: organizationA, expected: null, label: 'the head of A' },
      { who: clerkOfA, subject: organizationA, expected: 'not_head', label: 'a clerk of A' },
      { who: headOfB, subject: organizationA, expected: 'not_member', label: 'the head of B' },
      { who: tokenOfA, subject: organizationA, expected: 'organization_token_not_allowed', label: 'A’s organization token (its head’s, but a clerk’s rights)' },
      { who: 'admin', subject: organizationA, expected: 'not_member' },
    ],
    'cabinet.publishAnswer': [
      { who: headOfA, subject: { id: 1, answers_need_approval: true }, expected: null, label: 'the head, approval required' },
      { who: clerkOfA, subject: { id: 1, answers_need_approval: true }, expected: 'answer_needs_approval', label: 'a clerk, approval required' },
      { who: clerkOfA, subject: { id: 1, answers_need_approval: false }, expected: null, label: 'a clerk, no approval required' },
      { who: tokenOfA, subject: { id: 1, answers_need_approval: true }, expected: 'answer_needs_approval', label: 'A’s organization token, approval required' },
      { who: tokenOfA, subject: { id: 2, answers_need_approval: false }, expected: 'organization_token_other_organization', label: 'A’s token in B' },
      { who: headOfB, subject: { id: 1, answers_need_approval: false }, expected: 'not_member', label: 'the head of B' },
      { who: 'citizen', subject: { id: 1, answers_need_approval: false }, expected: 'not_member' },
    ],
    'cabinet.issueDocument': [
      { who: headOfA, subject: organizationA, expected: null, label: 'the head of A' },
      { who: clerkOfA, subject: organizationA, expected: 'not_head', label: 'a clerk of A' },
      { who: headOfB, subject: organizationA, expected: 'not_member', label: 'the head of B' },
      { who: tokenOfA, subject: organizationA, expected: 'organization_token_not_allowed', label: 'A’s organization token (a clerk’s rights)' },
      { who: 'moderator', subject: organizationA, expected: 'not_member' },
      { who: 'anonymous', subject: organizationA, expected: 'unauthenticated' },
    ],
    'document.view': [
      { who: 'anonymous', expected: null },
      { who: 'citizen', expected: null },
    ],
    'cabinet.leave': [
      { who: clerkOfA, subject: organizationA, expected: null, label: 'a clerk of A' },
      { who: headOfB, subject: organizationA, expected: 'not_member', label: 'the head of B' },
      { who: tokenOfA, subject: organizationA, expected: 'organization_token_not_allowed', label: 'A’s organization token' },
    ],
    'membership.request': [
      { who: 'citizen', expected: null },
      { who: 'unverified', expected: 'email_not_verified' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'membership.cancel': [
      { who: 'citizen', subject: { user_id: 7 }, expected: null, label: 'the applicant' },
      { who: 'citizen', subject: { user_id: 99 }, expected: 'not_found', label: 'someone else' },
      { who: 'admin', subject: { user_id: 99 }, expected: 'not_found', label: 'an admin' },
      { who: 'anonymous', subject: { user_id: 7 }, expected: 'unauthenticated' },
    ],
    'membership.decide': [
      { who: 'admin', expected: null },
      { who: 'moderator', expected: 'forbidden' },
      { who: headOfA, expected: 'forbidden', label: 'a head' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'message.list': [
      { who: 'citizen', expected: null },
      { who: 'unverified', expected: null, label: 'an unverified citizen, who reads what was written to them' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'message.read': [
      { who: 'citizen', subject: { citizen_id: 7 }, expected: null, label: 'the thread’s citizen' },
      { who: 'citizen', subject: { citizen_id: 99 }, expected: 'not_found', label: 'another citizen' },
      { who: 'admin', subject: { citizen_id: 99 }, expected: 'not_found', label: 'an admin' },
      { who: headOfA, subject: { citizen_id: 99 }, expected: 'not_found', label: 'an official, as a citizen (the cabinet reads it through cabinet.view)' },
      { who: tokenOfA, subject: { citizen_id: 31 }, expected: 'organization_token_not_allowed', label: 'a token of the citizen who made it' },
      { who: 'anonymous', subject: { citizen_id: 7 }, expected: 'unauthenticated' },
    ],
    'message.reply': [
      { who: 'citizen', subject: { citizenId: 7 }, expected: null, label: 'the thread’s citizen' },
      { who: 'citizen', subject: { citizenId: 99 }, expected: 'not_found', label: 'another citizen' },
      {
        who: person({ id: 8, emailVerified: false }),
        subject: { citizenId: 8 },
        expected: 'email_not_verified',
        label: 'the thread’s citizen, e-mail not verified',
      },
      { who: 'moderator', subject: { citizenId: 99 }, expected: 'not_found', label: 'a moderator' },
      { who: 'anonymous', subject: { citizenId: 7 }, expected: 'unauthenticated' },
    ],
  });
});
