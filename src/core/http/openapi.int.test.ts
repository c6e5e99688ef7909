/**
 * The OpenAPI document is what API users generate clients from: Redocly's recommended rules must pass
 * with no error and no warning (every operation with a stable operationId, its security and its errors).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const redocly = path.join(root, 'node_modules/@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

let t: TestApp;
interface Operation {
  operationId?: string;
  security?: unknown[];
  responses?: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, { type?: string }>; required?: string[] } }> };
}
let document: { paths: Record<string, Record<string, Operation>> };
beforeAll(async () => {
  t = await createTestApp();
  const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json();
});
afterAll(() => t.stop());

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended rules) with zero errors and zero warnings', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'democrator-openapi-'));
    try {
      const file = path.join(directory, 'openapi.json');
      await writeFile(file, JSON.stringify(document));
      // redocly exits 1 when it finds errors; the JSON report on stdout is what counts.
      const { stdout } = await promisify(execFile)(process.execPath, [redocly, 'lint', file, '--format=json', '--config', path.join(root, 'redocly.yaml')], {
        cwd: root,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const report = JSON.parse(stdout) as LintReport;
      const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('names every operation with a unique camelCase operationId and declares its security', () => {
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(40);
    const ids = operations.map((operation) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) expect(Array.isArray(operation.security), operation.operationId).toBe(true);
    // A client must be ready for the database being out of reach: every operation documents the 503.
    for (const operation of operations) expect(Object.keys(operation.responses ?? {}), operation.operationId).toContain('503');
  });

  it('declares optional authentication as an empty requirement beside bearer, and bearer where a token is needed', () => {
    expect(document.paths['/api/v1/problems/{id}']?.get?.security).toEqual([{}, { bearer: [] }]);
    expect(document.paths['/api/v1/appeals/{id}/signatures']?.post?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/v1/problems']?.get?.security).toEqual([]);
  });

  it('documents the ALTCHA challenge without authentication, and the optional altcha field of signing, registering and publishing', () => {
    const challenge = document.paths['/api/v1/altcha/challenge']?.get;
    expect(challenge?.operationId).toBe('getAltchaChallenge');
    expect(challenge?.security).toEqual([]);
    expect(Object.keys(challenge?.responses ?? {})).toEqual(expect.arrayContaining(['200', '429']));
    for (const [url, method] of [
      ['/api/v1/appeals/{id}/signatures', 'post'],
      ['/api/v1/accounts', 'post'],
      ['/api/v1/problems', 'post'],
    ] as const) {
      const schema = document.paths[url]?.[method]?.requestBody?.content['application/json']?.schema;
      expect(schema?.properties?.altcha?.type, url).toBe('string');
      expect(schema?.required ?? [], url).not.toContain('altcha');
    }
    // Changing a problem asks for none.
    expect(document.paths['/api/v1/problems/{id}']?.put?.requestBody?.content['application/json']?.schema.properties).not.toHaveProperty('altcha');
  });
});
