/** What every use case receives: configuration, the database, jobs, mail, the clock and the ports. */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Database } from './db/database.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { Mailer } from './mail/mailer.ts';

/**
 * What a module needs from modules above it, so that imports only ever point down
 * (accounts, territories → organizations → problems → appeals → …; no cycles, see architecture.unit.test.ts).
 * The lower module declares the interface it needs in its `<area>.ports.ts` and adds it here by
 * declaration merging; the higher module implements it; src/app.ts plugs the implementation in.
 * The compiler refuses an assembly that forgets one. Example, problems learning about appeals:
 *
 *   // problems.ports.ts
 *   export interface ProblemPorts { appeals: ProblemAppeals }
 *   declare module '../../core/context.ts' { interface Ports { problems: ProblemPorts } }
 *   // appeals.queries.ts: export const appealsOfProblems: ProblemAppeals = { … };
 *   // app.ts: ports: { problems: { appeals: appealsOfProblems } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each module's <area>.ports.ts
export interface Ports {}

export interface AppContext {
  config: Config;
  db: Database;
  jobs: Jobs;
  mailer: Mailer;
  log: FastifyBaseLogger;
  now(): Date;
  ports: Ports;
}
