/** What every use case receives: configuration, the database, jobs, mail, the clock, the ports and the modules' per-app state. */
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
  /** What modules keep between requests (batchers, caches, timers): it lives and dies with this app. */
  state: AppState;
}

/**
 * A module's place in `AppState`: its name and how to make its state on first use. The module
 * declares it next to the code that uses it, so core knows neither the state nor its type.
 */
export interface StateSlot<T> {
  readonly name: string;
  readonly create: () => T;
}

export function stateSlot<T>(name: string, create: () => T): StateSlot<T> {
  return { name, create };
}

/**
 * The modules' state of one app. Module globals would be shared by every app of the process (the
 * tests build many) and outlive them; this is made with the app's context and goes with it.
 */
export class AppState {
  readonly #values = new Map<StateSlot<unknown>, unknown>();

  get<T>(slot: StateSlot<T>): T {
    if (!this.#values.has(slot)) this.#values.set(slot, slot.create());
    return this.#values.get(slot) as T;
  }
}
