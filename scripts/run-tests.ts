/**
 * `npm test`: type check and lint, builds the browser islands, then runs the unit, integration and
 * browser suites with Vitest, one after the other, prints each suite's wall time and ends with one line
 * "N passed, N failed, N skipped". Without Chromium the browser suite cannot run: it says so plainly
 * (and fails under CI=true, where it must run).
 * With TEST_DATABASE_URL set, the integration and browser suites use that PostgreSQL server.
 *
 * Options (before any Vitest arguments, which are passed on):
 *   --fast            the everyday tier (`npm run test:fast`): checks, unit and integration, no browser, and
 *                     without the slow integration suites named in `slowSuites` (fault, fuzz, access matrix,
 *                     the npm start process), which the full `npm test` and CI run; tsc runs beside the tests
 *   --suites=a,b      only these suites (unit, integration, e2e)
 *   --no-checks       skip tsc, biome and npm audit (CI's second database run, after the first one checked them)
 *
 * The checks end with `npm audit --omit=dev`: a high or critical advisory on a production dependency fails
 * the run; when the registry's audit endpoint cannot be reached (offline, a mirror without it), the run says
 * so and goes on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildClient } from './build-client.ts';
import { auditProductionDependencies } from './npm-audit.ts';

const root = path.resolve(import.meta.dirname, '..');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Democrator needs Node.js 22.12 or newer (24 LTS recommended); this is ${process.version}.`);
  process.exit(1);
}

const allSuites = ['unit', 'integration', 'e2e'] as const;
type Suite = (typeof allSuites)[number];
const args = process.argv.slice(2);
const ownOption = (arg: string) => arg === '--fast' || arg === '--no-checks' || arg.startsWith('--suites=');
const fast = args.includes('--fast');
const runChecks = !args.includes('--no-checks');
const suitesArg = args.find((arg) => arg.startsWith('--suites='));
const vitestArgs = args.filter((arg) => !ownOption(arg));
const requested: Suite[] = suitesArg
  ? suitesArg
      .slice('--suites='.length)
      .split(',')
      .map((name) => {
        if (!(allSuites as readonly string[]).includes(name)) {
          console.error(`Unknown suite "${name}"; the suites are ${allSuites.join(', ')}.\n0 passed, 1 failed, 0 skipped`);
          process.exit(1);
        }
        return name as Suite;
      })
  : fast
    ? ['unit', 'integration']
    : [...allSuites];

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const onCi = process.env.CI === 'true';
if (requested.includes('e2e') && !hasChromium && onCi) {
  console.error(`CI must run the browser tests, but Chromium is missing at ${chromiumPath} (apt-get install -y chromium).`);
  process.exit(1);
}

/**
 * Left out of the everyday tier: the fault suites (a database cut off, a mail server down, a process
 * killed mid-dispatch), the fuzz suites (thousands of generated requests), the access matrix (every route
 * for every kind of caller) and the start of `npm start` as its own process (a new cluster, the demo
 * seed, two restarts). Together about half of the integration suite's time; `npm test` runs them. The
 * everyday tier also runs a quarter of each property test's generated cases (test/support/tier.ts).
 */
const slowSuites = [
  '**/*.fault.int.test.ts',
  '**/fuzz-*.int.test.ts',
  'src/access-matrix.int.test.ts',
  '**/*.access-matrix.int.test.ts',
  'src/main.int.test.ts',
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const timings: { label: string; ms: number; result: string }[] = [];

// Incremental: after a run with nothing changed, tsc checks in a few seconds what takes it fifteen from scratch.
const tsc = [
  'node_modules/typescript/bin/tsc',
  ['--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/democrator/tsc.tsbuildinfo'],
] as const;
const biome = ['node_modules/@biomejs/biome/bin/biome', ['check', '.']] as const;

// Types and lint first: a type error fails the run before any test does. The everyday tier instead
// type-checks beside the tests (tsc is one thread, and the integration tests leave part of a core idle
// while they wait for jobs), prints what tsc said when the tests are done, and fails the same.
let typeCheck: Promise<{ ms: number; status: number | null; output: string }> | undefined;
if (runChecks) {
  const checks = fast ? [['biome check', ...biome] as const] : [['tsc --noEmit', ...tsc] as const, ['biome check', ...biome] as const];
  if (fast) {
    const started = performance.now();
    typeCheck = new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(root, tsc[0]), ...tsc[1]], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on('close', (status) => resolve({ ms: performance.now() - started, status, output }));
    });
  }
  for (const [label, bin, binArgs] of checks) {
    const started = performance.now();
    const check = spawnSync(process.execPath, [path.join(root, bin), ...binArgs], { cwd: root, stdio: 'inherit' });
    timings.push({ label, ms: performance.now() - started, result: check.status === 0 ? 'ok' : 'failed' });
    if (check.status !== 0) {
      console.error(`\n${label} failed.\n0 passed, 1 failed, 0 skipped`);
      process.exit(check.status ?? 1);
    }
  }
}

if (runChecks) {
  const started = performance.now();
  const audit = auditProductionDependencies(root);
  timings.push({ label: 'npm audit --omit=dev', ms: performance.now() - started, result: audit.result });
  console.log(`npm audit --omit=dev: ${audit.message}`);
  if (!audit.ok) {
    console.error(`\nnpm audit found high or critical advisories.\n0 passed, 1 failed, 0 skipped`);
    process.exit(1);
  }
}

await buildClient();
const suites = requested.filter((suite) => suite !== 'e2e' || hasChromium);
const database = process.env.TEST_DATABASE_URL ? `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})` : 'PGlite (in memory)';
console.log(`Running ${suites.join(', ')} tests on ${database}`);
if (fast) console.log(`Everyday tier: the integration suite without ${slowSuites.join(', ')} (npm test runs them).`);
const reports = path.join(root, 'test-results');
mkdirSync(reports, { recursive: true });

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    status?: string;
    message?: string;
    assertionResults?: { fullName?: string; title?: string; status: string; failureMessages?: string[] }[];
  }[];
}
const totals = { passed: 0, failed: 0, skipped: 0 };
// Each failed test's file, name and the start of its error, printed again beside the summary: a log read from
// its end (CI keeps the tail) then names what failed instead of only counting it.
const failures: string[] = [];
const firstLines = (text: string, lines = 6) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ANSI colour codes in Vitest's messages
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .slice(0, lines)
    .map((line) => `      ${line}`)
    .join('\n');
let failedRun = false;

// One Vitest run per suite, so each suite's wall time is its own (on two cores, running them side by side gains little).
// On CI a test of the integration or browser suite that fails gets one more try; one that passes on it is named
// in the summary as flaky (test/support/flaky-reporter.ts), so a one-off stall of a loaded machine neither loses
// the run nor goes unseen. Locally every failure fails.
const retried = (suite: Suite) => onCi && suite !== 'unit';
const flakyTests: string[] = [];
for (const suite of suites) {
  const report = path.join(reports, `vitest-${suite}.json`);
  const flakyReport = path.join(reports, `flaky-${suite}.json`);
  rmSync(report, { force: true });
  rmSync(flakyReport, { force: true });
  const started = performance.now();
  // Spawned, not spawnSync: the everyday tier's type check goes on beside it and is timed on its own.
  const result = await new Promise<{ status: number | null }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--project',
        suite,
        '--passWithNoTests',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
        ...(retried(suite) ? ['--retry=1', '--reporter=./test/support/flaky-reporter.ts'] : []),
        ...(fast && suite === 'integration' ? slowSuites.map((glob) => `--exclude=${glob}`) : []),
        ...vitestArgs,
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, CHROMIUM_PATH: chromiumPath, DEMOCRATOR_FLAKY_REPORT: flakyReport, ...(fast ? { DEMOCRATOR_TEST_TIER: 'fast' } : {}) },
      },
    );
    child.on('close', (status) => resolve({ status }));
  });
  const ms = performance.now() - started;
  if (result.status !== 0) failedRun = true;
  if (existsSync(flakyReport)) {
    const flaky = JSON.parse(readFileSync(flakyReport, 'utf8')) as import('../test/support/flaky-reporter.ts').FlakyTest[];
    for (const test of flaky) flakyTests.push(`  ${suite}: ${test.file} › ${test.name}${test.errors.length ? `\n      ${test.errors.join('\n      ')}` : ''}`);
  }
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
    const skipped = json.numPendingTests + json.numTodoTests;
    totals.passed += json.numPassedTests;
    totals.failed += json.numFailedTests;
    totals.skipped += skipped;
    for (const file of json.testResults ?? []) {
      const relative = path.relative(root, file.name);
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
      for (const test of failedTests) {
        failures.push(`  ${suite}: ${relative} › ${test.fullName ?? test.title}\n${firstLines(test.failureMessages?.join('\n') ?? '')}`);
      }
      // A file that failed outside any test (an import error, a failing hook) has no failed test to name.
      if (file.status === 'failed' && failedTests.length === 0) failures.push(`  ${suite}: ${relative}\n${firstLines(file.message ?? '')}`);
    }
    timings.push({ label: `${suite} tests`, ms, result: `${json.numPassedTests} passed, ${json.numFailedTests} failed, ${skipped} skipped` });
  } catch {
    // The run failed before reporting; its own output says why.
    // The run failed before reporting (its own output says why): count the suite as one failure.
    timings.push({ label: `${suite} tests`, ms, result: 'no test report was written' });
    totals.failed += 1;
    failedRun = true;
  }
}

if (typeCheck) {
  const { ms, status, output } = await typeCheck;
  if (output.trim()) process.stdout.write(`\ntsc --noEmit:\n${output}`);
  timings.unshift({ label: 'tsc --noEmit (beside the tests)', ms, result: status === 0 ? 'ok' : 'failed' });
  if (status !== 0) {
    totals.failed += 1;
    failedRun = true;
  }
}

if (!hasChromium && requested.includes('e2e')) {
  console.log(`\nBrowser tests NOT run: Chromium was not found at ${chromiumPath}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
}
console.log(`\nWall time on ${database}:`);
const width = Math.max(...timings.map((t) => t.label.length));
for (const t of timings) console.log(`  ${t.label.padEnd(width)}  ${seconds(t.ms).padStart(8)}  ${t.result}`);
// The run's own wall time (the everyday tier's type check overlaps the tests, so the rows need not add up).
console.log(`  ${'total'.padEnd(width)}  ${seconds(performance.now()).padStart(8)}`);
if (flakyTests.length > 0) console.log(`\nFlaky (failed, then passed on the retry; fix them):\n${flakyTests.join('\n')}`);
if (failures.length > 0) console.log(`\nFailed:\n${failures.join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedRun ? 1 : 0);
