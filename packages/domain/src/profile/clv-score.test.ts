import { type ClvCutPoints, estimateClvScore } from './clv-score';

/** Ten rows with LTVs 0, 0, 10, 10, 20, 20, 30, 30, 40, 40 (ids 1..10): buckets of two. */
const tenRows: ClvCutPoints = {
  runId: 1,
  rows: 10,
  points: [
    { bucket: 2, ltvCents: 1000n, customerId: 3 },
    { bucket: 3, ltvCents: 2000n, customerId: 5 },
    { bucket: 4, ltvCents: 3000n, customerId: 7 },
    { bucket: 5, ltvCents: 4000n, customerId: 9 },
  ],
};

describe('estimateClvScore', () => {
  it('is null before any scoring run', () => {
    expect(estimateClvScore(null, 5000n, 1)).toBeNull();
  });

  it.each([
    [0n, 1, 1],
    [999n, 100, 1],
    [1000n, 2, 1], // same LTV as the cut point, smaller id: still before it
    [1000n, 3, 2], // the cut point itself
    [1000n, 4, 2],
    [2500n, 1, 3],
    [3999n, 99, 4],
    [4000n, 8, 4],
    [4000n, 9, 5],
    [10_000_000n, 1, 5],
  ])('ltv %p cents, customer %p -> %p', (ltv, id, score) => {
    expect(estimateClvScore(tenRows, ltv, id)).toBe(score);
  });

  it('counts a customer without purchases as 0', () => {
    expect(estimateClvScore(tenRows, null, 1)).toBe(1);
    const zeros: ClvCutPoints = {
      runId: 2,
      rows: 5,
      points: [2, 3, 4, 5].map((b) => ({ bucket: b, ltvCents: 0n, customerId: b })),
    };
    expect(estimateClvScore(zeros, null, 4)).toBe(4);
    expect(estimateClvScore(zeros, null, 100)).toBe(5);
  });

  it('never goes above the buckets the run had', () => {
    const threeRows: ClvCutPoints = {
      runId: 3,
      rows: 3,
      points: [
        { bucket: 2, ltvCents: 500n, customerId: 2 },
        { bucket: 3, ltvCents: 900n, customerId: 3 },
      ],
    };
    expect(estimateClvScore(threeRows, 1_000_000n, 50)).toBe(3);
    expect(estimateClvScore({ runId: 4, rows: 0, points: [] }, 1_000_000n, 50)).toBe(1);
  });
});
