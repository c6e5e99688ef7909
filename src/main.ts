/** Start-up: config → database + migrations → http → jobs; graceful shutdown on SIGTERM/SIGINT. */
import { createApp } from './app.ts';
import { ConfigError, loadConfig, withPersistentSecret } from './config.ts';
import { demoPassword, demoUsers, isDatabaseEmpty, seedDemo } from './modules/demo/demo.seed.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = withPersistentSecret(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const running = await createApp(config);
  const { app, ctx } = running;
  if (config.secretIsEphemeral) ctx.log.warn('SECRET is not set: sessions and CAPTCHA challenges end at every restart');
  if (config.seedDemo === 'auto' && (await isDatabaseEmpty(ctx))) {
    await seedDemo(ctx);
    ctx.log.info({ users: demoUsers.map((u) => u.email), password: demoPassword }, 'demo content loaded');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'shutting down: finishing requests and jobs');
    const timer = setTimeout(() => {
      ctx.log.error('shutdown took longer than 40 s; exiting');
      process.exit(1);
    }, 40_000);
    timer.unref();
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  if (config.role === 'worker') {
    ctx.log.info('worker started (ROLE=worker): running jobs, not serving HTTP');
    return;
  }
  await app.listen({ port: config.port, host: config.host });
  const database = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
  const mail = ctx.mailer.mode === 'smtp' ? 'SMTP' : 'outbox (/admin/outbox)';
  console.log(`\nDemocrator is running at ${config.baseUrl}/  (database: ${database}; mail: ${mail})\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
