import { rampRates } from './ramp';

/** A fake measurement: p99 by rate from `p99`, each call of a rate taking the next value listed. */
function fake(p99: Record<number, number[]>) {
  const calls: number[] = [];
  const measure = async (rate: number) => {
    calls.push(rate);
    const left = p99[rate] ?? [100];
    return { rate, p99Ms: left.length > 1 ? left.shift()! : left[0]! };
  };
  return { calls, measure, kept: (r: { p99Ms: number }) => r.p99Ms <= 10 };
}

describe('rampRates', () => {
  it('re-measures a missed rate once and goes on when the second measurement is kept', async () => {
    const f = fake({ 125: [1], 250: [50, 2], 500: [3], 1000: [40, 40], 750: [5], 875: [20, 30], 813: [6] });
    const r = await rampRates({ start: 125, max: 64_000, bisections: 3, measure: f.measure, kept: f.kept });
    expect(f.calls).toEqual([125, 250, 250, 500, 1000, 1000, 750, 875, 875, 813]);
    expect(r.best).toBe(813);
    expect(r.points.map((p) => [p.rate, p.attempt, p.kept])).toEqual([
      [125, 1, true],
      [250, 1, false],
      [250, 2, true],
      [500, 1, true],
      [1000, 1, false],
      [1000, 2, false],
      [750, 1, true],
      [875, 1, false],
      [875, 2, false],
      [813, 1, true],
    ]);
  });

  it('reports no rate when the first one misses twice, and stops at max', async () => {
    const f = fake({ 125: [20, 20] });
    expect((await rampRates({ start: 125, max: 1000, bisections: 3, ...f })).best).toBeNull();
    expect(f.calls).toEqual([125, 125]);
    const g = fake({ 125: [1], 250: [1], 500: [1], 1000: [1] });
    const r = await rampRates({ start: 125, max: 1000, bisections: 3, ...g });
    expect(r.best).toBe(1000);
    expect(g.calls).toEqual([125, 250, 500, 1000]);
  });
});
