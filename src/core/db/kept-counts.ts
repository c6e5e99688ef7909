/**
 * Counts too costly to make on every page view and not needed to the second: a listing's total past a thousand
 * problems, the number of people on the home page. Each is kept in this process for a while, per database; a count
 * below `keepFrom` is never kept, so a small site (and every test) sees its figures change at once.
 */
interface Kept {
  value: number;
  until: number;
}

const perDatabase = new WeakMap<object, Map<string, Kept>>();
/** Listings differ in their filters and search words: the oldest entries go first beyond this many. */
const maxKept = 2000;

export async function keptCount(
  database: object,
  key: string,
  options: { seconds: number; keepFrom: number; now?: number },
  count: () => Promise<number>,
): Promise<number> {
  let kept = perDatabase.get(database);
  if (!kept) {
    kept = new Map();
    perDatabase.set(database, kept);
  }
  const now = options.now ?? Date.now();
  const known = kept.get(key);
  if (known && known.until > now) return known.value;
  const value = await count();
  kept.delete(key);
  if (value >= options.keepFrom) {
    kept.set(key, { value, until: now + options.seconds * 1000 });
    if (kept.size > maxKept) kept.delete(kept.keys().next().value as string);
  }
  return value;
}
