/**
 * Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS). A second Kysely handle, the *read handle*, sends
 * each statement outside a transaction that writes nothing to a replica, in turn among those fresh enough, and
 * everything else to the primary: a statement that writes or locks (insert, update, delete, `for update`, `nextval`,
 * advisory locks, DDL), every transaction, and any statement while no replica is fresh. Only the public read paths
 * opt into it (core/http/replica-reads.ts): the handle a service is given decides, and ctx.db stays the primary.
 *
 * Freshness is measured, not assumed: every second the primary's WAL position is sampled, then each replica's
 * replayed position. A replica that has replayed the primary's position sampled at time T holds every commit made
 * before T; it is read from while T is no older than the bound (DATABASE_REPLICA_MAX_LAG_SECONDS), so a replica that
 * falls behind, stops replaying or stops answering the check leaves the rotation within the bound by itself. A
 * statement that fails on a replica because it is unreachable (or cancelled by a recovery conflict, or refused as a
 * write) runs again on the primary, and an unreachable replica leaves the rotation until a check finds it back.
 * A server that is not in recovery (a replica URL naming the primary itself, as tests do) is as fresh as the primary.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { isDatabaseUnavailable } from './database-errors.ts';
import { tablesWritten } from './table-writes.ts';

/** What a replica's check reads: whether it is in recovery, and the WAL position it has replayed (bytes from 0/0). */
export interface ReplicaPosition {
  recovering: boolean;
  replayed: bigint | null;
}

export interface ReplicaSource {
  /** Host, port and database, for the log and the status (never the password). */
  name: string;
  driver: Driver;
  position(): Promise<ReplicaPosition>;
  /** Closes its connections (whether or not the driver was ever used). */
  close(): Promise<void>;
}

export interface ReplicaStatus {
  name: string;
  /** Whether statements are sent to it now. */
  fresh: boolean;
  /** How far behind the primary it was at its last check, in milliseconds (an upper bound); null when unknown. */
  lagMs: number | null;
  /** Statements it has answered. */
  reads: number;
  /** Statements that failed on it and ran on the primary instead. */
  fallbacks: number;
  lastError: string | null;
}

export interface ReplicaOptions {
  maxLagMs: number;
  checkIntervalMs?: number;
  /** How long one check waits for a server's answer (default 3 s). */
  checkTimeoutMs?: number;
  /** A monotonic clock in milliseconds (tests move it by hand). */
  now?: () => number;
  /** Told when a replica enters or leaves the rotation, and why. */
  onChange?: (status: ReplicaStatus, reason: string) => void;
}

class Replica {
  /** The time of the newest primary sample this replica has replayed: it holds every commit made before it. */
  freshAsOf: number | null = null;
  lagMs: number | null = null;
  reads = 0;
  fallbacks = 0;
  lastError: string | null = null;
  /** Set when a statement found it unreachable: out of the rotation until a check succeeds after it. */
  downSince: number | null = null;
  wasFresh = false;

  constructor(readonly source: ReplicaSource) {}
}

/** The replicas of one primary, their freshness, and the turn. */
export class ReplicaSet {
  readonly #replicas: Replica[];
  readonly #primaryPosition: () => Promise<bigint>;
  readonly #maxLagMs: number;
  readonly #checkIntervalMs: number;
  readonly #checkTimeoutMs: number;
  readonly #now: () => number;
  readonly #onChange: ReplicaOptions['onChange'];
  /** Samples of the primary's WAL position, oldest first, as far back as the bound needs. */
  readonly #samples: { at: number; position: bigint }[] = [];
  #turn = 0;
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;
  #stopped = false;
  #stopping: Promise<void> | null = null;

  constructor(sources: ReplicaSource[], primaryPosition: () => Promise<bigint>, options: ReplicaOptions) {
    this.#replicas = sources.map((source) => new Replica(source));
    this.#primaryPosition = primaryPosition;
    this.#maxLagMs = options.maxLagMs;
    this.#checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.#checkTimeoutMs = options.checkTimeoutMs ?? 3000;
    this.#now = options.now ?? (() => performance.now());
    this.#onChange = options.onChange;
  }

  get maxLagMs(): number {
    return this.#maxLagMs;
  }

  /** Checks now and then every interval, until `stop`. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.#checkIntervalMs);
    this.#timer.unref();
  }

  /** The next fresh replica in turn, or undefined when none is (the statement goes to the primary). */
  pick(): Replica | undefined {
    const count = this.#replicas.length;
    for (let step = 0; step < count; step += 1) {
      const replica = this.#replicas[(this.#turn + step) % count] as Replica;
      if (this.#isFresh(replica)) {
        this.#turn = (this.#turn + step + 1) % count;
        return replica;
      }
    }
    return undefined;
  }

  /** A statement found the replica unreachable: no statement goes to it until a check finds it back. */
  unreachable(replica: Replica, error: unknown): void {
    replica.lastError = errorText(error);
    if (replica.downSince === null) replica.downSince = this.#now();
    this.#noteChange(replica, `unreachable: ${replica.lastError}`);
  }

  /** Samples the primary, then reads every replica's position (one check at a time). */
  check(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#checking ??= this.#check().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #check(): Promise<void> {
    const startedAt = this.#now();
    try {
      this.#samples.push({ at: startedAt, position: await this.#withinTimeout(this.#primaryPosition(), 'the primary') });
    } catch {
      // The primary unreadable: no new sample, so every replica's freshness ages until it is readable again.
    }
    // Samples older than the bound (and two checks) say only "too far behind"; the newest one always stays.
    const horizon = startedAt - this.#maxLagMs - 2 * this.#checkIntervalMs;
    while (this.#samples.length > 1 && (this.#samples[1] as { at: number }).at < horizon) this.#samples.shift();
    await Promise.all(
      this.#replicas.map(async (replica) => {
        try {
          const position = await this.#withinTimeout(replica.source.position(), replica.source.name);
          const checkedAt = this.#now();
          if (!position.recovering) {
            replica.freshAsOf = checkedAt;
          } else {
            let replayedSample: number | null = null;
            if (position.replayed !== null) {
              for (const sample of this.#samples) if (sample.position <= position.replayed) replayedSample = sample.at;
            }
            // Not even the oldest sample kept replayed: further behind than the bound (or unknown), not read from.
            if (replayedSample !== null && (replica.freshAsOf === null || replayedSample > replica.freshAsOf)) replica.freshAsOf = replayedSample;
            if (replayedSample === null) replica.freshAsOf = null;
          }
          replica.lagMs = replica.freshAsOf === null ? null : Math.max(0, Math.round(checkedAt - replica.freshAsOf));
          if (replica.downSince !== null && replica.downSince < startedAt) replica.downSince = null;
          if (replica.downSince === null) replica.lastError = null;
        } catch (error) {
          replica.lastError = errorText(error);
          replica.lagMs = null;
          replica.downSince ??= this.#now();
        }
        this.#noteChange(
          replica,
          replica.lastError ? `unreachable: ${replica.lastError}` : `${replica.lagMs === null ? 'lag unknown' : `lag ${replica.lagMs} ms`}`,
        );
      }),
    );
  }

  /**
   * A check that does not answer (a server or a network that stopped answering without closing the connection)
   * counts as failed after the timeout, so the next checks still run and find the server back when it answers.
   */
  #withinTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer the check within ${this.#checkTimeoutMs} ms`)), this.#checkTimeoutMs);
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  #isFresh(replica: Replica): boolean {
    return replica.downSince === null && replica.freshAsOf !== null && this.#now() - replica.freshAsOf <= this.#maxLagMs;
  }

  #noteChange(replica: Replica, reason: string): void {
    const fresh = this.#isFresh(replica);
    if (fresh === replica.wasFresh) return;
    replica.wasFresh = fresh;
    this.#onChange?.(this.#statusOf(replica), fresh ? `read from again (${reason})` : `not read from (${reason}; bound ${this.#maxLagMs} ms)`);
  }

  #statusOf(replica: Replica): ReplicaStatus {
    return {
      name: replica.source.name,
      fresh: this.#isFresh(replica),
      lagMs: replica.lagMs,
      reads: replica.reads,
      fallbacks: replica.fallbacks,
      lastError: replica.lastError,
    };
  }

  status(): ReplicaStatus[] {
    return this.#replicas.map((replica) => this.#statusOf(replica));
  }

  /** Stops the checks (waiting for one under way) and closes the replicas' pools. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      await this.#checking?.catch(() => {});
      await Promise.all(this.#replicas.map((replica) => replica.source.close()));
    })();
    return this.#stopping;
  }

  async init(): Promise<void> {
    await Promise.all(this.#replicas.map((replica) => replica.source.driver.init()));
  }

  /** Counted by the routing connection. */
  served(replica: Replica): void {
    replica.reads += 1;
  }

  fellBack(replica: Replica): void {
    replica.fallbacks += 1;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Statements that write, lock, or depend on the primary's own state, besides the tables `tablesWritten` names. */
const primaryOnly =
  /\b(?:for\s+(?:update|share|no\s+key\s+update|key\s+share)|nextval|setval|pg_advisory\w*|pg_try_advisory\w*|set_config|pg_notify|txid_current|pg_current_xact_id|pg_current_wal_lsn|lo_\w+)\b/i;
const primaryOnlyCommand =
  /^\s*(?:create|alter|drop|grant|revoke|vacuum|analyze|refresh|copy|listen|notify|unlisten|lock|call|do|set|reset|discard|prepare|execute|begin|start|commit|rollback|savepoint|release|comment|cluster|reindex|security|import)\b/i;

/** Whether a statement may be read from a replica: it writes, locks and changes nothing. */
export function readsOnly(sql: string): boolean {
  return !primaryOnlyCommand.test(sql) && !primaryOnly.test(sql) && tablesWritten(sql).length === 0;
}

/**
 * Why a statement that failed on a replica may run on the primary instead: the replica is unreachable (it leaves the
 * rotation), a recovery conflict cancelled it (40001), or it was refused as a write the routing did not recognize
 * (25006, read-only transaction). The statement writes nothing, so running it again changes nothing.
 */
function replicaFailure(error: unknown): 'unreachable' | 'retry' | null {
  if (isDatabaseUnavailable(error)) return 'unreachable';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '40001' || code === '25006') return 'retry';
  return null;
}

/**
 * One connection of the read handle as Kysely sees it. Outside a transaction each statement takes a connection of
 * the server it goes to and gives it back at once; a transaction (and whatever runs in it) holds one of the primary's.
 */
class RoutedConnection implements DatabaseConnection {
  #transaction: DatabaseConnection | null = null;

  constructor(
    private readonly primary: Driver,
    private readonly replicas: ReplicaSet,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#transaction) return this.#transaction.executeQuery<R>(compiledQuery);
    const replica = readsOnly(compiledQuery.sql) ? this.replicas.pick() : undefined;
    if (replica) {
      try {
        const result = await this.#once(replica.source.driver, (connection) => connection.executeQuery<R>(compiledQuery));
        this.replicas.served(replica);
        return result;
      } catch (error) {
        const failure = replicaFailure(error);
        if (!failure) throw error;
        this.replicas.fellBack(replica);
        if (failure === 'unreachable') this.replicas.unreachable(replica, error);
      }
    }
    return this.#once(this.primary, (connection) => connection.executeQuery<R>(compiledQuery));
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    if (this.#transaction) {
      yield* this.#transaction.streamQuery<R>(compiledQuery, chunkSize);
      return;
    }
    // A stream is not replayed on the primary halfway through: it is read where it starts, the primary.
    const connection = await this.primary.acquireConnection();
    try {
      yield* connection.streamQuery<R>(compiledQuery, chunkSize);
    } finally {
      await this.primary.releaseConnection(connection);
    }
  }

  async #once<T>(driver: Driver, run: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    const connection = await driver.acquireConnection();
    try {
      return await run(connection);
    } finally {
      await driver.releaseConnection(connection);
    }
  }

  async begin(settings: TransactionSettings): Promise<void> {
    const connection = await this.primary.acquireConnection();
    try {
      await this.primary.beginTransaction(connection, settings);
    } catch (error) {
      await this.primary.releaseConnection(connection);
      throw error;
    }
    this.#transaction = connection;
  }

  async end(finish: (driver: Driver, connection: DatabaseConnection) => Promise<void>): Promise<void> {
    const connection = this.#transaction;
    if (!connection) throw new Error('no transaction is open on this connection');
    await finish(this.primary, connection);
  }

  inTransaction(): DatabaseConnection | null {
    return this.#transaction;
  }

  async release(): Promise<void> {
    const connection = this.#transaction;
    this.#transaction = null;
    if (connection) await this.primary.releaseConnection(connection);
  }
}

type SavepointCompiler = Parameters<NonNullable<Driver['savepoint']>>[2];

/** The read handle's driver: `primary` shares the primary's pool and is never destroyed here (the primary's handle ends the pool). */
class RoutingDriver implements Driver {
  constructor(
    private readonly primary: Driver,
    private readonly replicas: ReplicaSet,
  ) {}

  async init(): Promise<void> {
    await this.primary.init();
    await this.replicas.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.primary, this.replicas);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return (connection as RoutedConnection).begin(settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as RoutedConnection).end((driver, inner) => driver.commitTransaction(inner));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as RoutedConnection).end((driver, inner) => driver.rollbackTransaction(inner));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: SavepointCompiler): Promise<void> {
    return (connection as RoutedConnection).end((driver, inner) => (driver.savepoint as NonNullable<Driver['savepoint']>).call(driver, inner, name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: SavepointCompiler): Promise<void> {
    return (connection as RoutedConnection).end((driver, inner) =>
      (driver.rollbackToSavepoint as NonNullable<Driver['rollbackToSavepoint']>).call(driver, inner, name, compile),
    );
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: SavepointCompiler): Promise<void> {
    return (connection as RoutedConnection).end((driver, inner) =>
      (driver.releaseSavepoint as NonNullable<Driver['releaseSavepoint']>).call(driver, inner, name, compile),
    );
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return (connection as RoutedConnection).release();
  }

  /** The replicas' pools close; the primary's is the primary handle's to close. */
  destroy(): Promise<void> {
    return this.replicas.stop();
  }
}

/** The read handle's dialect: the primary dialect's SQL, its statements routed between `primaryDriver` and the replicas. */
export function replicaReadingDialect(primaryDialect: Dialect, primaryDriver: Driver, replicas: ReplicaSet): Dialect {
  return {
    createAdapter: () => primaryDialect.createAdapter(),
    createDriver: () => new RoutingDriver(primaryDriver, replicas),
    createQueryCompiler: () => primaryDialect.createQueryCompiler(),
    createIntrospector: (db) => primaryDialect.createIntrospector(db),
  };
}
