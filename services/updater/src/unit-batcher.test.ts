import { UnitBatcher } from './unit-batcher';

/** A batcher whose units are recorded; `release` lets the running unit finish. */
function recording(options: { maxItems: number; lingerMs: number; sizeOf?: (n: number) => number }) {
  const units: number[][] = [];
  let active = 0;
  let overlapped = false;
  const gates: (() => void)[] = [];
  const batcher = new UnitBatcher<number, number>({
    ...options,
    run: async (items) => {
      active++;
      if (active > 1) overlapped = true;
      units.push(items);
      await new Promise<void>((r) => gates.push(r));
      active--;
      if (items.includes(-1)) throw new Error('unit failed');
      return items.length;
    },
  });
  const releaseAll = async () => {
    // Let each queued unit start, then release it, until none waits.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      const g = gates.shift();
      if (g) g();
    }
  };
  return { batcher, units, releaseAll, overlapped: () => overlapped };
}

describe('UnitBatcher', () => {
  it('coalesces concurrent submits into one unit and resolves each with its unit', async () => {
    const r = recording({ maxItems: 100, lingerMs: 5 });
    const a = r.batcher.submit([1, 2]);
    const b = r.batcher.submit([3]);
    expect(r.batcher.busy).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    await r.releaseAll();
    await expect(Promise.all([a, b])).resolves.toEqual([3, 3]);
    expect(r.units).toEqual([[1, 2, 3]]);
    expect(r.batcher.busy).toBe(false);
  });

  it('starts a unit without waiting once maxItems (by sizeOf) are in, and runs units one after another', async () => {
    const r = recording({ maxItems: 10, lingerMs: 10_000, sizeOf: (n) => n });
    const first = r.batcher.submit([6, 4]); // size 10: starts now, not after 10 s
    const second = r.batcher.submit([10]);
    await r.releaseAll();
    await expect(first).resolves.toBe(2);
    await expect(second).resolves.toBe(1);
    expect(r.units).toEqual([[6, 4], [10]]);
    expect(r.overlapped()).toBe(false);
  });

  it('rejects every submit of a failed unit with its error and goes on with the next', async () => {
    const r = recording({ maxItems: 2, lingerMs: 1 });
    const failed = r.batcher.submit([-1, 1]);
    const next = r.batcher.submit([2, 3]);
    const caught = failed.catch((e: Error) => e.message);
    await r.releaseAll();
    await expect(caught).resolves.toBe('unit failed');
    await expect(next).resolves.toBe(2);
  });
});
