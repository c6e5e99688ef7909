/**
 * What the HTTP benchmarks share once they have measured: exact percentiles from every latency, milliseconds as
 * people read them, the statuses seen, and the closing table of each page's p50 / p95 / p99 beside the `SELECT 1`
 * reference (the lower of its first and last run, so no ratio is flattered) with PASS / FAIL against the target.
 */

/** A percentile of latencies sorted ascending (nearest rank); NaN for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** One page (or case) measured at some concurrency: its latencies' percentiles and the statuses it got. */
export interface Measured {
  label: string;
  path: string;
  statuses: Map<number, number>;
  errors: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
}

export const statusText = (statuses: Map<number, number>) => [...statuses].map(([code, n]) => `${code}×${n}`).join(' ') || '—';
export const all2xx = (r: Measured) => r.errors === 0 && r.requests > 0 && [...r.statuses.keys()].every((code) => code >= 200 && code < 300);

/**
 * Prints the table of every measured page beside the reference's first and last run, and PASS or FAIL against
 * p95 < `targetP95Ms` (and all 2xx). Sets the exit code to 1 on a FAIL; returns the labels that failed.
 */
export function printReport(input: {
  first: Measured;
  last: Measured;
  results: Measured[];
  what: 'page' | 'case';
  connections: number;
  seconds: number;
  targetP95Ms: number;
}): string[] {
  const { first, last, results, what, targetP95Ms } = input;
  const reference = Math.min(first.p95, last.p95);
  console.log(
    `\n-c ${input.connections}, ${input.seconds} s per ${what}; reference: SELECT 1 p95 ${formatMs(reference)} (the lower of the first and last run)\n`,
  );
  console.log(`| ${what} | path | p50 | p95 | p99 | p95 / SELECT 1 p95 | requests | statuses | p95 < ${targetP95Ms} ms |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const row = (r: Measured, verdict: string) =>
    console.log(
      `| ${r.label} | \`${r.path}\` | ${formatMs(r.p50)} | ${formatMs(r.p95)} | ${formatMs(r.p99)} | ${(r.p95 / reference).toFixed(1)} | ${r.requests} | ${statusText(r.statuses)}${r.errors ? `, ${r.errors} errors` : ''} | ${verdict} |`,
    );
  row(first, '(reference)');
  const failed: string[] = [];
  for (const r of results) {
    const pass = r.p95 < targetP95Ms && all2xx(r);
    if (!pass) failed.push(r.label);
    row(r, pass ? 'PASS' : all2xx(r) ? 'FAIL' : 'FAIL (not all 2xx)');
  }
  row(last, '(reference)');
  if (!all2xx(first) || !all2xx(last)) failed.push('healthz answered other than 2xx');
  console.log(failed.length === 0 ? `\nPASS: every ${what} p95 < ${targetP95Ms} ms, all 2xx` : `\nFAIL: ${failed.join('; ')}`);
  if (failed.length > 0) process.exitCode = 1;
  return failed;
}
