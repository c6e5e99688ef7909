/**
 * A client-side pg_stat_statements for benchmark runs: loaded into the app with
 * `node --import tsx --import ./bench/query-census.ts src/main.ts` (signatures.bench.ts does this when
 * BENCH_QUERY_CENSUS=1), it counts every query node-postgres sends, by SQL text, with the time from
 * sending it to its result (database work + round trip + the event loop's delay in noticing).
 * On SIGUSR2 it writes what it counted since the previous SIGUSR2 to BENCH_QUERY_CENSUS_FILE (JSON)
 * and starts again, so the benchmark can bracket exactly the burst. Nothing in src/ knows about it.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

interface Entry {
  calls: number;
  totalMs: number;
  maxMs: number;
  rows: number;
}

let entries = new Map<string, Entry>();
let since = performance.now();
const file = process.env.BENCH_QUERY_CENSUS_FILE;

function record(text: string, started: number, rows: number): void {
  const ms = performance.now() - started;
  const key = text.replace(/\s+/g, ' ').trim();
  const entry = entries.get(key) ?? { calls: 0, totalMs: 0, maxMs: 0, rows: 0 };
  entry.calls++;
  entry.totalMs += ms;
  entry.maxMs = Math.max(entry.maxMs, ms);
  entry.rows += Math.max(0, rows);
  entries.set(key, entry);
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const prototype = pg.Client.prototype as unknown as { query: Query };
const original = prototype.query;
prototype.query = function censusQuery(this: pg.Client, ...args: unknown[]): unknown {
  const [config] = args;
  const text = typeof config === 'string' ? config : ((config as { text?: string } | undefined)?.text ?? '(unknown)');
  const started = performance.now();
  const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
  if (callbackIndex >= 0) {
    const callback = args[callbackIndex] as (error: unknown, result?: { rowCount?: number | null }) => void;
    args[callbackIndex] = (error: unknown, result?: { rowCount?: number | null }) => {
      record(text, started, error ? -1 : (result?.rowCount ?? 0));
      callback(error, result);
    };
    return original.apply(this, args);
  }
  const result = original.apply(this, args) as Promise<{ rowCount?: number | null }> | undefined;
  if (result && typeof result.then === 'function') {
    result.then(
      (r) => record(text, started, r?.rowCount ?? 0),
      () => record(text, started, -1),
    );
  }
  return result;
};

process.on('SIGUSR2', () => {
  const seconds = (performance.now() - since) / 1000;
  const rows = [...entries.entries()].map(([text, e]) => ({ text, ...e })).sort((a, b) => b.totalMs - a.totalMs);
  if (file) writeFileSync(file, JSON.stringify({ seconds, queries: rows }, null, 1));
  entries = new Map();
  since = performance.now();
});
