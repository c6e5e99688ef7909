/**
 * The registration form's question for people without JavaScript (with it, the ALTCHA proof of work of altcha.ts
 * replaces it): a small arithmetic question in words, signed so the server keeps no state, answered once
 * (`captcha_uses`). It is easy for a program; what holds such sign-ups back is the tighter per-address limit on
 * registrations that come without a proof of work.
 */
import { createHmac, randomInt as cryptoRandomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Locale } from '../i18n/i18n.ts';
import { databaseReplayStore } from './altcha.ts';

const challengeLifetimeMs = 20 * 60_000;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CaptchaKeys {
  signature: string;
}

export function captchaKeys(secret: string): CaptchaKeys {
  return { signature: createHmac('sha256', secret).update('altcha-signature').digest('hex') };
}

const numberWords: Record<Locale, string[]> = {
  ru: ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять', 'десять'],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
};

export interface TextQuestion {
  /** e.g. "Сколько будет семь плюс четыре?" is built by the page from these words. */
  first: string;
  second: string;
  token: string;
}

function signQuestion(keys: CaptchaKeys, answer: number, expires: number, id: string): string {
  return createHmac('sha256', keys.signature).update(`${answer}:${expires}:${id}`).digest('base64url');
}

export function newTextQuestion(keys: CaptchaKeys, locale: Locale): TextQuestion {
  const a = cryptoRandomInt(1, 11);
  const b = cryptoRandomInt(1, 11);
  const expires = Date.now() + challengeLifetimeMs;
  const id = randomUUID();
  const words = numberWords[locale];
  return {
    first: words[a] ?? String(a),
    second: words[b] ?? String(b),
    token: `${expires}.${id}.${signQuestion(keys, a + b, expires, id)}`,
  };
}

/**
 * True when the answer to the no-JavaScript question is right and the question was not answered before. Takes the
 * context, not the database, so routes never hold the database.
 */
export async function verifyTextAnswer({ db }: { db: Database }, keys: CaptchaKeys, token: string, answer: string): Promise<boolean> {
  if (!token || !answer) return false;
  const [expiresText, id, signature] = token.split('.');
  const expires = Number(expiresText);
  const now = Date.now();
  // Only what newTextQuestion could have issued: a UUID and an expiry within one lifetime.
  if (!id || !uuidPattern.test(id) || !signature || !Number.isFinite(expires) || expires < now || expires > now + challengeLifetimeMs) return false;
  // The question is used up by its first answer, right or wrong: with ten-odd possible sums, a
  // question that survived a wrong answer would be solved by trying them all.
  if (!(await databaseReplayStore(db).use(`text:${id}`, new Date(expires)))) return false;
  const given = Number.parseInt(answer.trim(), 10);
  if (!Number.isInteger(given)) return false;
  const expected = Buffer.from(signQuestion(keys, given, expires, id));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
