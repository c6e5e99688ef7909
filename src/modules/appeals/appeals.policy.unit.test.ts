/** Who may see, draft, revise, open, print, record as sent, withdraw and sign an appeal, and in which states. */
import { describe } from 'vitest';
import { type PolicyCase, person, policyCases } from '../../../test/support/policy-cases.ts';
import type { AppealStatus } from '../../core/db/schema.ts';
import './appeals.policy.ts';

const appeal = (status: AppealStatus, author_id = 7) => ({ author_id, status });
/** A draft as the co-writing policies see it: shared or not, its text locked or not, the person a co-author or not. */
const draft = (options: { author_id?: number; status?: AppealStatus; shared?: boolean; locked?: boolean; coauthor?: boolean } = {}) => ({
  author_id: options.author_id ?? 99,
  status: options.status ?? ('draft' as AppealStatus),
  shared_at: options.shared === false ? null : new Date(),
  text_locked_at: options.locked ? new Date() : null,
  coauthor: options.coauthor ?? false,
});
const allStates: AppealStatus[] = ['draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded', 'withdrawn'];

/** The author in each state (allowed exactly in `states`, else `stateReason`), a stranger, and nobody. */
function authorIn(states: AppealStatus[], stateReason: PolicyCase['expected']): PolicyCase[] {
  return [
    ...allStates.map((status) => ({
      who: 'citizen' as const,
      subject: appeal(status),
      expected: states.includes(status) ? null : stateReason,
      label: `the author, ${status}`,
    })),
    { who: 'citizen', subject: appeal('collecting', 99), expected: 'not_author', label: 'another citizen' },
    { who: 'admin', subject: appeal('collecting', 99), expected: 'not_author', label: 'an admin' },
    // Somebody else's draft does not exist for them.
    { who: 'citizen', subject: appeal('draft', 99), expected: 'not_found', label: 'another citizen, a draft' },
    { who: 'admin', subject: appeal('draft', 99), expected: 'not_found', label: 'an admin, a draft' },
    { who: 'anonymous', subject: appeal('draft', 99), expected: 'unauthenticated' },
  ];
}

describe('appeal policies', () => {
  policyCases(['appeal.'], {
    'appeal.view': [
      { who: 'anonymous', subject: appeal('collecting', 99), expected: null, label: 'anyone, an open appeal' },
      { who: 'anonymous', subject: appeal('sent', 99), expected: null, label: 'anyone, a sent appeal' },
      { who: 'citizen', subject: appeal('draft'), expected: null, label: 'the author, the draft' },
      { who: 'citizen', subject: appeal('draft', 99), expected: 'not_found', label: 'another citizen, a draft' },
      { who: 'anonymous', subject: appeal('draft', 99), expected: 'not_found', label: 'anyone, a draft' },
      { who: 'anonymous', subject: { ...appeal('draft', 99), shared_at: new Date() }, expected: null, label: 'anyone, a shared draft' },
    ],
    'appeal.writeText': [
      { who: 'citizen', subject: draft({ author_id: 7, shared: false }), expected: null, label: 'the author, a private draft' },
      { who: 'citizen', subject: draft({ author_id: 7, locked: true }), expected: null, label: 'the author, the text locked' },
      { who: 'citizen', subject: draft({ coauthor: true }), expected: null, label: 'a co-author' },
      { who: 'citizen', subject: draft({ coauthor: true, locked: true }), expected: 'draft_locked', label: 'a co-author, the text locked' },
      { who: 'citizen', subject: draft(), expected: 'not_coauthor', label: 'a reader of a shared draft' },
      { who: 'citizen', subject: draft({ shared: false }), expected: 'not_found', label: 'another citizen, a private draft' },
      { who: 'citizen', subject: draft({ author_id: 7, status: 'collecting' }), expected: 'appeal_frozen', label: 'the author, collecting' },
      { who: 'citizen', subject: draft({ coauthor: true, status: 'collecting' }), expected: 'appeal_frozen', label: 'a co-author, collecting' },
      { who: 'anonymous', subject: draft(), expected: 'unauthenticated' },
    ],
    'appeal.joinDraft': [
      { who: 'citizen', subject: draft(), expected: null, label: 'a verified citizen, a shared draft' },
      { who: 'citizen', subject: draft({ shared: false }), expected: 'not_found', label: 'a private draft' },
      { who: 'citizen', subject: draft({ locked: true }), expected: 'draft_locked', label: 'a shared draft, the text locked' },
      { who: 'citizen', subject: draft({ coauthor: true }), expected: 'already_coauthor', label: 'a co-author' },
      { who: 'citizen', subject: draft({ author_id: 7 }), expected: 'already_coauthor', label: 'the author' },
      { who: 'citizen', subject: draft({ status: 'collecting' }), expected: 'appeal_frozen', label: 'collecting' },
      { who: 'unverified', subject: draft(), expected: 'email_not_verified' },
      { who: 'anonymous', subject: draft(), expected: 'unauthenticated' },
    ],
    'appeal.leaveDraft': [
      { who: 'citizen', subject: draft({ coauthor: true }), expected: null, label: 'a co-author' },
      { who: 'citizen', subject: draft({ coauthor: true, locked: true }), expected: null, label: 'a co-author, the text locked' },
      { who: 'citizen', subject: draft(), expected: 'not_coauthor', label: 'a reader' },
      { who: 'citizen', subject: draft({ coauthor: true, status: 'collecting' }), expected: 'appeal_frozen', label: 'a co-author, collecting' },
      { who: 'anonymous', subject: draft(), expected: 'unauthenticated' },
    ],
    'appeal.leadDraft': [
      { who: 'citizen', subject: draft({ author_id: 7, shared: false }), expected: null, label: 'the author' },
      { who: 'citizen', subject: draft(), expected: 'not_author', label: 'a reader of a shared draft' },
      { who: 'citizen', subject: draft({ shared: false }), expected: 'not_found', label: 'another citizen, a private draft' },
      { who: 'citizen', subject: draft({ author_id: 7, status: 'collecting' }), expected: 'appeal_frozen', label: 'the author, collecting' },
      { who: 'anonymous', subject: draft(), expected: 'unauthenticated' },
    ],
    'appeal.create': [
      { who: 'citizen', subject: { author_id: 7, status: 'open' }, expected: null, label: 'the problem’s author' },
      { who: 'citizen', subject: { author_id: 99, status: 'open' }, expected: 'not_author', label: 'another citizen' },
      { who: 'citizen', subject: { author_id: 7, status: 'solved' }, expected: 'conflict', label: 'the author of a solved problem' },
      { who: 'citizen', subject: { author_id: 7, status: 'hidden' }, expected: 'not_found', label: 'the author of a hidden problem' },
      { who: 'unverified', subject: { author_id: 8, status: 'open' }, expected: 'email_not_verified', label: 'an author with an unconfirmed e-mail' },
      { who: 'anonymous', subject: { author_id: 7, status: 'open' }, expected: 'unauthenticated' },
    ],
    'appeal.manage': authorIn(allStates, null),
    'appeal.revise': authorIn(['draft'], 'appeal_frozen'),
    'appeal.open': authorIn(['draft'], 'appeal_frozen'),
    'appeal.document': authorIn(['draft', 'collecting', 'sent', 'registered', 'answered', 'review', 'closed', 'forwarded'], 'conflict'),
    // A draft has no frozen text and no signatures to send: it must be opened first.
    'appeal.recordSent': authorIn(['collecting'], 'appeal_not_open').map((c) =>
      c.label === 'the author, draft' ? { ...c, expected: 'appeal_still_draft' as const } : c,
    ),
    // Registered once, while sent: a later state already has (or no longer needs) its registration.
    'appeal.recordRegistration': authorIn(['sent'], 'wrong_state'),
    // A withdrawn appeal is no longer open; any later state means the letter is already with the addressee.
    'appeal.withdraw': authorIn(['draft', 'collecting'], 'appeal_already_sent').map((c) =>
      c.label === 'the author, withdrawn' ? { ...c, expected: 'appeal_not_open' as const } : c,
    ),
    'appeal.sign': [
      { who: 'citizen', expected: null },
      { who: 'admin', expected: null },
      { who: 'unverified', expected: 'email_not_verified' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    // After an unresolved (or partly, unrated, unanswered) close, or while the answer is overdue; never after «решена».
    'appeal.escalate': [
      ...(['unresolved', 'partly', 'unanswered', null] as const).map((outcome) => ({
        who: 'citizen' as const,
        subject: { author_id: 7, status: 'closed' as const, outcome, answer_overdue_at: null },
        expected: null,
        label: `the author, closed ${outcome ?? 'unrated'}`,
      })),
      {
        who: 'citizen',
        subject: { author_id: 7, status: 'closed', outcome: 'resolved', answer_overdue_at: null },
        expected: 'escalation_not_allowed',
        label: 'the author, closed resolved',
      },
      { who: 'citizen', subject: { author_id: 7, status: 'sent', outcome: null, answer_overdue_at: new Date() }, expected: null, label: 'the author, overdue' },
      {
        who: 'citizen',
        subject: { author_id: 7, status: 'registered', outcome: null, answer_overdue_at: null },
        expected: 'escalation_not_allowed',
        label: 'the author, not yet due',
      },
      {
        who: 'citizen',
        subject: { author_id: 7, status: 'review', outcome: null, answer_overdue_at: null },
        expected: 'escalation_not_allowed',
        label: 'the author, in review',
      },
      {
        who: 'citizen',
        subject: { author_id: 99, status: 'closed', outcome: 'unresolved', answer_overdue_at: null },
        expected: 'not_author',
        label: 'a signer',
      },
      { who: 'unverified', subject: { author_id: 8, status: 'closed', outcome: 'unresolved', answer_overdue_at: null }, expected: 'email_not_verified' },
      { who: 'anonymous', subject: { author_id: 7, status: 'closed', outcome: 'unresolved', answer_overdue_at: null }, expected: 'unauthenticated' },
    ],
    'appeal.mySignature': [
      { who: 'unverified', expected: null },
      { who: 'citizen', expected: null },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'appeal.actAsAddressee': [
      { who: person({ id: 20 }, [[5, 'clerk']]), subject: { organization_id: 5 }, expected: null, label: 'a clerk of the addressee' },
      { who: person({ id: 21 }, [[5, 'head']]), subject: { organization_id: 5 }, expected: null, label: 'the head of the addressee' },
      { who: person({ id: 22 }, [[6, 'head']]), subject: { organization_id: 5 }, expected: 'not_member', label: 'the head of another organization' },
      { who: 'citizen', subject: { organization_id: 5 }, expected: 'not_member', label: 'a citizen' },
      { who: 'admin', subject: { organization_id: 5 }, expected: 'not_member', label: 'an admin (not a member)' },
      { who: 'anonymous', subject: { organization_id: 5 }, expected: 'unauthenticated' },
    ],
    // Any official of the addressee, clerk or head, while the body holds it unanswered; once.
    'appeal.forward': [
      ...allStates.map((status) => ({
        who: person({ id: 20 }, [[5, 'clerk']]),
        subject: { organization_id: 5, status },
        expected: status === 'sent' || status === 'registered' ? null : status === 'forwarded' ? ('already_forwarded' as const) : ('wrong_state' as const),
        label: `a clerk of the addressee, ${status}`,
      })),
      { who: person({ id: 21 }, [[5, 'head']]), subject: { organization_id: 5, status: 'registered' }, expected: null, label: 'the head of the addressee' },
      {
        who: person({ id: 22 }, [[6, 'head']]),
        subject: { organization_id: 5, status: 'sent' },
        expected: 'not_member',
        label: 'the head of another organization',
      },
      { who: 'citizen', subject: { organization_id: 5, status: 'sent' }, expected: 'not_member', label: 'a citizen' },
      { who: 'admin', subject: { organization_id: 5, status: 'sent' }, expected: 'not_member', label: 'an admin (not a member)' },
      { who: 'anonymous', subject: { organization_id: 5, status: 'sent' }, expected: 'unauthenticated' },
    ],
  });
});

describe('amendment policies', () => {
  /** Any verified citizen, only while the appeal collects and before its dispatch. */
  const whileCollecting = (who: 'citizen' | 'admin'): PolicyCase[] => [
    ...allStates.map((status) => ({
      who,
      subject: appeal(status, 99),
      expected: status === 'collecting' ? null : status === 'draft' ? ('not_found' as const) : ('signing_closed' as const),
      label: `${who}, ${status}`,
    })),
    { who, subject: { ...appeal('collecting', 99), dispatch_started_at: new Date() }, expected: 'appeal_dispatching', label: `${who}, dispatching` },
  ];
  policyCases(['amendment.'], {
    'amendment.propose': [
      ...whileCollecting('citizen'),
      { who: 'citizen', subject: appeal('collecting'), expected: null, label: 'the author himself' },
      { who: 'unverified', subject: appeal('collecting', 99), expected: 'email_not_verified' },
      { who: 'anonymous', subject: appeal('collecting', 99), expected: 'unauthenticated' },
    ],
    'amendment.comment': [
      ...whileCollecting('admin'),
      { who: 'unverified', subject: appeal('collecting', 99), expected: 'email_not_verified' },
      { who: 'anonymous', subject: appeal('collecting', 99), expected: 'unauthenticated' },
    ],
    // The author alone; a dispatching appeal's text is the letter's.
    'amendment.decide': [
      ...authorIn(['collecting'], 'signing_closed').map((c) => (c.label === 'the author, draft' ? { ...c, expected: 'not_found' as const } : c)),
      {
        who: 'citizen',
        subject: { ...appeal('collecting'), dispatch_started_at: new Date() },
        expected: 'appeal_dispatching',
        label: 'the author, dispatching',
      },
    ],
  });
});

describe('signature moderation policies', () => {
  const subject = (author_id: number | null, moderatorSigned = false) => ({ author_id, moderatorSigned });
  policyCases(['signature.'], {
    'signature.review': [
      { who: 'moderator', expected: null },
      { who: 'admin', expected: null },
      { who: 'citizen', expected: 'forbidden' },
      { who: 'unverified', expected: 'forbidden' },
      { who: 'anonymous', expected: 'unauthenticated' },
    ],
    'signature.moderate': [
      { who: 'moderator', subject: subject(99), expected: null, label: 'a moderator, another person’s appeal' },
      { who: 'admin', subject: subject(99), expected: null, label: 'an admin, another person’s appeal' },
      { who: 'moderator', subject: subject(9), expected: 'moderator_involved', label: 'a moderator, his own appeal' },
      { who: 'moderator', subject: subject(99, true), expected: 'moderator_involved', label: 'a moderator who signed it' },
      { who: 'admin', subject: subject(10), expected: 'moderator_involved', label: 'an admin, his own appeal' },
      { who: 'citizen', subject: subject(7), expected: 'forbidden', label: 'the appeal’s author, a citizen' },
      { who: 'anonymous', subject: subject(99), expected: 'unauthenticated' },
    ],
  });
});
