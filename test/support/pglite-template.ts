/**
 * Vitest global set-up: one migrated PGlite database per run, dumped to a temporary file, which every
 * test file's database then loads (createTestDatabase) instead of creating a cluster and migrating it
 * again: PGlite's initdb costs seconds of CPU per database, loading the dump well under one.
 * With TEST_DATABASE_URL the tests use PostgreSQL and no template is made.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../../src/core/db/database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template's dump, or '' when the tests run on PostgreSQL. */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgliteTemplate', '');
    return () => {};
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'democrator-pglite-template-'));
  const file = path.join(dir, 'migrated.tar');
  const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
  try {
    await migrateToLatest(database.db);
    const dump = await database.pglite!.instance.dumpDataDir('none');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  } finally {
    await database.close();
  }
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
