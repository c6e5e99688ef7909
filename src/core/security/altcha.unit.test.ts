import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { describe, expect, it } from 'vitest';
import { altchaKeys, challengeLifetimeMs, newChallenge, type ReplayStore, verifyPayload } from './altcha.ts';

const keys = altchaKeys({ altchaHmacKey: undefined, secret: 'unit-test-secret-0123456789' });

/** The store's contract without a database: a key is used once until it expires. */
function memoryStore(): ReplayStore & { keys: Map<string, Date> } {
  const used = new Map<string, Date>();
  return {
    keys: used,
    async use(key, expiresAt) {
      const existing = used.get(key);
      if (existing && existing > new Date()) return false;
      used.set(key, expiresAt);
      return true;
    },
  };
}

async function solved(options: { now?: Date; withKeys?: typeof keys } = {}) {
  const challenge = await newChallenge(options.withKeys ?? keys, 10, options.now);
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('no solution found');
  return { challenge, solution, payload: Buffer.from(JSON.stringify({ challenge, solution })).toString('base64') };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('the ALTCHA verifier', () => {
  it('accepts a solved challenge of ours, and uses it up', async () => {
    const store = memoryStore();
    const { payload, challenge } = await solved();
    expect(await verifyPayload(keys, store, payload)).toEqual({ ok: true });
    // Remembered by the challenge's signature, until the challenge expires.
    expect([...store.keys.keys()]).toEqual([`pow:${challenge.signature}`]);
    expect(store.keys.get(`pow:${challenge.signature}`)?.getTime()).toBe((challenge.parameters.expiresAt ?? 0) * 1000);
  });

  it('refuses a replay of a solution already accepted', async () => {
    const store = memoryStore();
    const { payload } = await solved();
    expect((await verifyPayload(keys, store, payload)).ok).toBe(true);
    expect(await verifyPayload(keys, store, payload)).toEqual({ ok: false, why: 'replayed' });
  });

  it('refuses a tampered challenge, a wrong solution and a challenge signed with another key', async () => {
    const store = memoryStore();
    const { challenge, solution } = await solved();
    // A cheaper challenge with our signature copied onto it.
    const cheaper = { ...challenge, parameters: { ...challenge.parameters, cost: 1 } };
    expect(await verifyPayload(keys, store, encode({ challenge: cheaper, solution }))).toEqual({ ok: false, why: 'invalid' });
    // A later expiry with our signature.
    const longer = { ...challenge, parameters: { ...challenge.parameters, expiresAt: (challenge.parameters.expiresAt ?? 0) + 3600 } };
    expect(await verifyPayload(keys, store, encode({ challenge: longer, solution }))).toEqual({ ok: false, why: 'invalid' });
    // A made-up key: the server checks the derived key against the one it signed (the counter alone proves nothing).
    const madeUp = solution.derivedKey.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(await verifyPayload(keys, store, encode({ challenge, solution: { ...solution, derivedKey: madeUp } }))).toEqual({
      ok: false,
      why: 'invalid',
    });
    const foreign = await solved({ withKeys: altchaKeys({ altchaHmacKey: 'somebody-elses-key-0123', secret: 'x' }) });
    expect(await verifyPayload(keys, store, foreign.payload)).toEqual({ ok: false, why: 'invalid' });
    // None of the refusals used anything up: the honest solution still passes.
    expect(store.keys.size).toBe(0);
    expect((await verifyPayload(keys, store, encode({ challenge, solution }))).ok).toBe(true);
  });

  it('refuses a challenge past its expiry', async () => {
    const store = memoryStore();
    const issued = new Date(Date.now() - challengeLifetimeMs - 1000);
    const { payload } = await solved({ now: issued });
    expect(await verifyPayload(keys, store, payload)).toEqual({ ok: false, why: 'expired' });
    // And one that is fresh now is expired for a clock past its lifetime.
    const fresh = await solved();
    expect(await verifyPayload(keys, store, fresh.payload, new Date(Date.now() + challengeLifetimeMs + 1000))).toEqual({ ok: false, why: 'expired' });
    expect(store.keys.size).toBe(0);
  });

  it('refuses what is not a payload at all', async () => {
    const store = memoryStore();
    for (const payload of [
      'bm9wZQ==',
      'not base64 at all',
      encode(null),
      encode([]),
      encode({ challenge: 'x', solution: 1 }),
      encode({ challenge: {}, solution: {} }),
    ]) {
      expect((await verifyPayload(keys, store, payload)).ok).toBe(false);
    }
  });

  it('derives its key from the secret when ALTCHA_HMAC_KEY is unset, and from the key when it is set', () => {
    expect(altchaKeys({ altchaHmacKey: undefined, secret: 'another-secret-0123456789' })).not.toEqual(keys);
    expect(altchaKeys({ altchaHmacKey: 'configured-key-0123456789', secret: 'a' })).toEqual(
      altchaKeys({ altchaHmacKey: 'configured-key-0123456789', secret: 'b' }),
    );
  });
});
