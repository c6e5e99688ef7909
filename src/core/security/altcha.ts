/**
 * ALTCHA proof of work on what abuse goes for (signing, registering, publishing a problem): the browser solves a
 * challenge from GET /api/v1/altcha/challenge in the background and sends the solution as the `altcha` field.
 * A solution is accepted once, until its challenge expires: its challenge's signature is kept in the database
 * (`captcha_uses`) or, when REDIS_URL is set, in Redis, so that every app node refuses a replay.
 *
 * What a request gets (`checkProofOfWork`): `solved`, `missing` (none sent: no JavaScript, or an API client that
 * did not solve one), `off` (the site setting switched ALTCHA off), or a refusal (`altcha_failed`, 422) for a
 * solution that is forged, expired or used. A missing one is not refused — every form works without JavaScript —
 * but costs something: a signature is flagged (appeals.flags.rules.ts), a registration or a problem goes through a
 * tighter per-address limit (core/http/rate-limits.ts).
 */
import { createHmac } from 'node:crypto';
import { type Challenge, createChallenge, randomInt, type Solution, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Redis } from 'ioredis';
import { type AppContext, stateSlot } from '../context.ts';
import type { Database } from '../db/database.ts';
import { DomainError } from '../errors.ts';

/** How long a challenge may be solved and sent: long enough to fill a form, short enough that a stock of solutions goes stale. */
export const challengeLifetimeMs = 5 * 60_000;
/** A payload is a base64 JSON of a challenge and its solution: a few hundred bytes; anything much longer is not one. */
export const maxPayloadLength = 4_000;

export interface AltchaKeys {
  signature: string;
  keySignature: string;
}

/**
 * The two HMAC secrets altcha-lib signs with, derived from ALTCHA_HMAC_KEY or, when it is unset, from SECRET (so the
 * key is as secret as the session secret, the same on every node, and never a constant of the code).
 */
export function altchaKeys(config: { altchaHmacKey: string | undefined; secret: string }): AltchaKeys {
  const key = config.altchaHmacKey ?? createHmac('sha256', config.secret).update('altcha-hmac-key').digest('hex');
  const derive = (label: string) => createHmac('sha256', key).update(label).digest('hex');
  return { signature: derive('altcha-signature'), keySignature: derive('altcha-key-signature') };
}

export async function newChallenge(keys: AltchaKeys, cost: number, now: Date = new Date()): Promise<Challenge> {
  return createChallenge({
    algorithm: 'PBKDF2/SHA-256',
    cost,
    counter: randomInt(500, 2_500),
    deriveKey,
    expiresAt: new Date(now.getTime() + challengeLifetimeMs),
    hmacSignatureSecret: keys.signature,
    hmacKeySignatureSecret: keys.keySignature,
  });
}

/** Where used challenges are remembered until they expire. `use` is true only for the first use of a key. */
export interface ReplayStore {
  use(key: string, expiresAt: Date): Promise<boolean>;
}

export type Verification = { ok: true } | { ok: false; why: 'malformed' | 'invalid' | 'expired' | 'replayed' };

/**
 * Checks a payload as the widget (or altcha-lib's solveChallenge) makes it: signed by us, solved, not expired, and
 * not used before (it is used up by this call when it passes everything else).
 */
export async function verifyPayload(keys: AltchaKeys, store: ReplayStore, payload: string, now: Date = new Date()): Promise<Verification> {
  let parsed: { challenge?: Challenge; solution?: Solution };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return { ok: false, why: 'malformed' };
  }
  const challenge = parsed?.challenge;
  const solution = parsed?.solution;
  if (typeof challenge !== 'object' || challenge === null || typeof solution !== 'object' || solution === null) return { ok: false, why: 'malformed' };
  if (typeof challenge.signature !== 'string' || typeof challenge.parameters !== 'object' || challenge.parameters === null)
    return { ok: false, why: 'malformed' };
  const expiresAt = challenge.parameters.expiresAt;
  // Our challenges always expire; one without an expiry was not made here (and its signature check would say so).
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return { ok: false, why: 'invalid' };
  if (expiresAt * 1000 <= now.getTime()) return { ok: false, why: 'expired' };
  try {
    const result = await verifySolution({ challenge, solution, deriveKey, hmacSignatureSecret: keys.signature, hmacKeySignatureSecret: keys.keySignature });
    if (result.expired) return { ok: false, why: 'expired' };
    if (!result.verified) return { ok: false, why: 'invalid' };
  } catch {
    return { ok: false, why: 'invalid' };
  }
  // The signature covers every parameter (its nonce and salt are random): it names this challenge.
  return (await store.use(`pow:${challenge.signature}`, new Date(expiresAt * 1000))) ? { ok: true } : { ok: false, why: 'replayed' };
}

/** The database's store: one row per used challenge, deleted once expired. */
export function databaseReplayStore(db: Database): ReplayStore {
  return {
    async use(key, expiresAt) {
      await db.deleteFrom('captcha_uses').where('expires_at', '<', new Date()).execute();
      const inserted = await db
        .insertInto('captcha_uses')
        .values({ challenge_id: key, expires_at: expiresAt })
        .onConflict((oc) => oc.column('challenge_id').doNothing())
        .returning('challenge_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
  };
}

/**
 * Redis's store (REDIS_URL): SET NX with the challenge's remaining lifetime, so Redis forgets it when it expires.
 * When Redis cannot be reached the database answers instead (shared by every node too), so an outage neither lets
 * every replay through nor refuses every honest solution.
 */
export function redisReplayStore(redis: Redis, fallback: ReplayStore, onError: (error: unknown) => void): ReplayStore {
  return {
    async use(key, expiresAt) {
      const ttl = Math.max(1, expiresAt.getTime() - Date.now());
      try {
        return (await redis.set(`democrator-altcha-${key}`, '1', 'PX', ttl, 'NX')) === 'OK';
      } catch (error) {
        onError(error);
        return fallback.use(key, expiresAt);
      }
    },
  };
}

const redisSlot = stateSlot<{ redis: Redis | null }>('core.altcha', () => ({ redis: null }), { shared: true });

/** Makes this app remember used challenges in Redis (src/app.ts, when REDIS_URL is set). */
export function useRedisForAltcha(ctx: AppContext, redis: Redis): void {
  ctx.state.get(redisSlot).redis = redis;
}

function replayStore(ctx: AppContext): ReplayStore {
  const database = databaseReplayStore(ctx.db);
  const { redis } = ctx.state.get(redisSlot);
  return redis
    ? redisReplayStore(redis, database, (error) => ctx.log.warn({ err: error }, 'Redis (ALTCHA) unreachable: used challenges go to the database'))
    : database;
}

export function challengeFor(ctx: AppContext): Promise<Challenge> {
  return newChallenge(altchaKeys(ctx.config), ctx.config.captchaCost, ctx.now());
}

/** The `altcha` field of an API request body, as the OpenAPI document describes it. */
export const altchaDescription =
  'Optional: a solved ALTCHA challenge from GET /api/v1/altcha/challenge (base64 JSON `{challenge, solution}`). Without one the request is accepted more cautiously; a forged, expired or used one is refused (422 `altcha_failed`).';

export type ProofOfWork = 'solved' | 'missing' | 'off';

/**
 * What the request's `altcha` field proves (see the top of this file). Throws `altcha_failed` (422) for a solution that
 * is present but forged, expired or used before; nothing else of the request should be written then.
 */
export async function checkProofOfWork(ctx: AppContext, payload: unknown): Promise<ProofOfWork> {
  if (!(await ctx.ports.settings.current(ctx)).altchaEnabled) return 'off';
  if (payload === undefined || payload === null || payload === '') return 'missing';
  if (typeof payload !== 'string' || payload.length > maxPayloadLength) throw new DomainError('altcha_failed');
  const result = await verifyPayload(altchaKeys(ctx.config), replayStore(ctx), payload, ctx.now());
  if (!result.ok) throw new DomainError('altcha_failed');
  return 'solved';
}
