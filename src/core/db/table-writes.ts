/**
 * Which tables this process has written, counted as each write commits: what is kept for many readers
 * (kept-reads.ts) is made again as soon as a table it was read from changed here, whichever module wrote it.
 * The count is taken at the driver, under every query builder and raw `sql`: a statement that names a table
 * after `insert into`, `update`, `delete from`, `merge into` or `truncate` (a data-modifying CTE too) counts as
 * a write to it when it commits (at once outside a transaction; at the commit inside one; never after a
 * rollback). Rows a trigger writes count only as a write to the table the statement names. Other processes'
 * writes are not seen here: what is kept says how long it may miss them.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { DB } from './schema.ts';

export type TableName = keyof DB;

/** The committed writes of one database, by table. */
export class TableWrites {
  readonly #counts = new Map<string, number>();

  /** How many writes to any of these tables this process has committed: it grows with each. */
  count(tables: readonly TableName[]): number {
    let sum = 0;
    for (const table of tables) sum += this.#counts.get(table) ?? 0;
    return sum;
  }

  committed(tables: Iterable<string>): void {
    for (const table of tables) this.#counts.set(table, (this.#counts.get(table) ?? 0) + 1);
  }
}

const mayWrite = /\b(?:insert|update|delete|merge|truncate)\b/i;
const tableName = String.raw`(?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?`;
const writtenTable = new RegExp(String.raw`\b(?:insert\s+into|update|delete\s+from|merge\s+into)\s+(?:only\s+)?(${tableName})`, 'gi');
const truncated = new RegExp(String.raw`\btruncate(?:\s+table)?\s+((?:only\s+)?${tableName}(?:\s*,\s*(?:only\s+)?${tableName})*)`, 'gi');
const unquoted = (table: string) => (table.split('.').pop() as string).replaceAll('"', '');

/** The tables a statement writes (`for update` and `do update set` add names of no table, which nothing asks for). */
export function tablesWritten(text: string): string[] {
  if (!mayWrite.test(text)) return [];
  const tables: string[] = [];
  for (const match of text.matchAll(writtenTable)) tables.push(unquoted(match[1] as string));
  for (const match of text.matchAll(truncated)) {
    for (const table of (match[1] as string).split(',')) tables.push(unquoted(table.trim().replace(/^only\s+/i, '')));
  }
  return tables;
}

/** A connection as the watching driver hands it out: the writes of its open transaction wait for the commit. */
class WatchedConnection implements DatabaseConnection {
  inTransaction = false;
  readonly pending = new Set<string>();

  constructor(
    readonly inner: DatabaseConnection,
    private readonly writes: TableWrites,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(compiledQuery);
    this.noteWrites(compiledQuery.sql);
    return result;
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    this.noteWrites(compiledQuery.sql);
  }

  private noteWrites(text: string): void {
    const tables = tablesWritten(text);
    if (tables.length === 0) return;
    if (this.inTransaction) for (const table of tables) this.pending.add(table);
    else this.writes.committed(tables);
  }
}

class WatchingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly writes: TableWrites,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new WatchedConnection(await this.inner.acquireConnection(), this.writes);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const watched = connection as WatchedConnection;
    await this.inner.beginTransaction(watched.inner, settings);
    watched.inTransaction = true;
    watched.pending.clear();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const watched = connection as WatchedConnection;
    try {
      await this.inner.commitTransaction(watched.inner);
    } finally {
      // Counted even when the commit's answer was lost: a change counted that did not happen only makes a reader read again.
      watched.inTransaction = false;
      this.writes.committed(watched.pending);
      watched.pending.clear();
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const watched = connection as WatchedConnection;
    watched.inTransaction = false;
    watched.pending.clear();
    await this.inner.rollbackTransaction(watched.inner);
  }

  // Savepoints keep the transaction's pending writes: one rolled back to a savepoint is still counted at the commit (harmless).
  async savepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.inner.savepoint) throw new Error('the driver does not support savepoints');
    await this.inner.savepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.inner.rollbackToSavepoint) throw new Error('the driver does not support savepoints');
    await this.inner.rollbackToSavepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.inner.releaseSavepoint) throw new Error('the driver does not support savepoints');
    await this.inner.releaseSavepoint((connection as WatchedConnection).inner, name, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const watched = connection as WatchedConnection;
    // A connection handed back inside a transaction (its commit or rollback failed) counts what it wrote.
    if (watched.inTransaction) this.writes.committed(watched.pending);
    await this.inner.releaseConnection(watched.inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** The same dialect, with its writes counted in `writes`. */
export function watchingWrites(dialect: Dialect, writes: TableWrites): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new WatchingDriver(dialect.createDriver(), writes),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/** Each open database's writes, by its Kysely instance (database.ts registers them). */
const writesOfDatabase = new WeakMap<object, TableWrites>();

export function registerTableWrites(db: object, writes: TableWrites): void {
  writesOfDatabase.set(db, writes);
}

/** The committed writes of this database in this process; undefined for a handle opened otherwise (a transaction), whose readers keep nothing. */
export function tableWritesOf(db: object): TableWrites | undefined {
  return writesOfDatabase.get(db);
}
