import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleMessages, registerModuleMessages } from '../../messages.ts';
import { type Message, type ModuleMessages, registerMessages, translate } from './i18n.ts';
import { sharedEn } from './shared.messages.en.ts';
import { sharedRu } from './shared.messages.ru.ts';

// Every dictionary of the application: the shared strings and each module's own.
const dictionaries: Record<string, ModuleMessages> = { shared: { ru: sharedRu, en: sharedEn }, ...moduleMessages };
const ru: Record<string, Message> = Object.assign({}, ...Object.values(dictionaries).map((d) => d.ru));
const en: Record<string, Message> = Object.assign({}, ...Object.values(dictionaries).map((d) => d.en));

beforeAll(() => registerModuleMessages());

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

  it.each(Object.entries(dictionaries))('%s: the English dictionary has exactly the Russian keys', (_area, { ru, en }) => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
  });

  it('every module with a dictionary on disk is registered, in both languages', () => {
    const modulesDir = path.resolve(import.meta.dirname, '../../modules');
    const onDisk = readdirSync(modulesDir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.messages\.(ru|en)\.ts$/.test(file));
    const expected = Object.keys(moduleMessages).flatMap((area) => [`${area}/${area}.messages.en.ts`, `${area}/${area}.messages.ru.ts`]);
    expect(onDisk.map((file) => file.split(path.sep).join('/')).sort()).toEqual(expected.sort());
  });

  it('no key belongs to two dictionaries', () => {
    const owners = new Map<string, string[]>();
    for (const [area, { ru }] of Object.entries(dictionaries)) for (const key of Object.keys(ru)) owners.set(key, [...(owners.get(key) ?? []), area]);
    expect([...owners].filter(([, areas]) => areas.length > 1)).toEqual([]);
    expect(() => registerMessages({ copy: { ru: { 'layout.skip': 'x' }, en: { 'layout.skip': 'x' } } })).toThrow(/layout\.skip.*shared.*copy/);
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (message: unknown) => [...new Set(JSON.stringify(message).match(/\{\w+\}/g) ?? [])].sort();
    for (const key of Object.keys(ru)) {
      expect({ key, placeholders: placeholders(en[key]) }).toEqual({ key, placeholders: placeholders(ru[key]) });
    }
  });

  it('Russian plural messages define one, few and many', () => {
    for (const [key, message] of Object.entries(ru)) {
      if (typeof message === 'string') continue;
      expect({ key, forms: Object.keys(message).sort() }).toEqual({ key, forms: ['few', 'many', 'one', 'other'] });
    }
  });

  it.each([
    ['ru', ru],
    ['en', en],
  ] as const)('%s plural messages have a form for every plural category of the language', (locale, dictionary) => {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(dictionary)) {
      if (typeof message === 'string') continue;
      expect({ key, missing: categories.filter((category) => message[category] === undefined) }).toEqual({ key, missing: [] });
    }
  });

  it('English plural messages are plural where the Russian ones are', () => {
    for (const key of Object.keys(ru)) {
      expect({ key, plural: typeof en[key] !== 'string' }).toEqual({ key, plural: typeof ru[key] !== 'string' });
    }
  });

  it('Russian messages do not assume the reader’s gender («сохранил(а)», «Я отправил»)', () => {
    const gendered = /\((а|ла|на|ен|ена)\)|(^|[^а-яё])я\s+[а-яё]+л(?![а-яё])|(^|[^а-яё])я\s+[а-яё]+ла(?![а-яё])/iu;
    const texts = Object.entries(ru).flatMap(([key, message]) =>
      typeof message === 'string' ? [[key, message]] : Object.values(message).map((form) => [key, form]),
    );
    expect(texts.filter(([, text]) => gendered.test(text!))).toEqual([]);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('ru', 'account.emailIs', { email: 'a@b.ru' })).toBe('Почта: a@b.ru');
    expect(translate('ru', 'account.emailIs')).toBe('Почта: {email}');
  });
});
