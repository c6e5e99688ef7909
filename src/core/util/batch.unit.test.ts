import { describe, expect, it } from 'vitest';
import type { Database, Executor } from '../db/database.ts';
import { perDatabase, perTurn } from './batch.ts';

describe('perTurn', () => {
  it('hands the loads of one turn of the event loop to one batch, and later loads to the next', async () => {
    const batches: number[][] = [];
    const loader = perTurn(async (keys: readonly number[]) => {
      batches.push([...keys]);
      return keys.map((key) => key * 10);
    });
    const together = await Promise.all([1, 2, 3].map((key) => loader.load(key)));
    const alone = await loader.load(4);
    expect(together).toEqual([10, 20, 30]);
    expect(alone).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('loads the same key again instead of answering from a cache', async () => {
    let calls = 0;
    const loader = perTurn(async (keys: readonly string[]) => {
      calls += 1;
      return keys.map(() => calls);
    });
    expect(await loader.load('a')).toBe(1);
    expect(await loader.load('a')).toBe(2);
  });

  it('gives each load its own answer or error, and splits batches larger than the limit', async () => {
    const sizes: number[] = [];
    const loader = perTurn(async (keys: readonly number[]) => {
      sizes.push(keys.length);
      return keys.map((key) => (key % 2 ? new Error(`odd ${key}`) : key));
    }, 3);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((key) => loader.load(key)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['odd 1', 2, 'odd 3', 4, 'odd 5']);
    expect(sizes).toEqual([3, 2]);
  });

  it('waits for the turn to end, so loads made from callbacks of the same poll phase join the batch', async () => {
    const batches: number[][] = [];
    const loader = perTurn(async (keys: readonly number[]) => {
      batches.push([...keys]);
      return [...keys];
    });
    // Two I/O-like callbacks in the same turn: a microtask chain in between does not flush the batch.
    const first = loader.load(1);
    await Promise.resolve();
    await Promise.resolve();
    const second = loader.load(2);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });
});

describe('perDatabase', () => {
  it('makes one value per database, and refuses a transaction', () => {
    const values = new WeakMap<Database, { made: number }>();
    let made = 0;
    const make = () => ({ made: ++made });
    const first = { isTransaction: false } as unknown as Executor;
    const second = { isTransaction: false } as unknown as Executor;
    expect(perDatabase(values, first, make)).toBe(perDatabase(values, first, make));
    expect(perDatabase(values, second, make)).toEqual({ made: 2 });
    expect(() => perDatabase(values, { isTransaction: true } as unknown as Executor, make)).toThrow(/outside any transaction/);
    expect(made).toBe(2);
  });
});
