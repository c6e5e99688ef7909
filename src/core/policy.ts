/**
 * Who may do what. A policy is declared once, in its module's `<area>.policy.ts`, with the audience it
 * admits before any record is known (`who`) and the type of the record it is about (`subject`):
 *
 *   declare module '../../core/policy.ts' {
 *     interface Policies {
 *       'appeal.manage': { who: 'signedIn'; subject: Appeal };
 *     }
 *   }
 *   definePolicy('appeal.manage', 'signedIn', (actor, appeal) => (appeal.author_id === actor.id ? null : 'not_author'));
 *
 * Every route names a policy in its `config.policy`; the route gate asks the record-free part (the
 * audience, and the rule when the policy has no subject), so an anonymous or unverified visitor stops
 * there. The service asks again with the record: `authorize(actor, 'appeal.manage', appeal)`. A
 * refusal is a reason (an `ErrorCode`), so the caller never repeats the check to give a better error:
 * each reason has one HTTP status and one translated message (`errors.<code>`).
 */
import type { MemberRole, TokenScope, UserRole } from './db/schema.ts';
import { DomainError, type ErrorCode } from './errors.ts';

export type ActorRole = UserRole;
/** A person's role in an organization whose cabinet they work in. */
export type { MemberRole, TokenScope };

/** Every scope a personal API token can be given, in the order the pages list them. */
export const tokenScopes: readonly TokenScope[] = ['read', 'sign', 'write'];

/** Whether an actor may use a route that needs `scope`: a session always, a token only with that scope. */
export function scopeRefusal(actor: Actor | null, scope: TokenScope): Refusal | null {
  if (actor?.via !== 'token') return null;
  return actor.scopes?.includes(scope) ? null : 'token_scope_missing';
}

export interface Actor {
  id: number;
  role: ActorRole;
  emailVerified: boolean;
  /** How this request proved who it is: a browser session or a personal API token. */
  via: 'session' | 'token';
  /** Organization id → the person's role there; read by authentication in the same statement as the user. */
  memberships: ReadonlyMap<number, MemberRole>;
  /**
   * What the personal API token may do (`via: 'token'` only): `read` for GET, `sign` to sign or withdraw a
   * signature, `write` for every other change; the route gate checks it (core/http/server.tsx). A browser
   * session has no scopes: it may do whatever the person may.
   */
  scopes?: readonly TokenScope[];
  /**
   * Set when the request carries an organization's API token (`via: 'token'`): the token, its organization and the
   * head who made it (`id` is that head's). Such an actor has a clerk's role in that organization alone, no site
   * role, and reaches that organization's cabinet API only (core/http/server.tsx, the `member` and `head` rules).
   */
  organizationToken?: OrganizationToken;
  /** The user's own row as authentication read it, so a use case need not read it again. */
  person?: { firstName: string; surname: string; municipalityId: number | null };
}

export interface OrganizationToken {
  id: number;
  name: string;
  organizationId: number;
  /** The head who made it: the token works while that person heads the organization. */
  createdBy: number;
}

/** Where an organization's token may be used: that organization's cabinet API (its slug is checked by the cabinet's policies). */
export const organizationTokenRoutePrefix = '/api/v1/cabinet/:slug/';

/** An organization's token answers for its own organization only, with a stable code that says so. */
export function otherOrganizationRefusal(actor: Actor, organizationId: number): Refusal | null {
  return actor.organizationToken && actor.organizationToken.organizationId !== organizationId ? 'organization_token_other_organization' : null;
}

/** What only a person may do, never an organization's token (leaving the cabinet, managing its people and its tokens). */
export function personOnly<A extends Actor, S>(rule: Rule<A, S>): Rule<A, S> {
  return (actor, subject) => (actor.organizationToken ? 'organization_token_not_allowed' : rule(actor, subject));
}

export type VerifiedActor = Actor & { readonly emailVerified: true };
export type ModeratorActor = Actor & { readonly role: 'moderator' | 'admin' };
export type AdminActor = Actor & { readonly role: 'admin' };

/** For the many people who work in no organization: one shared empty map. */
export const noMemberships: ReadonlyMap<number, MemberRole> = new Map();

/** The audiences a policy may admit before any record is known, and the actor type each guarantees. */
export interface Audiences {
  anyone: Actor | null;
  anonymous: null;
  signedIn: Actor;
  verified: VerifiedActor;
  /** Works in at least one organization: the cabinet's audience; which one is the subject's rule. */
  member: Actor;
  moderator: ModeratorActor;
  admin: AdminActor;
}
export type Audience = keyof Audiences;

/**
 * Every policy by name: its audience and, when the decision needs a record, the record's type.
 * Modules add theirs by declaration merging, so an unknown name or a wrong subject does not compile.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each module's policy file
export interface Policies {}

export type PolicyName = keyof Policies | 'public.view';
type DeclarationOf<N extends PolicyName> = N extends keyof Policies ? Policies[N] : { who: 'anyone' };
export type AudienceOf<N extends PolicyName> = DeclarationOf<N> extends { who: infer W extends Audience } ? W : never;
export type SubjectOf<N extends PolicyName> = DeclarationOf<N> extends { subject: infer S } ? S : undefined;
/** The actor a policy admits: what `authorize` returns and `can` narrows to. */
export type ActorOf<N extends PolicyName> = Audiences[AudienceOf<N>];
/** The subject argument: required when the policy has a subject, absent when it has none. */
type SubjectArgs<N extends PolicyName> = DeclarationOf<N> extends { subject: infer S } ? [subject: S] : [];

/** Why a policy refuses: an error code, so it has one HTTP status and one translated message. */
export type Refusal = ErrorCode;
/** A rule answers `null` to allow, or the reason it refuses. */
export type Rule<A, S> = (actor: A, subject: S) => Refusal | null;

const audienceChecks: { [W in Audience]: (actor: Actor | null) => Refusal | null } = {
  anyone: () => null,
  anonymous: (actor) => (actor === null ? null : 'already_signed_in'),
  signedIn: (actor) => (actor ? null : 'unauthenticated'),
  member: (actor) => (!actor ? 'unauthenticated' : actor.memberships.size > 0 ? null : 'not_member'),
  verified: (actor) => (!actor ? 'unauthenticated' : actor.emailVerified ? null : 'email_not_verified'),
  moderator: (actor) => (!actor ? 'unauthenticated' : actor.role === 'moderator' || actor.role === 'admin' ? null : 'forbidden'),
  admin: (actor) => (!actor ? 'unauthenticated' : actor.role === 'admin' ? null : 'forbidden'),
};

/** Whether an audience admits this actor, and if not why: the gate's question. */
export function audienceRefusal(who: Audience, actor: Actor | null): Refusal | null {
  return audienceChecks[who](actor);
}

interface Definition {
  who: Audience;
  /** Present exactly when the policy has a subject: a subject-free policy is decided by its audience alone. */
  rule: Rule<Actor | null, unknown> | null;
}

const definitions = new Map<string, Definition>();

/**
 * Declares how a policy decides: its audience, and for a policy with a subject the rule that needs
 * the record. The declaration in `Policies` and the definition must agree, or it does not compile.
 */
export function definePolicy<N extends PolicyName>(
  name: N,
  who: AudienceOf<N>,
  ...rule: DeclarationOf<N> extends { subject: unknown } ? [rule: Rule<ActorOf<N>, SubjectOf<N>>] : []
): void {
  if (definitions.has(name)) throw new Error(`policy ${name} is defined twice`);
  definitions.set(name, { who, rule: (rule[0] as Rule<Actor | null, unknown> | undefined) ?? null });
}

export function hasPolicy(name: string): name is PolicyName {
  return definitions.has(name);
}

/** Every defined policy, for tests that check each one is covered. */
export function policyNames(): PolicyName[] {
  return [...definitions.keys()] as PolicyName[];
}

function definition(name: string): Definition {
  const found = definitions.get(name);
  if (!found) throw new Error(`unknown policy ${name}`);
  return found;
}

/** The reason a policy refuses this actor (and subject), or null when it allows. */
export function refusal<N extends PolicyName>(actor: Actor | null, name: N, ...subject: SubjectArgs<N>): Refusal | null {
  const { who, rule } = definition(name);
  return audienceChecks[who](actor) ?? (rule ? rule(actor, subject[0]) : null);
}

export function can<N extends PolicyName>(actor: Actor | null, name: N, ...subject: SubjectArgs<N>): actor is ActorOf<N> {
  return refusal(actor, name, ...subject) === null;
}

/** Allows, returning the actor narrowed to what the policy guarantees, or throws the reason it refuses. */
export function authorize<N extends PolicyName>(actor: Actor | null, name: N, ...subject: SubjectArgs<N>): ActorOf<N> {
  const reason = refusal(actor, name, ...subject);
  if (reason) throw new DomainError(reason);
  return actor as ActorOf<N>;
}

/**
 * The record-free part of a policy, its audience: what a route's gate asks before validation and the
 * handler. The service asks the whole policy again with the record.
 */
export function gateRefusal(actor: Actor | null, name: PolicyName): Refusal | null {
  return audienceChecks[definition(name).who](actor);
}

/** Whether the actor gets past the gate of this policy: e.g. to show a button whose record check the action makes. */
export function passesGate<N extends PolicyName>(actor: Actor | null, name: N): actor is ActorOf<N> {
  return gateRefusal(actor, name) === null;
}

export function authorizeGate(actor: Actor | null, name: PolicyName): void {
  const reason = gateRefusal(actor, name);
  if (reason) throw new DomainError(reason);
}

// The rules shared by many policies, named once.

/** The subject's author is the actor. */
export function author<S>(authorIdOf: (subject: S) => number | null): Rule<Actor, S> {
  return (actor, subject) => (authorIdOf(subject) === actor.id ? null : 'not_author');
}

/** The actor works in the subject's organization, in any role. */
export function member<S>(organizationIdOf: (subject: S) => number): Rule<Actor, S> {
  return (actor, subject) => {
    const organizationId = organizationIdOf(subject);
    return otherOrganizationRefusal(actor, organizationId) ?? (actor.memberships.has(organizationId) ? null : 'not_member');
  };
}

/** The actor heads the subject's organization. */
export function head<S>(organizationIdOf: (subject: S) => number): Rule<Actor, S> {
  return (actor, subject) => {
    const organizationId = organizationIdOf(subject);
    const other = otherOrganizationRefusal(actor, organizationId);
    if (other) return other;
    const role = actor.memberships.get(organizationId);
    if (role === undefined) return 'not_member';
    return role === 'head' ? null : 'not_head';
  };
}

/** Every rule must allow; the first refusal is the reason. */
export function allOf<A, S>(...rules: Rule<A, S>[]): Rule<A, S> {
  return (actor, subject) => {
    for (const rule of rules) {
      const reason = rule(actor, subject);
      if (reason) return reason;
    }
    return null;
  };
}

definePolicy('public.view', 'anyone');
