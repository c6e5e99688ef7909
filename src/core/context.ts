/** What every use case receives: configuration, the database, jobs, mail and the clock. */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Database } from './db/database.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { Mailer } from './mail/mailer.ts';

export interface AppContext {
  config: Config;
  db: Database;
  jobs: Jobs;
  mailer: Mailer;
  log: FastifyBaseLogger;
  now(): Date;
}
