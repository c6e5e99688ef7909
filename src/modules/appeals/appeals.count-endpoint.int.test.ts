/**
 * `GET /api/v1/appeals/:id/count` from memory (appeals.signing.ts countView): a warm answer reads nothing from the
 * database (a change made behind the app's back shows only when the half second has passed), ETag / If-None-Match
 * give a 304 until the count, threshold or status changes, an unknown appeal and another's draft stay 404, and a
 * withdrawal shows at once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, apiTokenFor, createAppeal, openAppeal, sign } from '../../../test/support/factories.ts';
import { countCacheMs, withdrawSignature } from './appeals.signing.ts';

let t: TestApp;
let clock = Date.parse('2026-12-06T12:00:00Z');

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.now = () => new Date(clock);
});
afterAll(() => t?.stop());

const later = (ms: number) => {
  clock += ms;
};

async function count(appealId: number, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appealId}/count`, headers });
}

describe('the count endpoint', () => {
  it('answers from memory for half a second, then from the database', async () => {
    const { appeal } = await openAppeal(t.ctx);
    await sign(t.ctx, appeal.id);
    later(countCacheMs);
    const first = await count(appeal.id);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ count: 1, threshold: appeal.threshold, status: 'collecting' });
    expect(first.headers['cache-control']).toBe('public, max-age=1');
    // Changed behind the app's back (no service call forgets the cache): the warm answer does not see it.
    await sql`update appeals set threshold = threshold + 7 where id = ${appeal.id}`.execute(t.ctx.db);
    later(countCacheMs - 1);
    expect((await count(appeal.id)).json()).toEqual({ count: 1, threshold: appeal.threshold, status: 'collecting' });
    later(1);
    expect((await count(appeal.id)).json()).toEqual({ count: 1, threshold: appeal.threshold + 7, status: 'collecting' });
  });

  it('gives an ETag, a 304 without a body for it, and a new one when the count changes', async () => {
    const { appeal } = await openAppeal(t.ctx);
    later(countCacheMs);
    const first = await count(appeal.id);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await count(appeal.id, { 'if-none-match': ifNoneMatch });
      expect(again.statusCode, ifNoneMatch).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers['content-length']).toBeUndefined();
      expect(again.headers['content-type']).toBeUndefined();
      expect(again.headers.etag).toBe(etag);
    }
    expect((await count(appeal.id, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    await sign(t.ctx, appeal.id);
    later(countCacheMs);
    const changed = await count(appeal.id, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ count: 1 });
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('shows a withdrawn signature at once', async () => {
    const { appeal } = await openAppeal(t.ctx);
    const { signer } = await sign(t.ctx, appeal.id);
    later(countCacheMs);
    expect((await count(appeal.id)).json()).toMatchObject({ count: 1 });
    await withdrawSignature(t.ctx, actorOf(signer), appeal.id);
    expect((await count(appeal.id)).json()).toMatchObject({ count: 0 });
  });

  it('answers 404 for an unknown appeal and for another’s draft, warm or not, and the draft to its author', async () => {
    for (let i = 0; i < 2; i++) {
      const unknown = await count(987654);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const { appeal, author } = await createAppeal(t.ctx);
    for (let i = 0; i < 2; i++) expect((await count(appeal.id)).statusCode).toBe(404);
    const own = await count(appeal.id, { authorization: `Bearer ${await apiTokenFor(t.ctx, author)}` });
    expect(own.statusCode).toBe(200);
    expect(own.headers['cache-control']).toBe('no-store');
    // The author's answer warmed the cache; a stranger right after still gets the 404.
    expect((await count(appeal.id)).statusCode).toBe(404);
  });
});
