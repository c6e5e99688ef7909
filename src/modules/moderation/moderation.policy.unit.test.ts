/** Who may report, work the moderation queue, decide on an item, appeal a decision, and decide an appeal. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import './moderation.policy.ts';

// The people of test/support/policy-cases.ts: citizen 7, unverified 8, moderator 9, admin 10.
const othersItem = { authorId: 42, state: 'reported' as const, appealPending: false, reportedByActor: false };
const moderatorsItem = { ...othersItem, authorId: 9 };
const reportedByHim = { ...othersItem, reportedByActor: true };
const underAppeal = { ...othersItem, state: 'hidden' as const, appealPending: true };

describe('moderation policies', () => {
  policyCases(['content.', 'moderation.'], {
    'content.report': [
      { who: 'citizen', expected: null },
      { who: 'unverified', expected: null, label: 'anyone signed in, verified or not' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'moderation.queue': [
      { who: 'moderator', expected: null },
      { who: 'admin', expected: null },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'moderation.decide': [
      { who: 'moderator', subject: othersItem, expected: null, label: "somebody else's item" },
      { who: 'admin', subject: othersItem, expected: null },
      { who: 'moderator', subject: moderatorsItem, expected: 'own_content', label: 'his own item' },
      { who: 'moderator', subject: reportedByHim, expected: 'own_content', label: 'an item he reported' },
      { who: 'moderator', subject: underAppeal, expected: 'wrong_state', label: 'an item under appeal' },
      { who: 'citizen', subject: othersItem, expected: 'forbidden' },
      { who: 'anonymous', subject: othersItem, expected: 'unauthenticated' },
    ],
    'moderation.mine': [
      { who: 'citizen', expected: null },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'moderation.appeal': [
      { who: 'citizen', subject: { authorId: 7, state: 'hidden', appealedAt: null }, expected: null, label: 'the author of a hidden item' },
      { who: 'citizen', subject: { authorId: 7, state: 'hidden', appealedAt: new Date() }, expected: 'already_appealed', label: 'a second time' },
      { who: 'citizen', subject: { authorId: 7, state: 'auto_hidden', appealedAt: null }, expected: 'not_appealable', label: 'before a moderator decided' },
      { who: 'citizen', subject: { authorId: 7, state: 'restored', appealedAt: null }, expected: 'not_appealable', label: 'a restored item' },
      { who: 'citizen', subject: { authorId: 42, state: 'hidden', appealedAt: null }, expected: 'not_author', label: "somebody else's item" },
      { who: 'anonymous', subject: { authorId: 7, state: 'hidden', appealedAt: null }, expected: 'unauthenticated' },
    ],
    'moderation.decideAppeal': [
      { who: 'admin', subject: underAppeal, expected: null },
      { who: 'admin', subject: { ...underAppeal, authorId: 10 }, expected: 'own_content', label: 'his own item' },
      { who: 'admin', subject: othersItem, expected: 'wrong_state', label: 'nothing appealed' },
      { who: 'moderator', subject: underAppeal, expected: 'forbidden' },
      { who: 'anonymous', subject: underAppeal, expected: 'unauthenticated' },
    ],
  });
});
