/**
 * A fresh database per test file: in-memory PGlite by default; with TEST_DATABASE_URL, a new
 * PostgreSQL database created on that server and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/core/db/database.ts';

export interface TestDatabase {
  target: DatabaseTarget;
  label: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return { target: { kind: 'pglite', dataDir: undefined }, label: 'PGlite', drop: async () => {} };
  const name = `democrator_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: testUrl.toString(), poolSize: 20 },
    label: 'PostgreSQL',
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
