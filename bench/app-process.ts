/**
 * What every benchmark gives the app it starts as its own process: a database, a free port on the loopback, a
 * fresh secret, all roles in one process, quiet logs and no outgoing mail. Each benchmark adds its own settings
 * (whether to seed the demo data, the pool size, a query census) on top.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export { freePort } from '../test/support/app.ts';

/** The URL of database `name` on the server at `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function benchAppEnv(databaseUrl: string, port: number, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    SEED_DEMO: 'never',
    LOG_LEVEL: 'warn',
    SECRET: randomBytes(16).toString('hex'),
    ROLE: 'all',
    SMTP_URL: '',
    // Load from one address and a few accounts: the per-minute limits (site settings' defaults) would refuse it.
    RATE_LIMIT_SIGN: '100000',
    RATE_LIMIT_REGISTER: '100000',
    RATE_LIMIT_PUBLISH: '100000',
    RATE_LIMIT_COMMENT: '100000',
    RATE_LIMIT_REPORT: '100000',
    // The load solves no ALTCHA challenge (that is the client's work, not the server's): with ALTCHA on every
    // signature would be flagged and wait for a moderator.
    ALTCHA_ENABLED: 'false',
    ...overrides,
  };
}

const root = path.resolve(import.meta.dirname, '..');

export interface StartOptions {
  /** Node arguments before tsx's (a memory probe, `--cpu-prof`, a query census). */
  nodeArgs?: string[];
  /** Filled with the app's last 200 lines of output (stdout and stderr), for as long as it runs. */
  output?: string[];
  /** Called with every line the app writes. */
  onLine?: (line: string) => void;
  /** What the app writes once it has started (default: the web's "Democrator is running at"; a ROLE=worker says otherwise). */
  readyText?: string;
}

/** Starts the app (`src/main.ts`) as its own process on this database and port; resolves once it says it is running. */
export async function startApp(url: string, port: number, overrides: NodeJS.ProcessEnv = {}, options: StartOptions = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: benchAppEnv(url, port, overrides),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = options.output ?? [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      options.onLine?.(line);
      output.push(line);
      if (output.length > 200) output.shift();
    }
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 180 s:\n${output.join('\n')}`)), 180_000);
    const onData = (chunk: Buffer) => {
      if (chunk.toString('utf8').includes(options.readyText ?? 'Democrator is running at')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with code ${code} before it started:\n${output.join('\n')}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return child;
}

/** Stops the app with SIGTERM (it stores what it must first), and with SIGKILL if it has not exited within 45 s. */
export async function stopApp(child: ChildProcess, log: (message: string) => void = console.log): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 45_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    log('the app did not stop within 45 s after SIGTERM; killing it');
    child.kill('SIGKILL');
    await exited;
  }
}
