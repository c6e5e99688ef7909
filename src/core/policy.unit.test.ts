/** The policy mechanism and the shared rules: audiences, reasons, narrowing, memberships. */
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import {
  type Actor,
  type Audience,
  allOf,
  audienceRefusal,
  author,
  authorize,
  authorizeGate,
  can,
  gateRefusal,
  hasPolicy,
  head,
  type MemberRole,
  member,
  refusal,
} from './policy.ts';

function actor(overrides: Partial<Actor> = {}, memberships: [number, MemberRole][] = []): Actor {
  return { id: 7, role: 'citizen', emailVerified: true, via: 'session', memberships: new Map(memberships), ...overrides };
}

describe('the mechanism', () => {
  it('knows the policies defined and throws on an unknown name asked at run time', () => {
    expect(hasPolicy('public.view')).toBe(true);
    expect(hasPolicy('nobody.defined.this')).toBe(false);
    // @ts-expect-error an unknown policy name does not compile
    expect(() => can(null, 'nobody.defined.this')).toThrow('unknown policy nobody.defined.this');
  });

  it('lets anyone view public pages', () => {
    expect(refusal(null, 'public.view')).toBeNull();
    expect(can(actor(), 'public.view')).toBe(true);
    expect(authorize(null, 'public.view')).toBeNull();
  });

  it('throws the reason as a domain error with its status', () => {
    expect(() => authorizeGate(null, 'public.view')).not.toThrow();
    expect(gateRefusal(null, 'public.view')).toBeNull();
    const error = new DomainError('not_author');
    expect(error.status).toBe(403);
    expect(new DomainError('not_member').status).toBe(403);
    expect(new DomainError('not_head').status).toBe(403);
    expect(new DomainError('wrong_state').status).toBe(409);
    expect(new DomainError('already_signed_in').status).toBe(403);
  });
});

describe('the audiences', () => {
  const people: Record<string, Actor | null> = {
    anonymous: null,
    unverified: actor({ emailVerified: false }),
    citizen: actor(),
    clerk: actor({}, [[3, 'clerk']]),
    moderator: actor({ role: 'moderator' }),
    admin: actor({ role: 'admin' }),
  };
  const expected: Record<Audience, Record<string, string | null>> = {
    anyone: { anonymous: null, unverified: null, citizen: null, clerk: null, moderator: null, admin: null },
    anonymous: {
      anonymous: null,
      unverified: 'already_signed_in',
      citizen: 'already_signed_in',
      clerk: 'already_signed_in',
      moderator: 'already_signed_in',
      admin: 'already_signed_in',
    },
    signedIn: { anonymous: 'unauthenticated', unverified: null, citizen: null, clerk: null, moderator: null, admin: null },
    verified: { anonymous: 'unauthenticated', unverified: 'email_not_verified', citizen: null, clerk: null, moderator: null, admin: null },
    member: { anonymous: 'unauthenticated', unverified: 'not_member', citizen: 'not_member', clerk: null, moderator: 'not_member', admin: 'not_member' },
    moderator: { anonymous: 'unauthenticated', unverified: 'forbidden', citizen: 'forbidden', clerk: 'forbidden', moderator: null, admin: null },
    admin: { anonymous: 'unauthenticated', unverified: 'forbidden', citizen: 'forbidden', clerk: 'forbidden', moderator: 'forbidden', admin: null },
  };
  for (const [who, answers] of Object.entries(expected)) {
    it(`${who}: admits and refuses with a reason`, () => {
      const got = Object.fromEntries(Object.entries(people).map(([name, person]) => [name, audienceRefusal(who as Audience, person)]));
      expect(got).toEqual(answers);
    });
  }
});

describe('the shared rules', () => {
  const organization = { organizationId: 12 };
  const organizationOf = (subject: { organizationId: number }) => subject.organizationId;

  it('author: the subject’s author only', () => {
    const byAuthor = author((subject: { author_id: number | null }) => subject.author_id);
    expect(byAuthor(actor(), { author_id: 7 })).toBeNull();
    expect(byAuthor(actor(), { author_id: 8 })).toBe('not_author');
    expect(byAuthor(actor(), { author_id: null })).toBe('not_author');
  });

  it('member: a head or a clerk of the subject’s organization, not of another one', () => {
    const rule = member(organizationOf);
    expect(rule(actor({}, [[12, 'clerk']]), organization)).toBeNull();
    expect(rule(actor({}, [[12, 'head']]), organization)).toBeNull();
    expect(rule(actor({}, [[13, 'head']]), organization)).toBe('not_member');
    expect(rule(actor(), organization)).toBe('not_member');
  });

  it('head: the head of the subject’s organization; a clerk hears not_head, a stranger not_member', () => {
    const rule = head(organizationOf);
    expect(rule(actor({}, [[12, 'head']]), organization)).toBeNull();
    expect(rule(actor({}, [[12, 'clerk']]), organization)).toBe('not_head');
    expect(rule(actor({}, [[13, 'head']]), organization)).toBe('not_member');
    expect(rule(actor({ role: 'admin' }), organization)).toBe('not_member');
  });

  it('allOf: the first refusal is the reason', () => {
    const rule = allOf<Actor, { organizationId: number; open: boolean }>(member(organizationOf), (_actor, subject) => (subject.open ? null : 'wrong_state'));
    expect(rule(actor({}, [[12, 'clerk']]), { organizationId: 12, open: true })).toBeNull();
    expect(rule(actor({}, [[12, 'clerk']]), { organizationId: 12, open: false })).toBe('wrong_state');
    expect(rule(actor(), { organizationId: 12, open: false })).toBe('not_member');
  });
});
