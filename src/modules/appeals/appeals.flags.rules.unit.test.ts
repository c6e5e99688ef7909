import { describe, expect, it } from 'vitest';
import { addressBurstSignatures, countsForDomainBurst, domainBurst, flagReasons, isDisposableDomain, type SignatureEvidence } from './appeals.flags.rules.ts';

const quiet: SignatureEvidence = {
  fromAddress: 0,
  fromDomain: 0,
  appealRecent: 0,
  emailDomain: 'mail.ru',
  registrationBurst: false,
  invalidatedBefore: false,
};

describe('signature flags', () => {
  it('flags nothing for an ordinary signer', () => {
    expect(flagReasons(quiet)).toEqual([]);
  });

  it('flags the signatures from one address past the burst, not the first ones', () => {
    expect(flagReasons({ ...quiet, fromAddress: addressBurstSignatures - 1 })).toEqual([]);
    expect(flagReasons({ ...quiet, fromAddress: addressBurstSignatures })).toEqual(['address_burst']);
  });

  it('flags a burst from one company domain only when it is most of the appeal’s recent signatures', () => {
    const domain = 'zavod-metiz.ru';
    expect(flagReasons({ ...quiet, emailDomain: domain, fromDomain: domainBurst.signatures - 2, appealRecent: domainBurst.signatures - 2 })).toEqual([]);
    expect(flagReasons({ ...quiet, emailDomain: domain, fromDomain: domainBurst.signatures - 1, appealRecent: domainBurst.signatures - 1 })).toEqual([
      'domain_burst',
    ]);
    // A popular appeal where that domain is a small share of the signers.
    expect(flagReasons({ ...quiet, emailDomain: domain, fromDomain: 40, appealRecent: 500 })).toEqual([]);
  });

  it('never counts a domain burst for the big public services or the reserved test names', () => {
    expect(flagReasons({ ...quiet, emailDomain: 'mail.ru', fromDomain: 500, appealRecent: 500 })).toEqual([]);
    expect(flagReasons({ ...quiet, emailDomain: 'gmail.com', fromDomain: 500, appealRecent: 500 })).toEqual([]);
    expect(countsForDomainBurst('example.test')).toBe(false);
    expect(countsForDomainBurst('bench.local')).toBe(false);
    expect(countsForDomainBurst('tver.gov.ru')).toBe(true);
  });

  it('knows the disposable domains of the registry list, and subdomains of its wildcard ones', () => {
    expect(isDisposableDomain('mailinator.com')).toBe(true);
    expect(isDisposableDomain('YOPMAIL.COM')).toBe(true);
    expect(isDisposableDomain('anything.33mail.com')).toBe(true);
    expect(isDisposableDomain('yandex.ru')).toBe(false);
    expect(isDisposableDomain('')).toBe(false);
    expect(flagReasons({ ...quiet, emailDomain: 'mailinator.com' })).toEqual(['disposable_domain']);
  });

  it('flags an account from a registration burst, and a second try after an invalidation, with every reason in order', () => {
    expect(flagReasons({ ...quiet, registrationBurst: true })).toEqual(['registration_burst']);
    expect(flagReasons({ ...quiet, fromAddress: 9, emailDomain: 'mailinator.com', registrationBurst: true, invalidatedBefore: true })).toEqual([
      'address_burst',
      'disposable_domain',
      'registration_burst',
      'invalidated_before',
    ]);
  });

  it('flags a signature sent without an ALTCHA solution, after the other reasons', () => {
    expect(flagReasons({ ...quiet, withoutProofOfWork: false })).toEqual([]);
    expect(flagReasons({ ...quiet, withoutProofOfWork: true })).toEqual(['no_proof_of_work']);
    expect(flagReasons({ ...quiet, registrationBurst: true, withoutProofOfWork: true })).toEqual(['registration_burst', 'no_proof_of_work']);
  });
});
