/** The rules of moderation: when reports hide an item, what a new report does to a decided case, who may decide and appeal. */
import { describe, expect, it } from 'vitest';
import { appealRefusal, decisionRefusal, hidesPendingReview, isItemType, isReportReason, reportRefusal, stateAfterReport } from './moderation.rules.ts';

describe('moderation rules', () => {
  it('hides an item pending review when the open reports of different people reach the threshold, once', () => {
    expect(hidesPendingReview('comment', 'reported', 2, 3)).toBe(false);
    expect(hidesPendingReview('comment', 'reported', 3, 3)).toBe(true);
    expect(hidesPendingReview('problem', 'reported', 5, 3)).toBe(true);
    // Already hidden, or decided hidden: nothing more to hide.
    expect(hidesPendingReview('comment', 'auto_hidden', 4, 3)).toBe(false);
    expect(hidesPendingReview('comment', 'hidden', 9, 3)).toBe(false);
  });

  it('never blocks a person by reports alone, however many: that waits for a moderator', () => {
    expect(hidesPendingReview('user', 'reported', 3, 3)).toBe(false);
    expect(hidesPendingReview('user', 'reported', 300, 3)).toBe(false);
  });

  it('puts a restored item reported again back in the queue, and leaves the other states', () => {
    expect(stateAfterReport('restored')).toBe('reported');
    expect(stateAfterReport('reported')).toBe('reported');
    expect(stateAfterReport('auto_hidden')).toBe('auto_hidden');
  });

  it('never lets a moderator decide on his own item or one he reported, nor on one under appeal', () => {
    const item = { authorId: 1, state: 'reported' as const, appealPending: false };
    expect(decisionRefusal(2, item, false)).toBeNull();
    expect(decisionRefusal(1, item, false)).toBe('own_content');
    expect(decisionRefusal(2, item, true)).toBe('own_content');
    expect(decisionRefusal(2, { ...item, appealPending: true }, false)).toBe('wrong_state');
    // An item whose author left has nobody's own to protect.
    expect(decisionRefusal(2, { ...item, authorId: null }, false)).toBeNull();
  });

  it('lets only the author appeal, once, a decision to hide', () => {
    expect(appealRefusal(1, { authorId: 1, state: 'hidden', appealedAt: null })).toBeNull();
    expect(appealRefusal(1, { authorId: 1, state: 'hidden', appealedAt: new Date() })).toBe('already_appealed');
    expect(appealRefusal(1, { authorId: 1, state: 'auto_hidden', appealedAt: null })).toBe('not_appealable');
    expect(appealRefusal(2, { authorId: 1, state: 'hidden', appealedAt: null })).toBe('not_author');
    expect(appealRefusal(2, { authorId: null, state: 'hidden', appealedAt: null })).toBe('not_author');
  });

  it('refuses a report of one’s own item and knows the subjects and reasons', () => {
    expect(reportRefusal(1, 1)).toBe('own_content');
    expect(reportRefusal(1, 2)).toBeNull();
    expect(reportRefusal(1, null)).toBeNull();
    expect(['problem', 'comment', 'appeal', 'rating'].every(isItemType)).toBe(true);
    // A person is reported through one of his items, never by an id in a link.
    expect(isItemType('user')).toBe(false);
    expect(isReportReason('spam')).toBe(true);
    expect(isReportReason('boring')).toBe(false);
  });
});
