/**
 * `npm start`: builds the server and the islands when their sources changed since the last build
 * (the first start after a clone, a pull or an edit), then runs the compiled server from build/.
 * The build runs in a child process so that neither tsx nor esbuild stays in the server's memory.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDir, isBuildCurrent } from './build-stamp.mjs';

if (!isBuildCurrent()) {
  const built = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'build-server.ts')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import(pathToFileURL(path.join(buildDir, 'main.js')).href);
