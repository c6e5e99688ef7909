import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { translate } from './i18n.ts';
import { ru } from './ru.ts';

describe('Russian plurals', () => {
  it.each([
    [1, '1 подпись'],
    [2, '2 подписи'],
    [4, '4 подписи'],
    [5, '5 подписей'],
    [11, '11 подписей'],
    [12, '12 подписей'],
    [21, '21 подпись'],
    [22, '22 подписи'],
    [25, '25 подписей'],
    [111, '111 подписей'],
    [1001, '1 001 подпись'],
  ])('%i → %s', (count, expected) => {
    // Intl formats thousands with a non-breaking space in Russian.
    expect(translate('ru', 'organization.signatures', { count }).replace(/\u00a0/g, ' ')).toBe(expected);
  });

  it('English has its own forms', () => {
    expect(translate('en', 'organization.signatures', { count: 1 })).toBe('1 signature');
    expect(translate('en', 'organization.signatures', { count: 50 })).toBe('50 signatures');
  });
});

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (message: unknown) => [...new Set(JSON.stringify(message).match(/\{\w+\}/g) ?? [])].sort();
    for (const key of Object.keys(ru) as (keyof typeof ru)[]) {
      expect({ key, placeholders: placeholders(en[key]) }).toEqual({ key, placeholders: placeholders(ru[key]) });
    }
  });

  it('Russian plural messages define one, few and many', () => {
    for (const [key, message] of Object.entries(ru)) {
      if (typeof message === 'string') continue;
      expect({ key, forms: Object.keys(message).sort() }).toEqual({ key, forms: ['few', 'many', 'one', 'other'] });
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('ru', 'account.emailIs', { email: 'a@b.ru' })).toBe('Почта: a@b.ru');
    expect(translate('ru', 'account.emailIs')).toBe('Почта: {email}');
  });
});
