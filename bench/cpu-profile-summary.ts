/**
 * Where the app's CPU time went during the burst, from the profile of a run with BENCH_CPU_PROF=<dir>:
 *
 *   node --import tsx bench/cpu-profile-summary.ts <dir>            (newest *.cpuprofile in <dir>)
 *   node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [fromMicroseconds toMicroseconds]
 *
 * Only samples inside the burst are counted: signatures.bench.ts writes the burst's window
 * (CLOCK_MONOTONIC, the clock V8 stamps samples with) to <dir>/burst-window.json. Self time is
 * grouped by function and by "owner": a package in node_modules, a folder of src/, or Node itself.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [target, fromArg, toArg] = process.argv.slice(2);
if (!target) {
  console.error('usage: node --import tsx bench/cpu-profile-summary.ts <dir | file.cpuprofile> [from to]');
  process.exit(2);
}
let file = target;
let window: { from: number; to: number } | null = fromArg && toArg ? { from: Number(fromArg), to: Number(toArg) } : null;
if (statSync(target).isDirectory()) {
  const profiles = readdirSync(target)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(target, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!profiles[0]) throw new Error(`no .cpuprofile in ${target}`);
  file = profiles[0];
  const windowFile = path.join(target, 'burst-window.json');
  if (!window && existsSync(windowFile)) window = JSON.parse(readFileSync(windowFile, 'utf8'));
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
let time = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  time += profile.timeDeltas[i] ?? 0;
  const next = profile.timeDeltas[i + 1] ?? 0;
  if (window && (time < window.from || time > window.to)) continue;
  const id = profile.samples[i] as number;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + next);
  total += next;
}

function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] as string;
  const source = /\/src\/(.+)\/[^/]+$/.exec(url);
  if (source) return `src/${source[1]}`;
  if (url.startsWith('node:')) return 'node (built-in modules)';
  return url;
}

const functions = new Map<string, number>();
const owners = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : ''}`;
  functions.set(name, (functions.get(name) ?? 0) + micros);
  const key = owner(url, functionName);
  owners.set(key, (owners.get(key) ?? 0) + micros);
}

const pct = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
const idle = owners.get('(idle)') ?? 0;
console.log(
  `${file}${window ? ` — burst window ${((window.to - window.from) / 1e6).toFixed(1)} s` : ''}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(idle)} idle`,
);
console.log('\nSelf time by owner:');
for (const [name, micros] of [...owners.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(micros)}  ${name}`);
console.log('\nSelf time by function (top 30):');
for (const [name, micros] of [...functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${pct(micros)}  ${name}`);
