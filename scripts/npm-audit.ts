/**
 * `npm audit --omit=dev` for scripts/run-tests.ts: what ships to production, checked against the registry's
 * advisories. High or critical fails the run; a registry that cannot answer is said, not fatal.
 */
import { spawnSync } from 'node:child_process';

interface AuditReport {
  metadata?: { vulnerabilities?: Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number> };
  vulnerabilities?: Record<string, { severity: string; fixAvailable?: unknown }>;
  error?: { code?: string; summary?: string };
  message?: string;
}

/**
 * npm audit of what ships (devDependencies left out). Fails only on an advisory it found: a registry that
 * cannot answer (no network, a mirror without the audit endpoint, a timeout) is reported, not fatal.
 */
export function auditProductionDependencies(root: string): { ok: boolean; result: string; message: string } {
  // Under `npm test` npm says where it is; straight through node, the npm on the PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const run = spawnSync(command, [...prefix, 'audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  let report: AuditReport | null = null;
  try {
    report = JSON.parse(run.stdout || 'null') as AuditReport | null;
  } catch {
    report = null;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts) {
    const reason = run.error?.message || report?.error?.summary || report?.message || run.stderr.trim().split('\n').at(-1) || `exit code ${run.status}`;
    if (report?.error?.code === 'ENOLOCK') return { ok: false, result: 'failed: no package-lock.json', message: reason };
    return {
      ok: true,
      result: 'not run: audit endpoint unreachable',
      message: `NOT checked — the registry's audit endpoint could not be reached (${reason}).`,
    };
  }
  const serious = Object.entries(report?.vulnerabilities ?? {})
    .filter(([, advisory]) => advisory.severity === 'high' || advisory.severity === 'critical')
    .map(([name, advisory]) => `${name} (${advisory.severity})`);
  const summary = `${counts.critical} critical, ${counts.high} high, ${counts.moderate} moderate, ${counts.low} low`;
  if (counts.high + counts.critical > 0)
    return { ok: false, result: `failed: ${summary}`, message: `${summary}: ${serious.join(', ')}. Run npm audit --omit=dev for the advisories.` };
  return { ok: true, result: `ok: ${summary}`, message: `no high or critical advisory (${summary}).` };
}
