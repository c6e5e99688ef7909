/**
 * `npm test`: builds the browser islands, then runs the unit, integration and browser suites with
 * Vitest, and ends with one line "N passed, N failed, N skipped". Without Chromium the browser suite
 * cannot run: it says so plainly (and fails under CI=true, where it must run).
 * With TEST_DATABASE_URL set, the integration and browser suites use that PostgreSQL server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildClient } from './build-client.ts';

const root = path.resolve(import.meta.dirname, '..');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`Democrator needs Node.js 22.12 or newer (24 LTS recommended); this is ${process.version}.`);
  process.exit(1);
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const onCi = process.env.CI === 'true';
if (!hasChromium && onCi) {
  console.error(`CI must run the browser tests, but Chromium is missing at ${chromiumPath} (apt-get install -y chromium).`);
  process.exit(1);
}

// Types and lint first: a type error fails the run before any test does.
for (const [label, bin, args] of [
  ['tsc --noEmit', 'node_modules/typescript/bin/tsc', ['--noEmit', '-p', '.']],
  ['biome check', 'node_modules/@biomejs/biome/bin/biome', ['check', '.']],
] as const) {
  const check = spawnSync(process.execPath, [path.join(root, bin), ...args], { cwd: root, stdio: 'inherit' });
  if (check.status !== 0) {
    console.error(`\n${label} failed.\n0 passed, 1 failed`);
    process.exit(check.status ?? 1);
  }
}

await buildClient();
const projects = ['unit', 'integration', ...(hasChromium ? ['e2e'] : [])];
const database = process.env.TEST_DATABASE_URL ? `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})` : 'PGlite (in memory)';
console.log(`Running ${projects.join(', ')} tests on ${database}`);
mkdirSync(path.join(root, 'test-results'), { recursive: true });
const report = path.join(root, 'test-results', 'vitest.json');
const result = spawnSync(
  process.execPath,
  [
    path.join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    ...projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromiumPath } },
);

let summary = 'no test report was written';
try {
  const json = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  summary = `${json.numPassedTests} passed, ${json.numFailedTests} failed, ${json.numPendingTests + json.numTodoTests} skipped`;
} catch {
  // The run failed before reporting; its own output says why.
}
if (!hasChromium) {
  console.log(`\nBrowser tests NOT run: Chromium was not found at ${chromiumPath}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
}
console.log(`\n${summary}`);
process.exit(result.status ?? 1);
