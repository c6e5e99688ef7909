/**
 * What many readers ask for at once and everyone sees alike (an organization's page: its details, its problems'
 * cards): made once and kept in this process, made again as soon as this process commits a write to any table it
 * was read from (table-writes.ts), so a change made here shows at once, and renewed every `keptReadMs` for the
 * changes of other processes (another app node, a worker when ROLE is split). While it is renewed for age alone,
 * readers get the kept one, so a change made elsewhere shows within `keptReadMs` and the time it takes to make it.
 * Readers that arrive while it is first made (or made again after a write) share it. What is kept must be the
 * same for every reader: nothing of a signed-in person's own.
 */
import { type TableName, tableWritesOf } from './table-writes.ts';

/** How long a kept read serves readers before it is renewed (the league snapshot's figure, answers.ratings.ts). */
export const keptReadMs = 2_000;

interface Kept {
  /** The last one made, once it is made. */
  value?: unknown;
  /** The count of writes to its tables when it began to be made: a write committed since retires it. */
  writes: number;
  madeAt: number;
  /** The one being made, and the count of writes when it began. */
  making?: Promise<unknown>;
  makingWrites: number;
}

const keptOfDatabase = new WeakMap<object, Map<string, Kept>>();
/** Entries of pages nobody reads again go first beyond this many (insertion order is the order they were first made). */
const maxKept = 5000;

export function keptRead<T>(db: object, key: string, tables: readonly TableName[], make: () => Promise<T>): Promise<T> {
  const writes = tableWritesOf(db);
  if (!writes) return make();
  let kept = keptOfDatabase.get(db);
  if (!kept) {
    kept = new Map();
    keptOfDatabase.set(db, kept);
  }
  const map = kept;
  const written = writes.count(tables);
  const now = performance.now();
  let entry = map.get(key);
  const current = entry && 'value' in entry && entry.writes === written;
  if (entry && current && now - entry.madeAt <= keptReadMs) return Promise.resolve(entry.value as T);
  if (entry?.making && entry.makingWrites === written) return current ? Promise.resolve(entry.value as T) : (entry.making as Promise<T>);
  if (!entry) {
    entry = { writes: written, madeAt: now, makingWrites: written };
    map.set(key, entry);
    if (map.size > maxKept) map.delete(map.keys().next().value as string);
  }
  const making = make();
  const started = entry;
  started.making = making;
  started.makingWrites = written;
  making.then(
    (value) => {
      if (started.making !== making) return;
      started.value = value;
      started.writes = written;
      started.madeAt = now;
      started.making = undefined;
    },
    () => {
      // Not kept: the next reader makes it again (and sees the error if it persists).
      if (map.get(key) === started && started.making === making) map.delete(key);
    },
  );
  // Renewed for its age alone: this reader, like those until it is made, gets the one kept.
  return current ? Promise.resolve(started.value as T) : making;
}
