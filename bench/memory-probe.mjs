/**
 * Loaded into the app by bench/start.bench.ts (`node --import ./bench/memory-probe.mjs …`): on SIGUSR2 it
 * writes where the process's resident memory is to BENCH_MEMORY_FILE: V8's heap, memory V8 knows outside it
 * (Buffers, ArrayBuffers), and the resident size of each mapping from /proc/self/smaps, so the bench can
 * name the big anonymous mappings (PGlite's WASM memory) and the shared libraries (libvips for sharp).
 */
import { readFileSync, writeFileSync } from 'node:fs';

function mappings() {
  const regions = [];
  let current = null;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { name: header[3] || '[anon]', sizeKb: (Number.parseInt(header[2], 16) - Number.parseInt(header[1], 16)) / 1024, rssKb: 0 };
      regions.push(current);
    } else if (current && line.startsWith('Rss:')) {
      current.rssKb = Number.parseInt(line.split(/\s+/)[1], 10);
    }
  }
  return regions;
}

process.on('SIGUSR2', () => {
  const file = process.env.BENCH_MEMORY_FILE;
  if (!file) return;
  globalThis.gc?.();
  writeFileSync(file, JSON.stringify({ usage: process.memoryUsage(), mappings: mappings() }));
});
