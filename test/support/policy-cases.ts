/** A table of who a policy allows and whom it refuses with which reason, and a check that every policy is in it. */
import { expect, it } from 'vitest';
import { type Actor, type MemberRole, type PolicyName, policyNames, type Refusal, refusal } from '../../src/core/policy.ts';

export function person(overrides: Partial<Omit<Actor, 'memberships'>> = {}, memberships: [number, MemberRole][] = []): Actor {
  return { id: 7, role: 'citizen', emailVerified: true, via: 'session', memberships: new Map(memberships), ...overrides };
}

export const people = {
  anonymous: null,
  unverified: person({ id: 8, emailVerified: false }),
  citizen: person({ id: 7 }),
  moderator: person({ id: 9, role: 'moderator' }),
  admin: person({ id: 10, role: 'admin' }),
} satisfies Record<string, Actor | null>;

export interface PolicyCase {
  who: keyof typeof people | Actor;
  subject?: unknown;
  /** null: allowed. */
  expected: Refusal | null;
  label?: string;
}

/** One test per case; `policies` lists the names these tables must cover (every name with these prefixes). */
export function policyCases(prefixes: string[], table: Partial<Record<PolicyName, PolicyCase[]>>): void {
  it('covers every policy of the module', () => {
    const defined = policyNames().filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
    expect(Object.keys(table).sort()).toEqual(defined.sort());
  });
  for (const [name, cases] of Object.entries(table) as [PolicyName, PolicyCase[]][]) {
    for (const c of cases) {
      const actor = typeof c.who === 'string' ? people[c.who] : c.who;
      const label = c.label ?? (typeof c.who === 'string' ? c.who : `actor ${c.who.id}`);
      it(`${name}: ${label} → ${c.expected ?? 'allowed'}`, () => {
        const ask = refusal as (actor: Actor | null, name: PolicyName, subject?: unknown) => Refusal | null;
        expect(c.subject === undefined ? ask(actor, name) : ask(actor, name, c.subject)).toBe(c.expected);
      });
    }
  }
}
