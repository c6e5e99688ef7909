/**
 * What every benchmark gives the app it starts as its own process: a database, a free port on the loopback, a
 * fresh secret, all roles in one process, quiet logs and no outgoing mail. Each benchmark adds its own settings
 * (whether to seed the demo data, the pool size, a query census) on top.
 */
import { randomBytes } from 'node:crypto';

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
    ...overrides,
  };
}
