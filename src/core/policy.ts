/**
 * Who may do what. Every route names a policy in its `config.policy`; the server refuses to start
 * with a route that names none. Rules that depend on a particular record are asked again by the
 * service or handler with that record (`authorize(actor, 'organization.update', organization)`).
 */
import { DomainError } from './errors.ts';

export type ActorRole = 'citizen' | 'moderator' | 'admin';

export interface Actor {
  id: number;
  role: ActorRole;
  emailVerified: boolean;
  /** How this request proved who it is: a browser session or a personal API token. */
  via: 'session' | 'token';
  /** The user's own row as authentication read it, so a use case need not read it again. */
  person?: { firstName: string; surname: string; municipalityId: number | null };
}

type Rule = (actor: Actor | null, subject?: unknown) => boolean;

const rules = new Map<string, Rule>();

export function definePolicy(action: string, rule: Rule): void {
  if (rules.has(action)) throw new Error(`policy ${action} is defined twice`);
  rules.set(action, rule);
}

export function hasPolicy(action: string): boolean {
  return rules.has(action);
}

export function can(actor: Actor | null, action: string, subject?: unknown): boolean {
  const rule = rules.get(action);
  if (!rule) throw new Error(`unknown policy ${action}`);
  return rule(actor, subject);
}

export function authorize(actor: Actor | null, action: string, subject?: unknown): void {
  if (can(actor, action, subject)) return;
  throw new DomainError(actor ? 'forbidden' : 'unauthenticated');
}

// The common shapes, named once.
export const anyone: Rule = () => true;
export const signedIn: Rule = (actor) => actor !== null;
export const verifiedCitizen: Rule = (actor) => actor?.emailVerified === true;
export const admin: Rule = (actor) => actor?.role === 'admin';
export const moderator: Rule = (actor) => actor?.role === 'moderator' || actor?.role === 'admin';

definePolicy('public.view', anyone);
