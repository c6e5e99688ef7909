/**
 * Translation: dictionaries `ru` (default) and `en`. A message is a string with `{name}`
 * placeholders, or a set of plural forms chosen by Intl.PluralRules from the `count` parameter
 * (1 подпись, 2 подписи, 5 подписей).
 *
 * Core holds only the shared strings (shared.messages.*.ts); every module owns its dictionary in
 * `<area>.messages.ru.ts` / `.en.ts`. A module's Russian file adds its keys to `Messages` by
 * declaration merging, so `MessageKey` names every key of the application without core importing
 * any module; at run time the application registers the modules' dictionaries (src/messages.ts).
 */
import { sharedEn } from './shared.messages.en.ts';
import { type SharedRussian, sharedRu } from './shared.messages.ru.ts';

export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;
/** Russian needs every form Intl.PluralRules('ru') can choose: one (1, 21), few (2–4, 22–24), many (5–20, 25…), other (fractions). */
export type RussianMessage = string | { one: string; few: string; many: string; other: string };
export type RussianMessages = Record<string, RussianMessage>;
/** The English dictionary of a Russian one: exactly its keys (a missing or an extra key does not compile). */
export type EnglishOf<R> = { [K in keyof R]: Message };
/** Keys only, for a module's `interface Messages extends MessageKeysOf<typeof areaRu> {}`. */
export type MessageKeysOf<R> = { [K in keyof R]: RussianMessage };

/** Every message key: the shared ones here, each module's merged in by its `<area>.messages.ru.ts`. */
export interface Messages extends MessageKeysOf<SharedRussian> {}
export type MessageKey = keyof Messages & string;
export type Dictionary = Record<MessageKey, Message>;

/** One module's dictionary in both languages, as registered at start-up. */
export interface ModuleMessages<R extends RussianMessages = RussianMessages> {
  ru: R;
  en: EnglishOf<R>;
}

export const locales = ['ru', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'ru';

const shared: ModuleMessages = { ru: sharedRu, en: sharedEn };
const registered = new Map<string, ModuleMessages>();
let dictionaries: Record<Locale, Record<string, Message>> = { ru: { ...sharedRu }, en: { ...sharedEn } };

/**
 * Adds (or replaces, so a second app in one process is harmless) the dictionaries of the named
 * modules. Two modules claiming one key is a start-up error, not a silent override.
 */
export function registerMessages(modules: Record<string, ModuleMessages>): void {
  for (const [area, messages] of Object.entries(modules)) registered.set(area, messages);
  const owner = new Map<string, string>(Object.keys(sharedRu).map((key) => [key, 'shared']));
  const next: Record<Locale, Record<string, Message>> = { ru: {}, en: {} };
  for (const [area, messages] of [['shared', shared] as const, ...registered]) {
    for (const key of Object.keys(messages.ru)) {
      const previous = owner.get(key);
      if (previous !== undefined && previous !== area) throw new Error(`message key ${key} is defined by both ${previous} and ${area}`);
      owner.set(key, area);
    }
    Object.assign(next.ru, messages.ru);
    Object.assign(next.en, messages.en);
  }
  dictionaries = next;
}

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
  return Object.hasOwn(dictionaries.ru, value);
}

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const message = dictionaries[locale][key] ?? dictionaries.ru[key];
  // A key no registered dictionary knows shows itself rather than taking the page down.
  if (message === undefined) return key;
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

/**
 * A date as people read it («5 марта 2026 г.»), in Moscow time unless a zone is given: a 59-FZ deadline is the last
 * day in the zone of the body's territory, and shown in another zone it could read as the next day (Калининград).
 */
export function formatDate(locale: Locale, date: Date, withTime = false, timeZone = 'Europe/Moscow'): string {
  const key = `${locale}:${withTime}:${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', ...(withTime ? { timeStyle: 'short' } : {}), timeZone });
    dateFormats.set(key, format);
  }
  return format.format(date);
}
