/**
 * Requests that arrive together share one statement. `perTurn(batch)` is a DataLoader that gathers
 * the loads of one turn of the event loop (everything the poll phase delivered, flushed in the check
 * phase by setImmediate) and hands them to `batch` at once. A lone request waits only for the end of
 * that turn; N requests arriving together cost one statement instead of N. Nothing is cached: every
 * load reaches the database.
 */
import DataLoader from 'dataloader';
import type { Database, Executor } from '../db/database.ts';

export function perTurn<K, V>(batch: DataLoader.BatchLoadFn<K, V>, maxBatchSize = 100): DataLoader<K, V> {
  return new DataLoader(batch, { cache: false, maxBatchSize, batchScheduleFn: (run) => setImmediate(run) });
}

/**
 * One batcher per database, made on first use. A batch mixes the requests of many callers, so it
 * runs on the root database and commits on its own, never inside one caller's transaction.
 */
export function perDatabase<V>(values: WeakMap<Database, V>, db: Executor, make: () => V): V {
  if (db.isTransaction) throw new Error('batched statements run on the root database, outside any transaction');
  const root = db as Database;
  let value = values.get(root);
  if (value === undefined) {
    value = make();
    values.set(root, value);
  }
  return value;
}
