import { Refused, SystemicRefusal, writeIsolating } from './isolate-rejects';

/** An error as node-postgres raises it for a row a trigger refused. */
const refusedError = () => Object.assign(new Error('blocked'), { code: 'P0001' });

/** A table that refuses the statement when it holds a poison item; records what was written. */
function table(poison: ReadonlySet<number>, failFirst?: unknown) {
  const written: number[] = [];
  const statements: number[][] = [];
  let pending = failFirst;
  const write = async (xs: readonly number[]) => {
    statements.push([...xs]);
    if (pending !== undefined) {
      const e = pending;
      pending = undefined;
      throw e;
    }
    if (xs.some((x) => poison.has(x))) throw refusedError();
    written.push(...xs);
    return xs.map((x) => x * 10);
  };
  return { write, written, statements };
}

describe('writeIsolating', () => {
  it('writes everything in one statement when nothing is refused', async () => {
    const t = table(new Set());
    expect(await writeIsolating([1, 2, 3], t.write)).toEqual([10, 20, 30]);
    expect(t.statements).toEqual([[1, 2, 3]]);
  });

  it('retries, then splits until only the refused items are left out, in order', async () => {
    const t = table(new Set([6, 13]));
    const items = Array.from({ length: 16 }, (_, i) => i + 1);
    const splits: number[] = [];
    const out = await writeIsolating(items, t.write, { attempts: 2, onSplit: (n) => splits.push(n) });
    expect(out.map((r) => (r instanceof Refused ? 'refused' : r))).toEqual(
      items.map((x) => (x === 6 || x === 13 ? 'refused' : x * 10)),
    );
    expect((out[5] as Refused).error).toMatchObject({ code: 'P0001' });
    expect(t.written).toEqual(items.filter((x) => x !== 6 && x !== 13));
    // Whole statement twice, then log2(16) levels around each of the two poison items.
    expect(t.statements.slice(0, 2)).toEqual([items, items]);
    expect(splits[0]).toBe(16);
    expect(t.statements.length).toBeLessThanOrEqual(2 + 2 * 2 * Math.log2(16));
  });

  it('refuses a single item after its tries', async () => {
    const t = table(new Set([1]));
    const out = await writeIsolating([1], t.write, { attempts: 3 });
    expect(out[0]).toBeInstanceOf(Refused);
    expect(t.statements).toEqual([[1], [1], [1]]);
  });

  it('throws transient and unexplained errors as they are, without splitting', async () => {
    const lost = Object.assign(new Error('terminating connection'), { code: '57P01' });
    await expect(writeIsolating([1, 2], table(new Set(), lost).write)).rejects.toBe(lost);
    const missing = Object.assign(new Error('relation does not exist'), { code: '42P01' });
    const t = table(new Set(), missing);
    await expect(writeIsolating([1, 2], t.write)).rejects.toBe(missing);
    expect(t.statements).toEqual([[1, 2]]);
  });

  it('a transient error while splitting fails the whole write', async () => {
    let calls = 0;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const write = async (xs: readonly number[]) => {
      calls++;
      if (calls <= 2) throw refusedError();
      if (calls === 3) return xs.map(() => 0);
      throw deadlock;
    };
    await expect(writeIsolating([1, 2, 3, 4], write)).rejects.toBe(deadlock);
  });

  it('a write that succeeds on its retry is not split', async () => {
    const t = table(new Set(), refusedError());
    expect(await writeIsolating([1, 2], t.write)).toEqual([10, 20]);
    expect(t.statements).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('a write whose every item is refused is not blamed on its messages', async () => {
    const items = Array.from({ length: 8 }, (_, i) => i + 1);
    const t = table(new Set(items));
    const err = await writeIsolating(items, t.write).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemicRefusal);
    expect((err as SystemicRefusal).items).toBe(8);
    expect(t.written).toEqual([]);
    // Below the threshold a unit of refused items is still isolated (a few poison messages together).
    const few = await writeIsolating([1, 2, 3], table(new Set([1, 2, 3])).write);
    expect(few.every((r) => r instanceof Refused)).toBe(true);
  });
});
