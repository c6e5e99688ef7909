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

  it('documents every variable it reads', () => {
    const source = loadConfig.toString();
    for (const match of source.matchAll(/env\.([A-Z_]+)/g)) {
      expect(configVariables.map((v) => v.name)).toContain(match[1]);
    }
  });
});
