/**
 * schema.ts against the database the migrations build (PGlite, or PostgreSQL with TEST_DATABASE_URL):
 * a table, a column, a nullability or a value class that one side has and the other lacks fails here,
 * not in production. A new migration must come with its schema.ts change.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { actualSchema, declaredSchema, type SchemaShape, schemaDrift, schemaFile } from '../../../test/support/schema-drift.ts';
import { migrateToLatest, type OpenDatabase, openDatabase } from './database.ts';
import { migrations } from './migrations/index.ts';

let testDatabase: TestDatabase;
let database: OpenDatabase;
let actual: SchemaShape;

beforeAll(async () => {
  testDatabase = await createTestDatabase({ empty: true });
  database = await openDatabase(testDatabase.target);
  expect(await migrateToLatest(database.db)).toEqual(Object.keys(migrations));
  const introspected = await actualSchema(database.db as unknown as Kysely<unknown>);
  actual = introspected.shape;
  // What kysely-codegen would generate, to compare by eye with schema.ts when this test fails.
  const artifacts = path.resolve(import.meta.dirname, '../../../test-results/schema-drift');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(path.join(artifacts, `kysely-codegen.${testDatabase.label}.ts`), introspected.generated);
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

describe('schema.ts and the migrated database', () => {
  it('agree on every table, column, nullability, value class and insert default', () => {
    const declared = declaredSchema();
    expect(declared.size).toBeGreaterThan(10);
    expect(schemaDrift(declared, actual)).toEqual([]);
  });

  it('disagree when schema.ts is broken: a missing table, a missing or extra column, a wrong nullability or type', () => {
    const original = readFileSync(schemaFile, 'utf8');
    const edits: [string, string][] = [
      ['  audit_log: AuditLogTable;\n', ''],
      ['  user_agent: string | null;\n', ''],
      ['  prefix: string;\n', '  prefix: string;\n  revoked_at: Date | null;\n'],
      ['  patronymic: string | null;\n', '  patronymic: string;\n'],
      ['  position: number;\n}\n\nexport interface OrganizationsTable', '  position: string;\n}\n\nexport interface OrganizationsTable'],
      ['  expires_at: Timestamp;\n}\n\nexport interface AuditLogTable', '  expires_at: Generated<Date>;\n}\n\nexport interface AuditLogTable'],
    ];
    let broken = original;
    for (const [from, to] of edits) {
      expect(broken).toContain(from);
      broken = broken.replace(from, to);
    }
    expect(schemaDrift(declaredSchema(broken), actual)).toEqual([
      'table audit_log: in the database, missing from the DB interface of schema.ts',
      'api_tokens.revoked_at: declared in schema.ts (Date | null), not in the database',
      'captcha_uses.expires_at: schema.ts lets an insert leave it out, but the database has no default and it is not null',
      'categories.position: schema.ts gives string (string), the database column is int4 (number)',
      'sessions.user_agent: in the database (text), not declared in schema.ts',
      'users.patronymic: schema.ts says not null, the database says nullable',
    ]);
  });
});
