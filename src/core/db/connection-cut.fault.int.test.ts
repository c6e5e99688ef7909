/**
 * Fault: the PostgreSQL connection is cut while requests are in flight — by the server (an
 * administrator or a failover ending the sessions: pg_terminate_backend) and by the network (a TCP
 * proxy resetting every connection, then refusing new ones for a while). Every request caught in it
 * gets a clean 503 with Retry-After — the API a JSON error with a stable code, a page the translated
 * error page, never a 500 or a stack — and the app recovers by itself: the next requests succeed and
 * the background jobs run again, without a restart.
 *
 * Requests are held in flight deterministically: a second connection holds an exclusive lock on the
 * tables they read or write, so each one waits on the server, holding a pool connection, when the cut comes.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { createPostgresDatabase, faultPostgresUrl, reachablePostgres, type TestDatabase } from '../../../test/support/database.ts';
import { apiTokenFor, createProblem, openAppeal, sessionCookieFor, signInput, verifiedCitizen } from '../../../test/support/factories.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { User } from './schema.ts';

const server = await reachablePostgres();
const skipped = server ? '' : ` — SKIPPED: no PostgreSQL answers at ${new URL(faultPostgresUrl).host} (start one, or set TEST_DATABASE_URL)`;
if (!server) console.warn(`connection-cut fault test${skipped}`);

let database: TestDatabase & { url: string; name: string };
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  if (!server) return;
  database = await createPostgresDatabase(server);
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  // The app (its pool and pg-boss) reaches the database only through the proxy; the test's own
  // connections (the lock, pg_terminate_backend) go direct.
  t = await createTestApp({ LOG_LEVEL: 'silent' }, { testDatabase: { ...database, target: { kind: 'postgres', url: viaProxy.toString(), poolSize: 20 } } });
  await createProblem(t.ctx);
});

afterAll(async () => {
  await t?.stop();
  await proxy?.close();
});

interface Caller {
  user: User;
  token: string;
  cookie: string;
}

async function callers(n: number): Promise<Caller[]> {
  const made: Caller[] = [];
  for (let i = 0; i < n; i += 1) {
    const user = await verifiedCitizen(t.ctx, { surname: `Обрывов${'абвгдежзиклмн'[i]}`, firstName: 'Семён' });
    made.push({ user, token: await apiTokenFor(t.ctx, user), cookie: await sessionCookieFor(t.ctx, user) });
  }
  return made;
}

/** A connection of the test's own that holds `tables` exclusively until `release`. */
async function holdTables(tables: string[]) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${tables.join(', ')} in access exclusive mode`);
  return {
    /** How many of the app's connections wait on the lock now. */
    waiting: async () => {
      // pg_stat_activity is read once per transaction unless the snapshot is dropped.
      await client.query('select pg_stat_clear_snapshot()');
      return Number(
        (
          await client.query(
            "select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and wait_event_type = 'Lock' and application_name = 'democrator'",
            [database.name],
          )
        ).rows[0].n,
      );
    },
    terminateOthers: async () =>
      (await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database.name])).rowCount ??
      0,
    /**
     * Until the requests wait on the lock: at least one connection per request but the signs (one
     * batch statement), and no new one for 300 ms.
     */
    /** Until `minimum` sessions wait on the lock (every request in flight: one still on its way would miss the cut and succeed), stable for 300 ms. */
    async untilSettled(minimum: number) {
      let last = -1;
      let stableSince = Date.now();
      await waitFor(
        async () => {
          const now = await this.waiting();
          if (now !== last) [last, stableSince] = [now, Date.now()];
          return now >= minimum && Date.now() - stableSince >= 300 ? true : undefined;
        },
        10_000,
        { what: 'the requests to wait on the lock' },
      );
      return last;
    },
    release: async () => {
      await client.query('rollback').catch(() => {});
      await client.end();
    },
  };
}

const sign = (appealId: number, caller: Caller) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/appeals/${appealId}/signatures`,
    headers: { authorization: `Bearer ${caller.token}` },
    payload: signInput(caller.user),
  });

/** The requests caught by the cut: the API (anonymous and with a token), pages in Russian and in English (signed in). */
function inFlight(appealId: number, people: Caller[]) {
  return [
    ...[0, 1].map(() => ({ kind: 'api', locale: 'ru', response: t.app.inject({ method: 'GET', url: '/api/v1/problems' }) })),
    ...people.map((caller) => ({ kind: 'sign', locale: 'ru', response: sign(appealId, caller) })),
    { kind: 'page', locale: 'ru', response: t.app.inject({ method: 'GET', url: '/problems', headers: { accept: 'text/html' } }) },
    {
      kind: 'page',
      locale: 'en',
      response: t.app.inject({ method: 'GET', url: '/problems', headers: { accept: 'text/html', cookie: `${people[0]?.cookie}; locale=en` } }),
    },
  ];
}

type Answer = Awaited<ReturnType<TestApp['app']['inject']>>;

function expectClean503(kind: string, locale: string, response: Answer): void {
  expect(response.statusCode, `${kind} ${response.body.slice(0, 200)}`).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.body).not.toMatch(/node_modules|\bat \S+\.(ts|js):\d+|DatabaseError|terminating connection|ECONN/);
  if (kind === 'page') {
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain(locale === 'en' ? 'The service is unavailable for a moment' : 'Сервис временно недоступен');
  } else {
    expect(response.json()).toEqual({
      error: {
        code: 'service_unavailable',
        message: locale === 'en' ? expect.stringContaining('database could not be reached') : expect.stringContaining('Нет связи с базой данных'),
      },
    });
  }
}

async function expectRecovered(appealId: number): Promise<number[]> {
  // A pooled connection the cut killed while idle is dropped once the pool hears of it, which may be just
  // after the cut: a request that draws it first gets a clean 503. Recovery means the app answers again by
  // itself within seconds, and from then on every request succeeds.
  const during: number[] = [];
  await waitFor(
    async () => {
      const status = (await t.app.inject({ method: 'GET', url: '/api/v1/problems' })).statusCode;
      if (status !== 200) during.push(status);
      return status === 200 ? true : undefined;
    },
    10_000,
    { what: 'the first answer after the cut' },
  );
  expect(during.every((status) => status === 503)).toBe(true);
  if (during.length > 0) console.log(`recovery: ${during.length} request(s) drew a dead pooled connection and got 503 first`);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    statuses.push((await t.app.inject({ method: 'GET', url: '/api/v1/problems' })).statusCode);
    statuses.push((await t.app.inject({ method: 'GET', url: '/problems' })).statusCode);
    statuses.push((await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appealId}` })).statusCode);
  }
  expect(statuses.every((status) => status === 200)).toBe(true);
  return statuses;
}

const countRows = async (appealId: number) =>
  Number(
    (
      await t.ctx.db
        .selectFrom('signatures')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('appeal_id', '=', appealId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.skipIf(!server)(`a PostgreSQL connection cut mid-request${skipped}`, () => {
  it('sessions ended by the server (pg_terminate_backend): 503 for each request in flight, then recovery without restart', async () => {
    const people = await callers(4);
    const { appeal } = await openAppeal(t.ctx, { threshold: 100 });
    const lock = await holdTables(['problems', 'signatures']);
    const requests = inFlight(appeal.id, people);
    let terminated: number;
    try {
      await lock.untilSettled(requests.length);
      terminated = await lock.terminateOthers();
    } finally {
      await lock.release();
    }
    const answers = await Promise.all(requests.map(async (r) => ({ ...r, response: await r.response })));
    for (const { kind, locale, response } of answers) expectClean503(kind, locale, response);
    console.log(
      `pg_terminate_backend: ${terminated} sessions ended, ${answers.length} requests in flight answered ${answers.map((a) => a.response.statusCode).join(', ')}`,
    );

    const statuses = await expectRecovered(appeal.id);
    // The server rolled back each cut statement: nobody's signature was made, and each can sign now.
    expect(await countRows(appeal.id)).toBe(0);
    for (const caller of people) expect((await sign(appeal.id, caller)).statusCode).toBe(201);
    expect(await countRows(appeal.id)).toBe(people.length);
    console.log(`after the cut: ${statuses.length} requests, all 200; the ${people.length} cut signers signed again (201)`);
  });

  it('connections reset by the network, then refused for a while: 503 meanwhile, recovery when it is back, jobs running again', async () => {
    const people = await callers(4);
    const { appeal } = await openAppeal(t.ctx, { threshold: 6 });
    const lock = await holdTables(['problems', 'signatures']);
    const requests = inFlight(appeal.id, people);
    let cut: number;
    let answers: { kind: string; locale: string; response: Answer }[];
    try {
      await lock.untilSettled(requests.length);
      cut = proxy.cutAll();
      answers = await Promise.all(requests.map(async (r) => ({ ...r, response: await r.response })));
    } finally {
      await lock.release();
    }
    for (const { kind, locale, response } of answers) expectClean503(kind, locale, response);

    // The database is unreachable for a while: every request meanwhile is a quick 503 too.
    await proxy.pause();
    const during = [];
    for (let i = 0; i < 3; i += 1) {
      during.push({ kind: 'api', locale: 'ru', response: await t.app.inject({ method: 'GET', url: '/api/v1/problems' }) });
      during.push({ kind: 'page', locale: 'ru', response: await t.app.inject({ method: 'GET', url: '/problems' }) });
    }
    for (const { kind, locale, response } of during) expectClean503(kind, locale, response);
    await proxy.resume();
    console.log(
      `network cut: ${cut} connections reset, ${answers.length} requests in flight answered ${answers.map((a) => a.response.statusCode).join(', ')}; ` +
        `${during.length} requests while refused answered ${during.map((a) => a.response.statusCode).join(', ')}`,
    );

    const statuses = await expectRecovered(appeal.id);
    // A statement cut in transit may still have committed on the server (its answer was lost): each
    // cut signer either has a signature or can sign now — never two, never an error.
    const again = [];
    for (const caller of people) {
      const response = await sign(appeal.id, caller);
      again.push(response.statusCode === 409 ? `409 ${response.json().error.code}` : String(response.statusCode));
      expect([201, 409]).toContain(response.statusCode);
      if (response.statusCode === 409) expect(response.json().error.code).toBe('already_signed');
    }
    expect(await countRows(appeal.id)).toBe(people.length);
    const shown = (await t.app.inject({ method: 'GET', url: `/api/v1/appeals/${appeal.id}` })).json().signatures;
    expect(shown).toBe(people.length);
    console.log(`after the cut: ${statuses.length} requests, all 200; the cut signers signed again: ${again.join(', ')}`);

    // The job queue reconnected too: two more signatures cross the threshold and the letter goes out.
    for (const caller of await callers(2)) expect((await sign(appeal.id, caller)).statusCode).toBe(201);
    const sent = await waitFor(
      async () => {
        const row = await t.ctx.db.selectFrom('appeals').select(['status']).where('id', '=', appeal.id).executeTakeFirstOrThrow();
        return row.status === 'sent' ? row : undefined;
      },
      30_000,
      { what: 'the dispatch after the cut' },
    );
    expect(sent.status).toBe('sent');
  });
});
