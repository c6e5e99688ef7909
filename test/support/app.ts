/** Builds the real application on a fresh test database, configured as in production. */
import { createApp, type RunningApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp extends RunningApp {
  database: RunningApp['database'];
  testDatabase: TestDatabase;
  stop(): Promise<void>;
}

export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    testDatabase?: TestDatabase /** A second node of `app`: the same open database (its stop leaves the database to `app`). */;
    nodeOf?: TestApp;
  } = {},
): Promise<TestApp> {
  const testDatabase = options.nodeOf?.testDatabase ?? options.testDatabase ?? (await createTestDatabase());
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SECRET: 'test-secret-0123456789abcdef',
    CAPTCHA_COST: '10',
    BASE_URL: 'http://democrator.test',
    // Tests act as many people from one address within a minute: the per-minute limits would refuse them. The
    // rate-limit tests set theirs in the site settings (core/http/rate-limits.int.test.ts).
    RATE_LIMIT_SIGN: '100000',
    RATE_LIMIT_REGISTER: '100000',
    RATE_LIMIT_PUBLISH: '100000',
    RATE_LIMIT_COMMENT: '100000',
    RATE_LIMIT_REPORT: '100000',
    RATE_LIMIT_WITHOUT_PROOF: '100000',
    // Tests sign, register and publish without solving a challenge: with ALTCHA on their signatures would wait for a
    // moderator. The ALTCHA tests switch it on (ALTCHA_ENABLED: 'true', or the site setting).
    ALTCHA_ENABLED: 'false',
    ...env,
  });
  const running = await createApp(config, options.nodeOf ? { database: options.nodeOf.database } : { target: testDatabase.target });
  return {
    ...running,
    testDatabase,
    async stop() {
      await running.close();
      if (!options.nodeOf) await testDatabase.drop();
    },
  };
}

/** A port nobody listens on right now, so BASE_URL (used in mailed links) can name it before start. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as import('node:net').AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
