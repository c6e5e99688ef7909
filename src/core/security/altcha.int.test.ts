/**
 * ALTCHA on signing, registering and publishing, through the real routes on a real database: a solved challenge
 * passes; a forged, expired or used one is refused (422 `altcha_failed`) with nothing written; a missing one is
 * accepted, but a signature is flagged (`no_proof_of_work`, not counted until a moderator clears it) and
 * registrations and problems go through a tighter per-address limit. The site setting switches it all off.
 */
import { randomInt } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  actorOf,
  apiTokenFor,
  categoryId,
  createUser,
  defaultMunicipality,
  openAppeal,
  sessionCookieFor,
  verifiedCitizen,
} from '../../../test/support/factories.ts';
import { browser, csrfFrom } from '../../../test/support/http.ts';
import { settingValues, updateSiteSettings } from '../../modules/admin/admin.settings.ts';
import * as moderation from '../../modules/appeals/appeals.signature-moderation.ts';
import * as signing from '../../modules/appeals/appeals.signing.ts';
import type { User } from '../db/schema.ts';
import { challengeLifetimeMs } from './altcha.ts';

let t: TestApp;
let admin: User;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // ALTCHA on, as in production (createTestApp switches it off for the other suites); no job worker.
  t = await createTestApp({ ALTCHA_ENABLED: 'true', ROLE: 'web' });
  admin = await createUser(t.ctx, { role: 'admin' });
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await t?.stop();
});

/** An address of this run only (the limits count per address, and Redis outlives test runs). */
const freshAddress = () => `198.51.${randomInt(0, 255)}.${randomInt(1, 255)}`;

/** What the widget does: fetch a challenge, solve it, send base64 JSON of both. */
async function solved(app: TestApp = t): Promise<string> {
  const challenge = (await app.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge' })).json();
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('the challenge has no solution');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

/** A solution whose challenge is ours but whose key is made up. */
async function forged(): Promise<string> {
  const { challenge, solution } = JSON.parse(Buffer.from(await solved(), 'base64').toString('utf8'));
  const derivedKey = (solution.derivedKey as string).replace(/^./, (c) => (c === '0' ? '1' : '0'));
  return Buffer.from(JSON.stringify({ challenge, solution: { ...solution, derivedKey } })).toString('base64');
}

async function count(table: 'signatures' | 'users' | 'problems'): Promise<number> {
  const row = await t.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const settings = (values: Record<string, number>) => updateSiteSettings(t.ctx, admin.id, values);

describe('the challenge endpoint', () => {
  it('gives a fresh, uncached challenge that expires within minutes, to anybody, a limited number of times a minute', async () => {
    const address = freshAddress();
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge', remoteAddress: address });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const challenge = first.json();
    expect(challenge.parameters.algorithm).toBe('PBKDF2/SHA-256');
    expect(typeof challenge.signature).toBe('string');
    const expiresInMs = challenge.parameters.expiresAt * 1000 - Date.now();
    expect(expiresInMs).toBeGreaterThan(challengeLifetimeMs - 10_000);
    expect(expiresInMs).toBeLessThanOrEqual(challengeLifetimeMs);
    const second = (await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge', remoteAddress: address })).json();
    expect(second.signature).not.toBe(challenge.signature);
    let last = first;
    for (let i = 0; i < 60 && last.statusCode === 200; i++)
      last = await t.app.inject({ method: 'GET', url: '/api/v1/altcha/challenge', remoteAddress: address });
    expect(last.statusCode).toBe(429);
    expect(last.json().error.code).toBe('rate_limited');
  });
});

describe('signing', () => {
  it('counts a signature with a solution; flags one without, which counts only once a moderator clears it', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 2 });
    const moderator = await createUser(t.ctx, { role: 'moderator' });
    const signAs = async (user: User, altcha?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/appeals/${appeal.id}/signatures`,
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}` },
        payload: {
          fullName: `${user.surname} ${user.first_name}`,
          postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
          consentTransfer: true,
          ...(altcha ? { altcha } : {}),
        },
      });
    const proven = await verifiedCitizen(t.ctx);
    const withProof = await signAs(proven, await solved());
    expect(withProof.statusCode).toBe(201);
    expect(withProof.json().count).toBe(1);

    const unproven = await verifiedCitizen(t.ctx);
    const without = await signAs(unproven);
    // The signer sees the ordinary success.
    expect(without.statusCode).toBe(201);
    const rows = await t.ctx.db
      .selectFrom('signatures')
      .select(['user_id', 'flag_reasons', 'flagged_at'])
      .where('appeal_id', '=', appeal.id)
      .orderBy('id')
      .execute();
    expect(rows.map((row) => [row.user_id, row.flag_reasons, row.flagged_at !== null])).toEqual([
      [proven.id, [], false],
      [unproven.id, ['no_proof_of_work'], true],
    ]);
    // Two signatures, a threshold of two, and not reached: the flagged one does not count.
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(1);
    await signing.checkThreshold(t.ctx, appeal.id);
    expect(
      (await t.ctx.db.selectFrom('appeals').select('threshold_reached_at').where('id', '=', appeal.id).executeTakeFirstOrThrow()).threshold_reached_at,
    ).toBeNull();

    // The moderation page names the reason in words.
    const page = await browser(t.app, await sessionCookieFor(t.ctx, moderator)).get(`/moderation/signatures/${appeal.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('без автоматической проверки ALTCHA');
    const review = await moderation.appealSignatureReview(t.ctx, actorOf(moderator), appeal.id);
    expect(review.byReason.map((group) => group.reason)).toEqual(['no_proof_of_work']);
    await moderation.clearSignatures(t.ctx, actorOf(moderator), appeal.id, review.byReason[0]?.ids ?? []);
    expect(await signing.countSignatures(t.ctx.db, appeal.id)).toBe(2);
    await signing.checkThreshold(t.ctx, appeal.id);
    expect(
      (await t.ctx.db.selectFrom('appeals').select('threshold_reached_at').where('id', '=', appeal.id).executeTakeFirstOrThrow()).threshold_reached_at,
    ).not.toBeNull();
  });

  it('refuses a forged solution and a used one with 422 altcha_failed, writing nothing', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
    const signAs = async (user: User, altcha: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/appeals/${appeal.id}/signatures`,
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, user)}`, 'accept-language': 'ru' },
        payload: { fullName: `${user.surname} ${user.first_name}`, postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: true, altcha },
      });
    const before = await count('signatures');
    const fake = await signAs(await verifiedCitizen(t.ctx), await forged());
    expect(fake.statusCode).toBe(422);
    expect(fake.json().error.code).toBe('altcha_failed');
    expect(fake.json().error.message).toContain('Автоматическая проверка не пройдена');
    const junk = await signAs(await verifiedCitizen(t.ctx), 'bm9wZQ==');
    expect(junk.json().error.code).toBe('altcha_failed');
    expect(await count('signatures')).toBe(before);

    const altcha = await solved();
    expect((await signAs(await verifiedCitizen(t.ctx), altcha)).statusCode).toBe(201);
    const replay = await signAs(await verifiedCitizen(t.ctx), altcha);
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error.code).toBe('altcha_failed');
    expect(await count('signatures')).toBe(before + 1);
  });

  it('works without JavaScript: the form carries the widget holder, signs without it (flagged), and shows a refused solution as a form error', async () => {
    const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
    const signer = await verifiedCitizen(t.ctx);
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, signer));
    const page = await visitor.get(`/appeals/${appeal.id}`);
    expect(page.body).toContain('data-challenge-url="/api/v1/altcha/challenge"');
    expect(page.body).toContain('/static/assets/captcha.js');
    const fields = { fullName: `${signer.surname} ${signer.first_name}`, postalAddress: '172400, пгт Оленино, ул. Мира, д. 3', consentTransfer: 'yes' };

    const before = await count('signatures');
    const refused = await visitor.post(`/appeals/${appeal.id}/signatures`, { ...fields, altcha: await forged() }, csrfFrom(page.body));
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('Автоматическая проверка не прошла или устарела');
    expect(refused.body).toContain('href="#field-altcha"');
    expect(refused.body).toContain('id="field-altcha"');
    // What was typed stays in the form.
    expect(refused.body).toContain(signer.surname);
    expect(await count('signatures')).toBe(before);

    const signed = await visitor.post(`/appeals/${appeal.id}/signatures`, fields, csrfFrom(refused.body));
    expect(signed.status).toBe(303);
    const row = await t.ctx.db
      .selectFrom('signatures')
      .select(['flag_reasons'])
      .where('appeal_id', '=', appeal.id)
      .where('user_id', '=', signer.id)
      .executeTakeFirstOrThrow();
    expect(row.flag_reasons).toEqual(['no_proof_of_work']);
  });
});

describe('registering', () => {
  const person = (email: string) => ({ email, password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр' });
  const register = (payload: Record<string, unknown>, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload, remoteAddress });

  it('accepts a solution; without one, only a few from one address an hour, in a counter of their own', async () => {
    await settings({ rateLimitWithoutProof: 2 });
    cleanups.push(async () => void (await settings({ rateLimitWithoutProof: 100_000 })));
    const address = freshAddress();
    expect((await register({ ...person('plain1@example.test') }, address)).statusCode).toBe(202);
    expect((await register({ ...person('plain2@example.test') }, address)).statusCode).toBe(202);
    const over = await register({ ...person('plain3@example.test') }, address);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('rate_limited');
    // Within the hour: the wait is counted in minutes, not in the minute of the ordinary limit.
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(60);
    expect((await t.ctx.db.selectFrom('users').select('id').where('email', '=', 'plain3@example.test').execute()).length).toBe(0);
    // From the same address, a registration with a solution is not held back by that counter.
    expect((await register({ ...person('proven@example.test'), altcha: await solved() }, address)).statusCode).toBe(202);
    // Another address has its own.
    expect((await register({ ...person('elsewhere@example.test') }, freshAddress())).statusCode).toBe(202);
  });

  it('refuses a forged and a used solution, writing nothing', async () => {
    const before = await count('users');
    const fake = await register({ ...person('forged@example.test'), altcha: await forged() }, freshAddress());
    expect(fake.statusCode).toBe(422);
    expect(fake.json().error.code).toBe('altcha_failed');
    const altcha = await solved();
    expect((await register({ ...person('first@example.test'), altcha }, freshAddress())).statusCode).toBe(202);
    const replay = await register({ ...person('replay@example.test'), altcha }, freshAddress());
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error.code).toBe('altcha_failed');
    expect(await count('users')).toBe(before + 1);
  });

  it('without JavaScript: the arithmetic question, and the tighter limit on sign-ups without a proof', async () => {
    await settings({ rateLimitWithoutProof: 1 });
    cleanups.push(async () => void (await settings({ rateLimitWithoutProof: 100_000 })));
    const words = ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять', 'десять'];
    const address = freshAddress();
    const submit = async (email: string) => {
      const page = await t.app.inject({ method: 'GET', url: '/register', remoteAddress: address });
      const match = /Сколько будет (\S+) плюс (\S+)\?/.exec(page.body);
      const token = /name="captchaToken" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const cookie = ([page.headers['set-cookie'] ?? []].flat() as string[]).map((line) => line.split(';')[0]).join('; ');
      const fields = new URLSearchParams({
        _csrf: csrfFrom(page.body),
        ...person(email),
        captchaToken: token,
        captchaAnswer: String(words.indexOf(match?.[1] ?? '') + words.indexOf(match?.[2] ?? '')),
      });
      return t.app.inject({
        method: 'POST',
        url: '/register',
        remoteAddress: address,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: fields.toString(),
      });
    };
    const page = await t.app.inject({ method: 'GET', url: '/register', remoteAddress: address });
    expect(page.body).toContain('data-challenge-url="/api/v1/altcha/challenge"');
    expect((await submit('nojs1@example.test')).statusCode).toBe(303);
    const over = await submit('nojs2@example.test');
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toContain('text/html');
    expect(over.body).toContain('Попробуйте снова через');
    expect((await t.ctx.db.selectFrom('users').select('id').where('email', '=', 'nojs2@example.test').execute()).length).toBe(0);
  });
});

describe('publishing a problem', () => {
  let author: User;
  let token: string;
  let problem: { title: string; description: string; categoryId: number; territoryId: number };
  beforeAll(async () => {
    author = await verifiedCitizen(t.ctx);
    token = await apiTokenFor(t.ctx, author);
    problem = {
      title: 'Не горят фонари на улице Садовой',
      description: 'Уже месяц вечером на улице Садовой темно: не горит ни один фонарь.',
      categoryId: await categoryId(t.ctx),
      territoryId: await defaultMunicipality(t.ctx),
    };
  });
  const publish = (payload: Record<string, unknown>, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/problems', headers: { authorization: `Bearer ${token}` }, payload, remoteAddress });

  it('accepts a solution; without one, only a few from one address an hour, even with a bearer token', async () => {
    await settings({ rateLimitWithoutProof: 2 });
    cleanups.push(async () => void (await settings({ rateLimitWithoutProof: 100_000 })));
    const address = freshAddress();
    expect((await publish({ ...problem, title: 'Не горят фонари на Садовой, первый дом' }, address)).statusCode).toBe(201);
    expect((await publish({ ...problem, title: 'Не горят фонари на Садовой, второй дом' }, address)).statusCode).toBe(201);
    const before = await count('problems');
    const over = await publish({ ...problem, title: 'Не горят фонари на Садовой, третий дом' }, address);
    expect(over.statusCode).toBe(429);
    expect(await count('problems')).toBe(before);
    expect((await publish({ ...problem, title: 'Не горят фонари на Садовой, четвёртый дом', altcha: await solved() }, address)).statusCode).toBe(201);
  });

  it('refuses a forged and a used solution, writing nothing', async () => {
    const before = await count('problems');
    const fake = await publish({ ...problem, altcha: await forged() }, freshAddress());
    expect(fake.statusCode).toBe(422);
    expect(fake.json().error.code).toBe('altcha_failed');
    const altcha = await solved();
    expect((await publish({ ...problem, title: 'Темно на улице Садовой у дома 5', altcha }, freshAddress())).statusCode).toBe(201);
    const replay = await publish({ ...problem, title: 'Темно на улице Садовой у дома 7', altcha }, freshAddress());
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error.code).toBe('altcha_failed');
    expect(await count('problems')).toBe(before + 1);
  });

  it('works without JavaScript, and shows a refused solution as a form error with what was typed', async () => {
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, author));
    const page = await visitor.get('/problems/new');
    expect(page.body).toContain('data-challenge-url="/api/v1/altcha/challenge"');
    const fields = {
      title: 'Сломана скамейка в сквере у почты',
      description: 'В сквере у почты сломана скамейка: торчат доски и гвозди.',
      categoryId: String(problem.categoryId),
      territoryId: String(problem.territoryId),
      confirmed: '1',
    };
    const before = await count('problems');
    const refused = await visitor.post('/problems/new', { ...fields, altcha: await forged() }, csrfFrom(page.body));
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('Автоматическая проверка не прошла или устарела');
    expect(refused.body).toContain('Сломана скамейка в сквере у почты');
    expect(await count('problems')).toBe(before);
    const published = await visitor.post('/problems/new', fields, csrfFrom(refused.body));
    expect(published.status).toBe(303);
    expect(await count('problems')).toBe(before + 1);
  });
});

describe('the switch', () => {
  it('off: no widget, a solution is not asked for nor checked, and a signature without one counts', async () => {
    await settings({ altchaEnabled: 0 });
    try {
      const { appeal } = await openAppeal(t.ctx, { threshold: 50 });
      const signer = await verifiedCitizen(t.ctx);
      const visitor = browser(t.app, await sessionCookieFor(t.ctx, signer));
      const page = await visitor.get(`/appeals/${appeal.id}`);
      expect(page.body).not.toContain('data-challenge-url');
      expect((await visitor.get('/register')).body).not.toContain('data-challenge-url');
      const signed = await t.app.inject({
        method: 'POST',
        url: `/api/v1/appeals/${appeal.id}/signatures`,
        headers: { authorization: `Bearer ${await apiTokenFor(t.ctx, signer)}` },
        payload: {
          fullName: `${signer.surname} ${signer.first_name}`,
          postalAddress: '172400, пгт Оленино, ул. Мира, д. 3',
          consentTransfer: true,
          altcha: 'bm9wZQ==',
        },
      });
      expect(signed.statusCode).toBe(201);
      expect(signed.json().count).toBe(1);
    } finally {
      await settings({ altchaEnabled: 1 });
    }
  });

  it('is a checkbox on the settings page, saved off when unticked and on when ticked', async () => {
    const visitor = browser(t.app, await sessionCookieFor(t.ctx, admin));
    const page = await visitor.get('/admin/settings');
    expect(page.body).toContain('name="altchaEnabled" value="1" checked');
    // The form as a browser sends it with the box unticked: every number as it stands, no altchaEnabled at all.
    const fields = Object.fromEntries(
      Object.entries(await settingValues(t.ctx))
        .filter(([key]) => key !== 'altchaEnabled')
        .map(([key, value]) => [key, String(value)]),
    );
    const off = await visitor.post('/admin/settings', fields, csrfFrom(page.body));
    expect(off.status).toBe(303);
    expect((await t.ctx.ports.settings.current(t.ctx)).altchaEnabled).toBe(false);
    const again = await visitor.get('/admin/settings');
    expect(again.body).toContain('name="altchaEnabled" value="1"');
    expect(again.body).not.toContain('name="altchaEnabled" value="1" checked');
    const on = await visitor.post('/admin/settings', { ...fields, altchaEnabled: '1' }, csrfFrom(again.body));
    expect(on.status).toBe(303);
    expect((await t.ctx.ports.settings.current(t.ctx)).altchaEnabled).toBe(true);
  });
});

describe('used solutions through Redis', () => {
  it('are refused by another app instance sharing the Redis', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const { Redis } = await import('ioredis');
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
    const reachable = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (!reachable) {
      console.warn(`skipped: no Redis at ${redisUrl}`);
      return;
    }
    // Two instances, each on its own database: only Redis can tell the second about the first's use.
    const one = await createTestApp({ REDIS_URL: redisUrl, ALTCHA_ENABLED: 'true' });
    cleanups.push(() => one.stop());
    const other = await createTestApp({ REDIS_URL: redisUrl, ALTCHA_ENABLED: 'true' });
    cleanups.push(() => other.stop());
    const altcha = await solved(one);
    const payload = { email: 'redis@example.test', password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр', altcha };
    expect((await one.app.inject({ method: 'POST', url: '/api/v1/accounts', payload, remoteAddress: freshAddress() })).statusCode).toBe(202);
    const replay = await other.app.inject({ method: 'POST', url: '/api/v1/accounts', payload, remoteAddress: freshAddress() });
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error.code).toBe('altcha_failed');
    // Nothing went to the database's store: Redis holds it.
    expect(await one.ctx.db.selectFrom('captcha_uses').select('challenge_id').execute()).toEqual([]);
  });

  it('fall back to the database while Redis cannot be reached, so a replay is still refused', async () => {
    // Nothing listens on port 1: every Redis command fails.
    const cut = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1', ALTCHA_ENABLED: 'true' });
    cleanups.push(() => cut.stop());
    const altcha = await solved(cut);
    const payload = { email: 'no-redis@example.test', password: 'Очень-надёжный-пароль', surname: 'Соколов', firstName: 'Пётр', altcha };
    expect((await cut.app.inject({ method: 'POST', url: '/api/v1/accounts', payload, remoteAddress: freshAddress() })).statusCode).toBe(202);
    expect((await cut.ctx.db.selectFrom('captcha_uses').select('challenge_id').execute()).map((row) => row.challenge_id.slice(0, 4))).toEqual(['pow:']);
    const replay = await cut.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { ...payload, email: 'no-redis-2@example.test' },
      remoteAddress: freshAddress(),
    });
    expect(replay.json().error.code).toBe('altcha_failed');
  });
});
