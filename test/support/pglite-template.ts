/**
 * Vitest global set-up: one migrated PGlite database, dumped to a file, which every test file's database
 * then loads (createTestDatabase) instead of creating a cluster and migrating it again: PGlite's initdb
 * costs seconds of CPU per database, loading the dump well under one.
 * The dump is kept in node_modules/.cache/democrator/ under a hash of the migrations, the database
 * module and the PGlite version, so a run after an unchanged one loads it instead of making it again
 * (a clean checkout, CI's, makes it once). With TEST_DATABASE_URL the tests use PostgreSQL and no
 * template is made.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../../src/core/db/database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template's dump, or '' when the tests run on PostgreSQL. */
    pgliteTemplate: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');
const cacheDir = path.join(root, 'node_modules/.cache/democrator');

/** What the migrated schema depends on: a change to any of it makes a new template. */
function templateKey(): string {
  const hash = createHash('sha256');
  const migrations = path.join(root, 'src/core/db/migrations');
  const files = [
    ...readdirSync(migrations)
      .sort()
      .map((name) => path.join(migrations, name)),
    path.join(root, 'src/core/db/database.ts'),
    path.join(root, 'node_modules/@electric-sql/pglite/package.json'),
  ];
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgliteTemplate', '');
    return;
  }
  const key = templateKey();
  const file = path.join(cacheDir, `pglite-template-${key}.tar`);
  if (!existsSync(file)) {
    const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
    try {
      await migrateToLatest(database.db);
      const dump = await database.pglite!.instance.dumpDataDir('none');
      mkdirSync(cacheDir, { recursive: true });
      // Written aside and renamed: a run that reads the cache never sees half a file.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, file);
    } finally {
      await database.close();
    }
    // Templates of earlier schemas are of no further use.
    for (const name of readdirSync(cacheDir)) {
      if (name.startsWith('pglite-template-') && name !== path.basename(file) && !name.endsWith('.partial')) rmSync(path.join(cacheDir, name), { force: true });
    }
  }
  project.provide('pgliteTemplate', file);
}
