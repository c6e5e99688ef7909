/**
 * What the dataset generators (dataset.ts, ratings-dataset.ts) share: the app started once on an empty database
 * so that its own migrations and demo seed run, the indexes and keys of bulk-loaded tables dropped for the load
 * and rebuilt after it (so the database ends with exactly the indexes the migrations create), and a timed step.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { benchAppEnv, freePort } from './app-process.ts';

const root = path.resolve(import.meta.dirname, '..');

export type Log = (message: string) => void;

/** Starts the real app once so that its migrations and demo seed (territories, categories, organizations) run. */
export async function migrateAndSeedThroughTheApp(url: string): Promise<void> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: benchAppEnv(url, port, { SEED_DEMO: 'auto' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 180 s:\n${output.join('\n')}`)), 180_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      if (text.includes('Democrator is running at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with code ${code} before it started:\n${output.join('\n')}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

export interface Definition {
  table: string;
  name: string;
  sql: string;
  kind: 'constraint' | 'foreign' | 'index';
}

/** Drops the primary, unique and foreign keys and the indexes of `tables` (and foreign keys pointing at them); returns them to restore. */
export async function dropBulkDefinitions(client: pg.Client, tables: readonly string[]): Promise<Definition[]> {
  const constraints = await client.query<{ table: string; name: string; definition: string; contype: string }>(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition, c.contype
       from pg_constraint c where c.conrelid::regclass::text = any($1) and c.contype in ('p', 'u', 'f')`,
    [tables],
  );
  // Foreign keys of other tables pointing at these keys must go first (they depend on the unique indexes).
  const inbound = await client.query<{ table: string; name: string; definition: string }>(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c where c.contype = 'f' and c.confrelid::regclass::text = any($1) and not (c.conrelid::regclass::text = any($1))`,
    [tables],
  );
  const indexes = await client.query<{ table: string; name: string; definition: string }>(
    `select i.tablename as table, i.indexname as name, i.indexdef as definition from pg_indexes i
      where i.schemaname = 'public' and i.tablename = any($1)
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    [tables],
  );
  const definitions: Definition[] = [
    ...constraints.rows
      .filter((row) => row.contype !== 'f')
      .map((row) => ({ table: row.table, name: row.name, sql: row.definition, kind: 'constraint' as const })),
    ...indexes.rows.map((row) => ({ table: row.table, name: row.name, sql: row.definition, kind: 'index' as const })),
    ...constraints.rows
      .filter((row) => row.contype === 'f')
      .map((row) => ({ table: row.table, name: row.name, sql: row.definition, kind: 'foreign' as const })),
    ...inbound.rows.map((row) => ({ table: row.table, name: row.name, sql: row.definition, kind: 'foreign' as const })),
  ];
  for (const definition of [...definitions].reverse()) {
    if (definition.kind === 'index') await client.query(`drop index "${definition.name}"`);
    else await client.query(`alter table ${definition.table} drop constraint "${definition.name}"`);
  }
  return definitions;
}

export async function restoreDefinitions(client: pg.Client, definitions: Definition[], log: Log): Promise<void> {
  for (const definition of definitions) {
    const started = performance.now();
    if (definition.kind === 'index') await client.query(definition.sql);
    else await client.query(`alter table ${definition.table} add constraint "${definition.name}" ${definition.sql}`);
    log(`  ${definition.kind} ${definition.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

export async function step(client: pg.Client, log: Log, label: string, statement: string, values: unknown[] = []): Promise<void> {
  const started = performance.now();
  const result = await client.query(statement, values);
  log(`${label}: ${result.rowCount ?? 0} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
