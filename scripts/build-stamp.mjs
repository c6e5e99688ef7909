/**
 * What the built server (build/) and islands (public/assets) were built from: every source file's path,
 * size and modification time, plus the lock file and the build scripts. `npm start` compares this with
 * build/.stamp and rebuilds only when something changed (an edit, a checkout, a deleted file, npm ci).
 * Plain JavaScript, so checking costs a few milliseconds and no TypeScript compiler.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
export const buildDir = path.join(root, 'build');

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const isTest = (file) => /\.test\.tsx?$/.test(file);

/** The server's code (entry points of the build) and the files it reads beside its code (data). */
export function serverSources() {
  const clientDir = path.join(root, 'src/client') + path.sep;
  const files = filesUnder(path.join(root, 'src')).filter((file) => !file.startsWith(clientDir) && !isTest(file));
  return {
    code: files.filter((file) => /\.tsx?$/.test(file)),
    assets: files.filter((file) => !/\.tsx?$/.test(file)),
  };
}

export function buildStamp() {
  const inputs = [
    ...filesUnder(path.join(root, 'src')).filter((file) => !isTest(file)),
    path.join(root, 'package-lock.json'),
    path.join(root, 'scripts/build-server.ts'),
    path.join(root, 'scripts/build-client.ts'),
    path.join(root, 'scripts/build-stamp.mjs'),
  ];
  const hash = createHash('sha256');
  for (const file of inputs) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${path.relative(root, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

export function isBuildCurrent() {
  try {
    return readFileSync(path.join(buildDir, '.stamp'), 'utf8') === buildStamp();
  } catch {
    return false;
  }
}
