import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import { checkEmailDomains, checkOrganization, emailDomain, type OrganizationInput, parseEmailDomains, slugify, wouldCycle } from './organizations.rules.ts';

const valid: OrganizationInput = {
  name: 'Администрация города Твери',
  slug: '',
  kind: 'municipal_administration',
  parentId: null,
  territoryId: 1,
  appealEmail: 'adm@tver.ru',
  postalAddress: '',
  website: 'https://www.tver.ru',
  appealThreshold: 50,
  description: '',
  jurisdictions: [],
};

describe('organization rules', () => {
  it('transliterates names into page addresses', () => {
    expect(slugify('Администрация города Твери')).toBe('administratsiya-goroda-tveri');
    expect(slugify('ООО «Тверь Водоканал»')).toBe('ooo-tver-vodokanal');
  });

  it('accepts a complete organization', () => {
    const checks = new FieldChecks();
    checkOrganization(checks, valid);
    expect(checks.problems).toEqual([]);
  });

  it('names each bad field', () => {
    const checks = new FieldChecks();
    checkOrganization(checks, {
      ...valid,
      name: ' ',
      kind: 'ministry',
      territoryId: null,
      appealEmail: 'nope',
      website: 'ftp://x',
      appealThreshold: 0,
      slug: 'Bad Slug',
    });
    expect(checks.problems.map((p) => `${p.field}:${p.rule}`)).toEqual([
      'name:required',
      'slug:slug',
      'kind:notAllowed',
      'territoryId:required',
      'appealEmail:email',
      'website:url',
      'appealThreshold:outOfRange',
    ]);
  });

  it('detects loops in the hierarchy', () => {
    // 3 → 2 → 1
    const parentOf = new Map<number, number | null>([
      [1, null],
      [2, 1],
      [3, 2],
    ]);
    expect(wouldCycle(1, 3, parentOf)).toBe(true);
    expect(wouldCycle(1, 1, parentOf)).toBe(true);
    expect(wouldCycle(3, 1, parentOf)).toBe(false);
  });
});

describe('staff e-mail domains', () => {
  it('are read from what an administrator types: lower-cased, without @ and duplicates', () => {
    expect(parseEmailDomains(' Tver.GOV.ru, @adm.tver.ru;tver.gov.ru\nduma-tver.ru ')).toEqual(['tver.gov.ru', 'adm.tver.ru', 'duma-tver.ru']);
    expect(parseEmailDomains('')).toEqual([]);
    expect(emailDomain('Ivan.Petrov@Tver.Gov.RU')).toBe('tver.gov.ru');
  });

  it('refuse what is not a domain, a public mail service, or more than 20', () => {
    const check = (domains: string[]) => {
      const checks = new FieldChecks();
      checkEmailDomains(checks, domains);
      return checks.problems.map((problem) => problem.rule);
    };
    expect(check(['tver.gov.ru', 'xn--80adxhks.xn--p1ai'])).toEqual([]);
    expect(check(['tver'])).toEqual(['emailDomain']);
    expect(check(['-bad.ru'])).toEqual(['emailDomain']);
    expect(check(['tver.gov.ru/x'])).toEqual(['emailDomain']);
    expect(check(['mail.ru'])).toEqual(['publicMailDomain']);
    expect(check(['gmail.com'])).toEqual(['publicMailDomain']);
    expect(check(Array.from({ length: 21 }, (_, i) => `d${i}.ru`))).toEqual(['tooMany']);
    const checks = new FieldChecks();
    checkOrganization(checks, { ...valid, officialEmailDomains: 'yandex.ru' });
    expect(checks.problems).toEqual([{ field: 'officialEmailDomains', rule: 'publicMailDomain' }]);
  });
});
