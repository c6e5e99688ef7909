import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three suites: unit (pure rules, no I/O), integration (real database: PGlite, or PostgreSQL when
// TEST_DATABASE_URL is set) and e2e (a real server driven by Chromium, with and without JavaScript).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    reporters: ['default'],
    // One test file per core. Vitest's default in a run leaves a core to its main process, which on a
    // 2-core machine means one file at a time, while the main process is nearly idle.
    maxWorkers: availableParallelism(),
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.unit.test.ts', 'src/**/*.unit.test.tsx'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'src/**/*.int.test.tsx'],
          globalSetup: ['test/support/pglite-template.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['test/support/pglite-template.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // Pages wait for the embedded database while a job (a PDF dispatch) holds it; polls must outwait that.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
