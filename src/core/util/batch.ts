/**
 * Requests that arrive together share one statement. `perTurn(batch)` is a DataLoader that gathers
 * the loads of one turn of the event loop (everything the poll phase delivered, flushed in the check
 * phase by setImmediate) and hands them to `batch` at once. A lone request waits only for the end of
 * that turn; N requests arriving together cost one statement instead of N. Nothing is cached: every
 * load reaches the database.
 */
import DataLoader from 'dataloader';

export function perTurn<K, V>(batch: DataLoader.BatchLoadFn<K, V>, maxBatchSize = 100): DataLoader<K, V> {
  return new DataLoader(batch, { cache: false, maxBatchSize, batchScheduleFn: (run) => setImmediate(run) });
}
