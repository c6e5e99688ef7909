/** Who may comment on a draft's text and resolve a thread. */
import { describe } from 'vitest';
import { policyCases } from '../../../test/support/policy-cases.ts';
import type { AppealStatus } from '../../core/db/schema.ts';
import './drafting.policy.ts';

const appeal = (options: { author_id?: number; status?: AppealStatus; shared?: boolean } = {}) => ({
  author_id: options.author_id ?? 99,
  status: options.status ?? ('draft' as AppealStatus),
  shared_at: options.shared === false ? null : new Date(),
});

describe('draft discussion policies', () => {
  policyCases(['draft.'], {
    'draft.comment': [
      { who: 'citizen', subject: appeal(), expected: null, label: 'a verified citizen, a shared draft' },
      { who: 'citizen', subject: appeal({ author_id: 7, shared: false }), expected: null, label: 'the author, his private draft' },
      { who: 'citizen', subject: appeal({ shared: false }), expected: 'not_found', label: 'another citizen, a private draft' },
      { who: 'citizen', subject: appeal({ status: 'collecting' }), expected: 'appeal_frozen', label: 'an appeal collecting signatures' },
      { who: 'unverified', subject: appeal(), expected: 'email_not_verified' },
      { who: 'anonymous', subject: appeal(), expected: 'unauthenticated' },
    ],
    'draft.resolveComment': [
      { who: 'citizen', subject: { appeal: appeal({ author_id: 7 }), commentAuthorId: 50 }, expected: null, label: 'the draft’s author' },
      { who: 'citizen', subject: { appeal: appeal(), commentAuthorId: 7 }, expected: null, label: 'who started the thread' },
      { who: 'citizen', subject: { appeal: appeal(), commentAuthorId: 50 }, expected: 'not_author', label: 'another reader' },
      { who: 'citizen', subject: { appeal: appeal({ shared: false }), commentAuthorId: 7 }, expected: 'not_found', label: 'a private draft, now unshared' },
      { who: 'citizen', subject: { appeal: appeal({ author_id: 7, status: 'collecting' }), commentAuthorId: 7 }, expected: 'appeal_frozen', label: 'frozen' },
      { who: 'anonymous', subject: { appeal: appeal(), commentAuthorId: 7 }, expected: 'unauthenticated' },
    ],
  });
});
