/**
 * The app with DATABASE_REPLICA_URLS on a real PostgreSQL server, without a real replica: the "replica" is a second
 * pool on the same database (its connections named `democrator-replica`), which is as fresh as the primary because it
 * is not in recovery, and a second one nobody answers at. What is measured is where each request's statements go:
 * the replica's count of statements answered, and pg_stat_activity's sessions by application name.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, reachablePostgres, type TestDatabase } from '../../../test/support/database.ts';
import { apiTokenFor, openAppeal, sessionCookieFor, signInput, verifiedCitizen } from '../../../test/support/factories.ts';

const server = await reachablePostgres();
const skipped = server ? '' : ` — SKIPPED: no PostgreSQL answers at ${new URL(faultPostgresUrl).host} (start one, or set TEST_DATABASE_URL)`;
if (!server) console.warn(`read replicas test${skipped}`);

let database: TestDatabase & { url: string; name: string };
let t: TestApp;
const unreachable = 'postgres://postgres@127.0.0.1:1/nowhere';

beforeAll(async () => {
  if (!server) return;
  database = await createPostgresDatabase(server);
  t = await createTestApp(
    {},
    {
      testDatabase: {
        ...database,
        target: { kind: 'postgres', url: database.url, poolSize: 10, replicas: { urls: [database.url, unreachable], maxLagSeconds: 5 } },
      },
    },
  );
  await t.database.replicaReads?.replicas.check();
});

afterAll(async () => {
  await t?.stop();
});

const replicaReads = () =>
  t.database.replicaReads?.replicas.status().find((replica) => replica.name.startsWith('127.0.0.1:') && !replica.name.includes(':1/'))?.reads ?? -1;

/** How many statements the replica answered while `request` ran. */
async function readsDuring(request: () => Promise<{ statusCode: number }>): Promise<number> {
  const before = replicaReads();
  const response = await request();
  expect(response.statusCode).toBe(200);
  return replicaReads() - before;
}

describe.skipIf(!server)(`reading public pages from a replica${skipped}`, () => {
  it('reads the public count, the appeal, its problem and the listings of an anonymous reader from the replica', async () => {
    const { appeal, problem, organization } = await openAppeal(t.ctx);
    const [appealId, problemId] = [appeal.id, problem.id];
    const { oktmo } = await t.ctx.db.selectFrom('territories').select('oktmo').where('id', '=', problem.territory_id).executeTakeFirstOrThrow();
    for (const url of [
      `/api/v1/appeals/${appealId}/count`,
      `/api/v1/appeals/${appealId}`,
      `/appeals/${appealId}`,
      `/problems/${problemId}`,
      `/api/v1/problems/${problemId}`,
      `/api/v1/problems/${problemId}/appeals`,
      `/api/v1/problems/${problemId}/events`,
      `/api/v1/problems/${problemId}/comments`,
      '/problems',
      '/problems/map',
      '/problems.atom',
      '/api/v1/problems',
      `/organizations/${organization.slug}`,
      `/api/v1/organizations/${organization.slug}`,
      '/organizations',
      '/api/v1/organizations',
      `/territories/${oktmo}`,
      `/api/v1/territories/${oktmo}`,
      '/territories',
      '/api/v1/territories',
      '/',
    ]) {
      expect(await readsDuring(() => t.app.inject({ method: 'GET', url })), url).toBeGreaterThan(0);
    }
    // Its sessions are the replica pool's own.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const names = (await admin.query(`select distinct application_name from pg_stat_activity where datname = $1`, [database.name])).rows.map(
      (row) => row.application_name,
    );
    await admin.end();
    expect(names).toEqual(expect.arrayContaining(['democrator', 'democrator-replica']));
  });

  it('keeps writes, token clients and a browser that has just written on the primary (read-your-writes)', async () => {
    const appealId = (await openAppeal(t.ctx)).appeal.id;
    const signer = await verifiedCitizen(t.ctx, { surname: 'Репликов', firstName: 'Пётр' });
    const token = await apiTokenFor(t.ctx, signer);
    const before = replicaReads();
    const signed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/appeals/${appealId}/signatures`,
      headers: { authorization: `Bearer ${token}` },
      payload: signInput(signer),
    });
    expect(signed.statusCode).toBe(201);
    expect(replicaReads()).toBe(before);
    // Every unsafe request marks the browser for the bound and 5 s.
    const wrote = signed.cookies.find((cookie) => cookie.name === 'wrote');
    expect(wrote).toMatchObject({ value: '1', maxAge: 10, httpOnly: true, path: '/' });

    expect(
      await readsDuring(() => t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appealId}/count`, headers: { authorization: `Bearer ${token}` } })),
    ).toBe(0);
    const cookie = await sessionCookieFor(t.ctx, signer);
    expect(await readsDuring(() => t.app.inject({ method: 'GET', url: `/appeals/${appealId}`, headers: { cookie: `${cookie}; wrote=1` } }))).toBe(0);
    // The signer's count right after signing is exact on the primary; an anonymous reader's replica-read count agrees.
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appealId}/count`, headers: { cookie: 'wrote=1' } });
    expect(own.json()).toMatchObject({ count: 1 });
    // Once the window has passed, the same person's pages are public reads again.
    expect(await readsDuring(() => t.app.inject({ method: 'GET', url: `/appeals/${appealId}`, headers: { cookie } }))).toBeGreaterThan(0);
  });

  it('answers from the primary for a replica nobody answers at, which stays out of the rotation', async () => {
    const status = t.database.replicaReads?.replicas.status() ?? [];
    const down = status.find((replica) => replica.name.includes(':1/'));
    expect(down).toMatchObject({ fresh: false });
    expect(down?.lastError).toMatch(/ECONNREFUSED|connect/);
    // Every anonymous read still answers, all of them from the live replica or the primary.
    for (let i = 0; i < 4; i += 1) expect((await t.app.inject({ method: 'GET', url: '/problems' })).statusCode).toBe(200);
    expect(t.database.replicaReads?.replicas.status().find((replica) => replica.name.includes(':1/'))?.reads).toBe(0);
  });
});

describe('without replicas', () => {
  it('sets no cookie and has no replica-reading context', async () => {
    const plain = await createTestApp();
    try {
      expect(plain.ctx.replicaReads).toBeUndefined();
      expect(plain.database.replicaReads).toBeUndefined();
      const response = await plain.app.inject({ method: 'POST', url: '/api/v1/appeals/1/signatures', payload: {} });
      expect(response.cookies.find((cookie) => cookie.name === 'wrote')).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });
});
