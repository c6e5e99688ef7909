/**
 * Kysely dialect for the embedded PGlite database.
 *
 * PGlite is one PostgreSQL session. Kysely's transactions and pg-boss's statements must never
 * interleave on it — a pg-boss poll issued while a Kysely transaction is open would otherwise run
 * inside that transaction. So every user of the session takes the same `SessionLock`: Kysely holds
 * it from acquireConnection to releaseConnection, pg-boss for each statement (see jobs/boss.ts).
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * A FIFO mutex: the holder of the single PGlite session. A query on `ctx.db` issued inside a
 * transaction waits for that transaction forever; the warning after `slowWaitMs` names the cause.
 */
export class SessionLock {
  #tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly onSlowWait: (waitedMs: number, stack: string | undefined) => void = (ms, stack) =>
      console.warn(`PGlite session busy for ${ms} ms: is ctx.db used inside a transaction instead of trx?\n${stack}`),
    private readonly slowWaitMs = 10_000,
  ) {}

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    const stack = new Error('waiting here').stack;
    const timer = setTimeout(() => this.onSlowWait(this.slowWaitMs, stack), this.slowWaitMs);
    timer.unref();
    await previous;
    clearTimeout(timer);
    return release;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(compiledQuery.query.kind !== 'SelectQueryNode' && affected !== undefined ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported on PGlite; Kysely never streams here.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not support streaming queries');
  }
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(
    private readonly pglite: PGlite,
    private readonly lock: SessionLock,
  ) {
    this.#connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.lock.acquire();
    this.#releases.set(this.#connection, release);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await (connection as PgliteConnection).executeQuery({
      sql: `begin${isolation}`,
      parameters: [],
      query: { kind: 'RawNode' },
    } as unknown as CompiledQuery);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.pglite.exec('commit');
    void connection;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.pglite.exec('rollback');
    void connection;
  }

  async savepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.pglite.exec(`savepoint ${quoteIdentifier(name)}`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.pglite.exec(`rollback to savepoint ${quoteIdentifier(name)}`);
  }

  async releaseSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    await this.pglite.exec(`release savepoint ${quoteIdentifier(name)}`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection);
    this.#releases.delete(connection);
    release?.();
  }

  async destroy(): Promise<void> {
    // The PGlite instance is owned (and closed) by openDatabase.
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PgliteDialect implements Dialect {
  constructor(
    private readonly pglite: PGlite,
    private readonly lock: SessionLock,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.pglite, this.lock);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
