/**
 * How long `npm start` takes and how much memory the idle process holds, beside a bare Fastify hello world
 * started and measured the same way in the same run (the ratios are what to compare across machines).
 *
 * start: from spawning the process until the first HTTP 200 on `/`. idle RSS: after the demo seed, a few page
 * loads and BENCH_IDLE_SECONDS (default 30) of quiet, read from /proc/<pid>/status, with where it goes
 * (bench/memory-probe.mjs). Scenarios: the embedded default (PGlite, outbox mail) as `npm start` runs it
 * (scripts/start.mjs, the compiled build/) and as `node --import tsx src/main.ts`; PostgreSQL too when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL names a server (a database is created and dropped).
 * Run: `node --import tsx bench/start.bench.ts` (see bench/README.md).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../test/support/app.ts';

const root = path.resolve(import.meta.dirname, '..');
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? '';
const pages = ['/', '/problems', '/territories', '/problems/1', '/organizations'];
const probe = ['--expose-gc', '--import', './bench/memory-probe.mjs'];

const helloWorld = `
const app = require('fastify')();
app.get('/', async () => 'hello');
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });`;

interface Memory {
  rssMb: number;
  heapMb: number;
  externalMb: number;
  wasmMb: number;
  libvipsMb: number;
  nodeBinaryMb: number;
  otherMb: number;
  threads: number;
}

interface Measured {
  name: string;
  startMs: number;
  memory: Memory | null;
}

const mb = (kb: number) => Math.round(kb / 1024);

async function firstOk(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before answering:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`no 200 on / within 180 s:\n${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function memoryOf(pid: number, file: string): Promise<Memory> {
  process.kill(pid, 'SIGUSR2');
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        if (Date.now() - started > 10_000) return reject(new Error('the memory probe did not answer'));
        return setTimeout(poll, 50);
      }
      const report = JSON.parse(text) as {
        usage: NodeJS.MemoryUsage;
        mappings: { name: string; sizeKb: number; rssKb: number }[];
      };
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      const threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1]);
      const rssOf = (match: (name: string) => boolean) => report.mappings.filter((m) => match(m.name)).reduce((sum, m) => sum + m.rssKb, 0);
      // PGlite's linear memory: one anonymous mapping of at least 128 MB (WebAssembly reserves its maximum).
      const wasmKb = report.mappings
        .filter((m) => m.name === '[anon]' && m.sizeKb >= 128 * 1024 && m.sizeKb < 8 * 1024 * 1024)
        .reduce((sum, m) => sum + m.rssKb, 0);
      const heapKb = report.usage.heapTotal / 1024;
      const externalKb = report.usage.external / 1024;
      const libvipsKb = rssOf((name) => /libvips|sharp/.test(name));
      const nodeKb = rssOf((name) => name === process.execPath);
      resolve({
        rssMb: mb(rssKb),
        heapMb: mb(heapKb),
        externalMb: mb(externalKb),
        wasmMb: mb(wasmKb),
        libvipsMb: mb(libvipsKb),
        nodeBinaryMb: mb(nodeKb),
        otherMb: mb(rssKb - heapKb - externalKb - wasmKb - libvipsKb - nodeKb),
        threads,
      });
    };
    poll();
  });
}

async function run(name: string, args: string[], env: NodeJS.ProcessEnv, options: { idle: boolean }): Promise<Measured> {
  const port = await freePort();
  const memoryFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'democrator-start-bench-')), 'memory.json');
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', BASE_URL: `http://127.0.0.1:${port}`, BENCH_MEMORY_FILE: memoryFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  try {
    await firstOk(`http://127.0.0.1:${port}/`, child, () => output);
    const startMs = performance.now() - started;
    let memory: Memory | null = null;
    if (options.idle) {
      for (const page of pages) await (await fetch(`http://127.0.0.1:${port}${page}`)).arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      memory = await memoryOf(child.pid!, memoryFile);
    }
    return { name, startMs, memory };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(path.dirname(memoryFile), { recursive: true, force: true });
  }
}

function appEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', SECRET: randomBytes(16).toString('hex'), ...extra };
  for (const name of ['SMTP_URL', 'ROLE', 'SEED_DEMO', 'NODE_OPTIONS']) delete env[name];
  if (!extra.DATABASE_URL) delete env.DATABASE_URL;
  return env;
}

const built = [...probe, 'scripts/start.mjs'];
const compiledAtStart = [...probe, '--import', 'tsx', 'src/main.ts'];
const results: Measured[] = [];

results.push(await run('Fastify hello world (reference)', [...probe, '-e', helloWorld], { ...process.env }, { idle: true }));

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'democrator-start-bench-data-'));
try {
  const env = appEnv({ DATA_DIR: dataDir });
  results.push(await run('embedded, first start (migrations + demo seed)', built, env, { idle: false }));
  results.push(await run('embedded, second start (npm start)', built, env, { idle: true }));
  results.push(await run('embedded, second start (tsx src/main.ts)', compiledAtStart, env, { idle: true }));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

if (adminUrl) {
  const database = `democrator_start_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const env = appEnv({ DATABASE_URL: url.href });
    results.push(await run('PostgreSQL, first start (migrations + demo seed)', built, env, { idle: false }));
    results.push(await run('PostgreSQL, second start (npm start)', built, env, { idle: true }));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

const reference = results[0]!;
console.log(`\nstart = spawn → first 200 on /; idle = ${idleSeconds} s after ${pages.length} page loads; MB of resident memory`);
console.log('| run | start ms | × ref | idle RSS | × ref | V8 heap | external | WASM memory | libvips | node binary | other | threads |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const result of results) {
  const m = result.memory;
  const ratio = (value: number, base: number) => (value / base).toFixed(1);
  const memoryCells = m
    ? [m.rssMb, ratio(m.rssMb, reference.memory!.rssMb), m.heapMb, m.externalMb, m.wasmMb, m.libvipsMb, m.nodeBinaryMb, m.otherMb, m.threads]
    : ['', '', '', '', '', '', '', '', ''];
  console.log(`| ${result.name} | ${Math.round(result.startMs)} | ${ratio(result.startMs, reference.startMs)} | ${memoryCells.join(' | ')} |`);
}
console.log(
  `load average during the run: ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
