/** `npm start` as a newcomer runs it: demo content on first start, data kept, graceful SIGTERM. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/support/app.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'democrator-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

async function start(): Promise<Started> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  // Vitest sets BASE_URL for Vite; a newcomer's shell has none of these.
  for (const name of ['DATABASE_URL', 'SECRET', 'BASE_URL', 'SMTP_URL', 'ROLE', 'SEED_DEMO']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes('Democrator is running at')) {
    if (child.exitCode !== null) throw new Error(`the app exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the app did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output, url: `http://127.0.0.1:${port}` };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}

describe('npm start on the embedded database', () => {
  it('loads demo content once, keeps data and sessions across restarts, and stops cleanly on SIGTERM', async () => {
    const first = await start();
    expect(first.output()).toContain('demo content loaded');
    const home = await (await fetch(`${first.url}/`)).text();
    expect(home).toContain('Тверская область');
    const organizations = await (await fetch(`${first.url}/api/v1/organizations?perPage=100`)).json();
    expect(organizations.total).toBe(10);
    // Two appeals: one collecting signatures, one sent on paper by its author, answered and under review.
    const collecting = await (await fetch(`${first.url}/api/v1/appeals/1`)).json();
    expect(collecting).toMatchObject({ status: 'collecting', signatures: 2, title: 'О капитальном ремонте проезжей части улицы Склизкова' });
    const answered = await (await fetch(`${first.url}/api/v1/appeals/2`)).json();
    expect(answered).toMatchObject({ status: 'review', signatures: 1 });
    expect(await (await fetch(`${first.url}/appeals/2`)).text()).toContain('Скамейку действительно заменили');

    const token = await fetch(`${first.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@democrator.local', password: 'demo-Democrator-2026', name: 'restart check' }),
    });
    expect(token.status).toBe(201);
    const { token: secret } = await token.json();
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('shutting down');

    const second = await start();
    expect(second.output()).not.toContain('demo content loaded');
    const me = await fetch(`${second.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).email).toBe('admin@democrator.local');
    const again = await (await fetch(`${second.url}/api/v1/organizations?perPage=100`)).json();
    expect(again.total).toBe(10);
    expect(await stop(second)).toBe(0);
  });
});
