/**
 * CAPTCHA without a third party. With JavaScript: an ALTCHA proof-of-work the browser solves in
 * the background. Without JavaScript (the form must still work): a small arithmetic question in
 * words, signed so the server keeps no state. Each solution is accepted once (`captcha_uses`).
 */
import { createHmac, randomInt as cryptoRandomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Challenge, createChallenge, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Database } from '../db/database.ts';
import type { Locale } from '../i18n/i18n.ts';

const challengeLifetimeMs = 20 * 60_000;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CaptchaKeys {
  signature: string;
  keySignature: string;
}

export function captchaKeys(secret: string): CaptchaKeys {
  const derive = (label: string) => createHmac('sha256', secret).update(label).digest('hex');
  return { signature: derive('altcha-signature'), keySignature: derive('altcha-key-signature') };
}

export async function newProofOfWork(keys: CaptchaKeys, cost: number): Promise<Challenge> {
  return createChallenge({
    algorithm: 'PBKDF2/SHA-256',
    cost,
    counter: randomInt(500, 2_500),
    deriveKey,
    expiresAt: new Date(Date.now() + challengeLifetimeMs),
    data: { challengeId: randomUUID() },
    hmacSignatureSecret: keys.signature,
    hmacKeySignatureSecret: keys.keySignature,
  });
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

export interface CaptchaSubmission {
  altcha?: string | undefined;
  questionToken?: string | undefined;
  questionAnswer?: string | undefined;
}

/** True when the submission proves a human (or a patient machine) — once per challenge. Takes the context, not the database, so routes never hold the database. */
export async function verifyCaptcha({ db }: { db: Database }, keys: CaptchaKeys, submission: CaptchaSubmission): Promise<boolean> {
  if (submission.altcha) return verifyProofOfWork(db, keys, submission.altcha);
  if (submission.questionToken && submission.questionAnswer) {
    return verifyTextAnswer(db, keys, submission.questionToken, submission.questionAnswer);
  }
  return false;
}

async function verifyProofOfWork(db: Database, keys: CaptchaKeys, payload: string): Promise<boolean> {
  let parsed: { challenge?: Challenge; solution?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return false;
  }
  if (!parsed.challenge || !parsed.solution) return false;
  try {
    const result = await verifySolution({
      challenge: parsed.challenge,
      solution: parsed.solution as never,
      deriveKey,
      hmacSignatureSecret: keys.signature,
      hmacKeySignatureSecret: keys.keySignature,
    });
    if (!result.verified) return false;
  } catch {
    return false;
  }
  const id = String(parsed.challenge.parameters.data?.challengeId ?? parsed.challenge.parameters.nonce);
  const expiresAt = new Date((parsed.challenge.parameters.expiresAt ?? Date.now() / 1000 + 1200) * 1000);
  return markUsed(db, `pow:${id}`, expiresAt);
}

async function verifyTextAnswer(db: Database, keys: CaptchaKeys, token: string, answer: string): Promise<boolean> {
  const [expiresText, id, signature] = token.split('.');
  const expires = Number(expiresText);
  const now = Date.now();
  // Only what newTextQuestion could have issued: a UUID and an expiry within one lifetime.
  if (!id || !uuidPattern.test(id) || !signature || !Number.isFinite(expires) || expires < now || expires > now + challengeLifetimeMs) return false;
  // The question is used up by its first answer, right or wrong: with ten-odd possible sums, a
  // question that survived a wrong answer would be solved by trying them all.
  if (!(await markUsed(db, `text:${id}`, new Date(expires)))) return false;
  const given = Number.parseInt(answer.trim(), 10);
  if (!Number.isInteger(given)) return false;
  const expected = Buffer.from(signQuestion(keys, given, expires, id));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

async function markUsed(db: Database, challengeId: string, expiresAt: Date): Promise<boolean> {
  await db.deleteFrom('captcha_uses').where('expires_at', '<', new Date()).execute();
  const inserted = await db
    .insertInto('captcha_uses')
    .values({ challenge_id: challengeId, expires_at: expiresAt })
    .onConflict((oc) => oc.column('challenge_id').doNothing())
    .returning('challenge_id')
    .executeTakeFirst();
  return inserted !== undefined;
}
