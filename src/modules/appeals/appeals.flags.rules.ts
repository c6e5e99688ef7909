/**
 * Which signatures are flagged as suspicious, silently (the UK petitions' way): the signer sees the usual success,
 * the signature is kept, but it does not count toward the threshold until a moderator clears it, or it is
 * invalidated. No I/O: the signing statement gathers the evidence, these rules decide.
 */
import disposableDomains from 'disposable-email-domains/index.json' with { type: 'json' };
import disposableWildcards from 'disposable-email-domains/wildcard.json' with { type: 'json' };

export const signatureFlagReasons = [
  'address_burst',
  'domain_burst',
  'disposable_domain',
  'registration_burst',
  'invalidated_before',
  'no_proof_of_work',
] as const;
export type SignatureFlagReason = (typeof signatureFlagReasons)[number];

export function isSignatureFlagReason(value: unknown): value is SignatureFlagReason {
  return typeof value === 'string' && (signatureFlagReasons as readonly string[]).includes(value);
}

/** The window the bursts are counted in. An hour: a script signs within minutes, a real campaign over days. */
export const flagWindowMs = 3600_000;

/**
 * More than five signatures on one appeal from one client address within the window: the sixth and later are
 * flagged. A family, a small office or a flat behind one router signs a few times; a mobile operator's shared
 * address may give more, which is why the signatures are flagged for a person to look at, not refused.
 */
export const addressBurstSignatures = 5;

/**
 * A burst from one e-mail domain: at least ten signatures on one appeal from the domain within the window, and more
 * than half of the appeal's signatures in that window. Relative, so a popular appeal whose signers happen to share a
 * company's domain among many others is not flagged, and absolute, so the first few signers of a quiet appeal are not.
 */
export const domainBurst = { signatures: 10, share: 0.5 } as const;

/**
 * The big public mail services are exempt from the domain burst: most Russian signers are on them (mail.ru,
 * yandex.ru, gmail.com…), so a burst of them says only that an appeal is popular. The address burst and the
 * registration burst still apply to their users.
 */
export const publicMailDomains: ReadonlySet<string> = new Set([
  'mail.ru',
  'inbox.ru',
  'list.ru',
  'bk.ru',
  'internet.ru',
  'yandex.ru',
  'ya.ru',
  'yandex.com',
  'yandex.by',
  'yandex.kz',
  'rambler.ru',
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'yahoo.com',
  'proton.me',
  'protonmail.com',
  'vk.com',
]);

const disposable: ReadonlySet<string> = new Set(disposableDomains as string[]);
const disposableParents: ReadonlySet<string> = new Set(disposableWildcards as string[]);

/**
 * Whether mail to this domain goes to a throwaway mailbox: the `disposable-email-domains` list (its domains, and any
 * subdomain of its wildcard domains).
 */
export function isDisposableDomain(domain: string): boolean {
  const lowered = domain.trim().toLowerCase();
  if (!lowered) return false;
  if (disposable.has(lowered)) return true;
  const labels = lowered.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (disposableParents.has(labels.slice(i).join('.'))) return true;
  return false;
}

/** What the signing statement saw of one new signature, counting the earlier ones (and those before it in its batch). */
export interface SignatureEvidence {
  /** Signatures on this appeal from the same client address within the window, before this one. */
  fromAddress: number;
  /** Signatures on this appeal from the same e-mail domain within the window, before this one. */
  fromDomain: number;
  /** All signatures on this appeal within the window, before this one (read only when the domain burst may apply). */
  appealRecent: number;
  emailDomain: string;
  /** The signer's account is one of a burst of accounts registered from one address. */
  registrationBurst: boolean;
  /** A signature of this person on this appeal was invalidated before. */
  invalidatedBefore: boolean;
  /**
   * The signing request came without an ALTCHA solution while ALTCHA was on (core/security/altcha.ts): a browser
   * without JavaScript, or a program. Most people have JavaScript, so such a signature is worth a moderator's look.
   */
  withoutProofOfWork?: boolean;
}

/**
 * Top-level names reserved for tests and local networks (RFC 2606, 6761, 6762): no mail reaches them from outside, so a
 * verified account never has one in production; the test suites and benchmarks sign with thousands of them.
 */
const reservedTopLevel = new Set(['test', 'example', 'invalid', 'localhost', 'local']);

/** The domains a domain burst is counted for: not the big public services, not the reserved test names. */
export function countsForDomainBurst(emailDomain: string): boolean {
  return emailDomain !== '' && !publicMailDomains.has(emailDomain) && !reservedTopLevel.has(emailDomain.slice(emailDomain.lastIndexOf('.') + 1));
}

/** Whether the domain burst needs the appeal's recent total to decide: only past the absolute part. */
export function domainBurstPossible(emailDomain: string, fromDomain: number): boolean {
  return countsForDomainBurst(emailDomain) && fromDomain + 1 >= domainBurst.signatures;
}

/** Why this signature is suspicious (empty: it is not), in the order of `signatureFlagReasons`. */
export function flagReasons(evidence: SignatureEvidence): SignatureFlagReason[] {
  const reasons: SignatureFlagReason[] = [];
  if (evidence.fromAddress >= addressBurstSignatures) reasons.push('address_burst');
  if (domainBurstPossible(evidence.emailDomain, evidence.fromDomain) && evidence.fromDomain + 1 > domainBurst.share * (evidence.appealRecent + 1)) {
    reasons.push('domain_burst');
  }
  if (isDisposableDomain(evidence.emailDomain)) reasons.push('disposable_domain');
  if (evidence.registrationBurst) reasons.push('registration_burst');
  if (evidence.invalidatedBefore) reasons.push('invalidated_before');
  if (evidence.withoutProofOfWork) reasons.push('no_proof_of_work');
  return reasons;
}
