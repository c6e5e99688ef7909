import { describe, expect, it } from 'vitest';
import { ConfigError, configVariables, loadConfig } from './config.ts';

describe('configuration', () => {
  it('starts on the embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      smtpUrl: undefined,
      role: 'all',
      baseUrl: 'http://localhost:3000',
      secureCookies: false,
    });
    expect(config.secretIsEphemeral).toBe(true);
  });

  it('switches to PostgreSQL and SMTP by URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/app', SMTP_URL: 'smtp://mail:25', BASE_URL: 'https://democrator.ru/' });
    expect(config).toMatchObject({ databaseUrl: 'postgres://u@db/app', smtpUrl: 'smtp://mail:25', baseUrl: 'https://democrator.ru', secureCookies: true });
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ ROLE: 'everything' })).toThrow(/ROLE must be one of all, web, worker/);
    expect(() => loadConfig({ SECRET: 'short' })).toThrow(/SECRET/);
  });

  it('reads the replicas beside a PostgreSQL primary, and refuses bad replica URLs with a clear message', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/app' }).databaseReplicaUrls).toEqual([]);
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db/app',
      DATABASE_REPLICA_URLS: ' postgres://u@replica-1/app , postgresql://u@replica-2:5433/app',
      DATABASE_REPLICA_MAX_LAG_SECONDS: '2',
    });
    expect(config.databaseReplicaUrls).toEqual(['postgres://u@replica-1/app', 'postgresql://u@replica-2:5433/app']);
    expect(config.databaseReplicaMaxLagSeconds).toBe(2);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://u@replica/app' })).toThrow(/DATABASE_REPLICA_URLS needs DATABASE_URL/);
    const primary = { DATABASE_URL: 'postgres://u@db/app' };
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'mysql://u@replica/app' })).toThrow(
      /DATABASE_REPLICA_URLS \(URL 1 of 1\) must start with postgres:\/\//,
    );
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'postgres://u@r1/app,,postgres://u@r2/app' })).toThrow(/URL 2 of 3\) is empty/);
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'replica-1:5432' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'postgres://u@r1/app,postgres://u@r1/app' })).toThrow(/the same URL twice/);
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/DATABASE_REPLICA_MAX_LAG_SECONDS/);
  });

  it('documents every variable it reads', () => {
    const source = loadConfig.toString();
    for (const match of source.matchAll(/env\.([A-Z_]+)/g)) {
      expect(configVariables.map((v) => v.name)).toContain(match[1]);
    }
  });
});
