/**
 * Translation: dictionaries `ru` (default) and `en`. A message is a string with `{name}`
 * placeholders, or a set of plural forms chosen by Intl.PluralRules from the `count` parameter
 * (1 подпись, 2 подписи, 5 подписей).
 */
import { en } from './en.ts';
import { ru } from './ru.ts';

export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;
export type MessageKey = keyof typeof ru;
export type Dictionary = Record<MessageKey, Message>;

export const locales = ['ru', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'ru';

const dictionaries: Record<Locale, Dictionary> = { ru, en };
const pluralRules: Record<Locale, Intl.PluralRules> = {
  ru: new Intl.PluralRules('ru'),
  en: new Intl.PluralRules('en'),
};
const numberFormats: Record<Locale, Intl.NumberFormat> = {
  ru: new Intl.NumberFormat('ru'),
  en: new Intl.NumberFormat('en'),
};

export type Params = Record<string, string | number | undefined | null>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(ru, value);
}

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const message = dictionaries[locale][key] ?? ru[key];
  let template: string;
  if (typeof message === 'string') {
    template = message;
  } else {
    const count = Number(params.count ?? 0);
    const form = pluralRules[locale].select(count);
    template = message[form] ?? message.other;
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) return whole;
    return typeof value === 'number' ? numberFormats[locale].format(value) : value;
  });
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

// Built once: a DateTimeFormat costs far more to create than to use (a mailing to 20,000 signers formats 20,000 dates).
const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function formatDate(locale: Locale, date: Date, withTime = false): string {
  const key = `${locale}:${withTime}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', ...(withTime ? { timeStyle: 'short' } : {}), timeZone: 'Europe/Moscow' });
    dateFormats.set(key, format);
  }
  return format.format(date);
}
