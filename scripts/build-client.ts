/** Bundles the browser islands (src/client/*.ts) into public/assets with esbuild. */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

export async function buildClient(options: { minify?: boolean } = {}): Promise<void> {
  const clientDir = path.join(root, 'src/client');
  const entryPoints = readdirSync(clientDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(clientDir, file));
  await build({
    entryPoints,
    outdir: path.join(root, 'public/assets'),
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    minify: options.minify ?? true,
    sourcemap: true,
    logLevel: 'warning',
    // Leaflet's stylesheet (imported by the map island) names its control images.
    loader: { '.png': 'file' },
    jsx: 'automatic',
    jsxImportSource: 'preact',
  });
  // ALTCHA's CSP-safe "external" build bundles no proof-of-work worker: the captcha island registers
  // this prebuilt, self-contained one (a classic worker script from the same origin: worker-src 'self').
  mkdirSync(path.join(root, 'public/assets'), { recursive: true });
  copyFileSync(path.join(root, 'node_modules/altcha/dist/workers/pbkdf2.js'), path.join(root, 'public/assets/altcha-pbkdf2-worker.js'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildClient();
}
