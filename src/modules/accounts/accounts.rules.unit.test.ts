import { describe, expect, it } from 'vitest';
import { FieldChecks } from '../../core/errors.ts';
import { checkPerson, checkPostalAddress, hashSecret, isValidEmail, newSecret, normalizeEmail, passwordProblems, publicName } from './accounts.rules.ts';

describe('passwords', () => {
  it('accepts a long, varied password', () => {
    expect(passwordProblems('Сосновый-бор-1987')).toBeNull();
  });
  it('rejects short, common, monotonous and personal passwords, saying why', () => {
    expect(passwordProblems('Ab1!xyz')).toBe('passwordTooShort');
    expect(passwordProblems('qwertyuiop')).toBe('passwordCommon');
    expect(passwordProblems('aaaaaaaaaaaabbbb')).toBe('passwordMonotonous');
    expect(passwordProblems('ivanov-secret-99', ['Иван', 'ivanov'])).toBe('passwordPersonal');
    expect(passwordProblems('x'.repeat(201))).toBe('passwordTooLong');
  });
});

describe('e-mail', () => {
  it('is compared case-insensitively and without surrounding spaces', () => {
    expect(normalizeEmail('  Ivan.Petrov@Mail.RU ')).toBe('ivan.petrov@mail.ru');
  });
  it('needs a local part, a domain and a dot', () => {
    expect(isValidEmail('ivan@mail.ru')).toBe(true);
    expect(isValidEmail('ivan@mail')).toBe(false);
    expect(isValidEmail('ivan mail.ru')).toBe(false);
    expect(isValidEmail(`${'a'.repeat(250)}@mail.ru`)).toBe(false);
  });
});

describe('names and addresses', () => {
  it('allows Cyrillic, Latin, hyphens and apostrophes but not digits', () => {
    const checks = new FieldChecks();
    checkPerson(checks, { surname: 'Салтыков-Щедрин', firstName: "Д'Артаньян", patronymic: '' });
    expect(checks.problems).toEqual([]);
    checkPerson(checks, { surname: 'R2D2', firstName: '', patronymic: '' });
    expect(checks.problems).toEqual([
      { field: 'surname', rule: 'nameLetters' },
      { field: 'firstName', rule: 'required' },
    ]);
  });
  it('wants a house number in a postal address', () => {
    const checks = new FieldChecks();
    checkPostalAddress(checks, 'Тверь, Советская улица');
    expect(checks.problems).toEqual([{ field: 'postalAddress', rule: 'addressNeedsNumber' }]);
  });
  it('shows people publicly as first name and surname initial', () => {
    expect(publicName('Иван', 'петров')).toBe('Иван П.');
  });
});

describe('secrets', () => {
  it('keeps only a hash, and each secret is new', () => {
    const a = newSecret('dm_');
    const b = newSecret('dm_');
    expect(a.token.startsWith('dm_')).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashSecret(a.token));
    expect(a.hash).not.toContain(a.token);
  });
});
