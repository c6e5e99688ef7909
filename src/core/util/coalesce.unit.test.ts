import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalesce.ts';

/** A counter that only moves when the test says so, and a read of it that finishes when told. */
function harness() {
  let value = 0;
  let runs = 0;
  const pending: (() => void)[] = [];
  const read = () =>
    new Promise<number>((resolve) => {
      runs += 1;
      const seen = value; // what a statement sees is fixed when it starts
      pending.push(() => resolve(seen));
    });
  const finishNext = async () => {
    for (let i = 0; i < 20 && pending.length === 0; i++) await Promise.resolve();
    pending.shift()?.();
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    read,
    finishNext,
    write: () => {
      value += 1;
    },
    get runs() {
      return runs;
    },
  };
}

describe('Coalescer', () => {
  it('answers every caller with a run that started after it asked', async () => {
    const h = harness();
    const c = new Coalescer<string, number>();
    h.write();
    const first = c.fresh('a', h.read); // starts a run that will see 1
    await Promise.resolve();
    h.write(); // committed after the first run started
    const second = c.fresh('a', h.read);
    const third = c.fresh('a', h.read);
    h.write();
    const fourth = c.fresh('a', h.read);
    await h.finishNext();
    expect(await first).toBe(1);
    await h.finishNext();
    // One queued run for everyone who arrived while the first ran; it started after their writes.
    expect(await Promise.all([second, third, fourth])).toEqual([3, 3, 3]);
    expect(h.runs).toBe(2);
    expect(c.size).toBe(0);
  });

  it('keeps keys apart and recovers from a failed run', async () => {
    const c = new Coalescer<number, number>();
    const failing = c.fresh(1, () => Promise.reject(new Error('boom')));
    const queued = c.fresh(1, async () => 7);
    const other = c.fresh(2, async () => 9);
    await expect(failing).rejects.toThrow('boom');
    expect(await queued).toBe(7);
    expect(await other).toBe(9);
    expect(c.size).toBe(0);
  });
});
