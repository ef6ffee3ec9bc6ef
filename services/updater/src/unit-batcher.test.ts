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

describe('UnitBatcher with two stages', () => {
  /** Units whose stages wait for `release(name)`; `log` records each stage's start and end in order. */
  function staged(maxItems: number) {
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const wait = (name: string) =>
      new Promise<void>((r) => {
        log.push(`${name} start`);
        gates.set(name, r);
      });
    const batcher = new UnitBatcher<string, string>({
      maxItems,
      lingerMs: 10_000,
      runStaged: async (items) => {
        const u = items.join('');
        await wait(`${u}1`);
        log.push(`${u}1 end`);
        if (u.includes('x')) throw new Error(`first stage of ${u} failed`);
        return {
          result: u,
          second: async () => {
            await wait(`${u}2`);
            log.push(`${u}2 end`);
            if (u.includes('y')) throw new Error(`second stage of ${u} failed`);
          },
        };
      },
    });
    const tick = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    const release = async (name: string) => {
      await tick();
      const g = gates.get(name);
      if (!g) throw new Error(`${name} is not waiting (log: ${log.join(', ')})`);
      gates.delete(name);
      g();
      await tick();
    };
    return { batcher, log, release, waiting: () => [...gates.keys()].sort() };
  }

  it("resolves a submit with the first stage and runs the next unit's first stage during this one's second", async () => {
    const s = staged(1);
    const a = s.batcher.submit(['a']);
    const b = s.batcher.submit(['b']);
    await s.release('a1');
    await expect(a).resolves.toBe('a');
    expect(s.waiting()).toEqual(['a2', 'b1']); // b's first stage overlaps a's second
    await s.release('b1');
    await expect(b).resolves.toBe('b');
    expect(s.waiting()).toEqual(['a2']); // b's second waits for a's
    expect(s.batcher.busy).toBe(true);
    await s.release('a2');
    await s.release('b2');
    await s.batcher.drained();
    expect(s.log).toEqual(['a1 start', 'a1 end', 'a2 start', 'b1 start', 'b1 end', 'a2 end', 'b2 start', 'b2 end']);
    expect(s.batcher.busy).toBe(false);
  });

  it('holds at most two units in flight: a first stage waits for the second stage two units before', async () => {
    const s = staged(1);
    const units = ['a', 'b', 'c'].map((u) => s.batcher.submit([u]));
    await s.release('a1');
    await s.release('b1');
    expect(s.waiting()).toEqual(['a2']); // c1 waits until a is done
    await s.release('a2');
    expect(s.waiting()).toEqual(['b2', 'c1']);
    await s.release('b2');
    await s.release('c1');
    await s.release('c2');
    await expect(Promise.all(units)).resolves.toEqual(['a', 'b', 'c']);
  });

  it('rejects a submit whose first stage failed; a failed second stage stops neither the next units nor drained', async () => {
    const s = staged(1);
    const x = s.batcher.submit(['x']).catch((e: Error) => e.message);
    const y = s.batcher.submit(['y']);
    const z = s.batcher.submit(['z']);
    await s.release('x1');
    await expect(x).resolves.toBe('first stage of x failed');
    await s.release('y1');
    await expect(y).resolves.toBe('y');
    await s.release('y2');
    await s.release('z1');
    await s.release('z2');
    await expect(z).resolves.toBe('z');
    await s.batcher.drained();
    expect(s.log.filter((l) => l.endsWith('end'))).toEqual(['x1 end', 'y1 end', 'y2 end', 'z1 end', 'z2 end']);
  });

  it('drained starts a unit still lingering and waits for it', async () => {
    const s = staged(10);
    const a = s.batcher.submit(['a']); // lingers for 10 s below maxItems
    const drained = s.batcher.drained();
    await s.release('a1');
    await expect(a).resolves.toBe('a');
    await s.release('a2');
    await drained;
    expect(s.batcher.busy).toBe(false);
  });
});
