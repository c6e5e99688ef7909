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
  /**
   * This context reading from the replicas (DATABASE_REPLICA_URLS): its `db` is the read handle
   * (core/db/read-replicas.ts), its `state` keeps its own caches of what was read. Absent without replicas.
   * Public read paths ask for it through `publicReads` (core/http/replica-reads.ts), never directly.
   */
  replicaReads?: AppContext;
}

/**
 * A module's place in `AppState`: its name and how to make its state on first use. The module
 * declares it next to the code that uses it, so core knows neither the state nor its type.
 */
export interface StateSlot<T> {
  readonly name: string;
  readonly create: () => T;
  /**
   * true: one for the whole app, the replica-reading context's included (a connection, a registry of live
   * sessions, counters of attempts). Left out: the replica-reading context has its own (a cache of what was read,
   * so an answer read from a replica never answers a reader of the primary).
   */
  readonly shared: boolean;
}

export function stateSlot<T>(name: string, create: () => T, options: { shared?: boolean } = {}): StateSlot<T> {
  return { name, create, shared: options.shared ?? false };
}

/**
 * The modules' state of one app. Module globals would be shared by every app of the process (the
 * tests build many) and outlive them; this is made with the app's context and goes with it.
 */
export class AppState {
  readonly #values = new Map<StateSlot<unknown>, unknown>();

  constructor(private readonly parent: AppState | null = null) {}

  get<T>(slot: StateSlot<T>): T {
    if (slot.shared && this.parent) return this.parent.get(slot);
    if (!this.#values.has(slot)) this.#values.set(slot, slot.create());
    return this.#values.get(slot) as T;
  }

  /** The state of this app's replica-reading context: shared slots are this one's, the others its own. */
  forReplicaReads(): AppState {
    return new AppState(this);
  }
}
