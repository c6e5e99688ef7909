/** Bundles the browser islands (src/client/*.ts) into public/assets with esbuild. */
import { readdirSync } from 'node:fs';
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
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildClient();
}
