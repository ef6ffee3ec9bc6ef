/**
 * The first row of a CLV quintile bucket in the last scoring run's order
 * (COALESCE(total_lifetime_value, 0), customer_id): a customer sorting at or after it is in that
 * bucket or a higher one.
 */
export interface ClvCutPoint {
  /** 2..5 (bucket 1 starts at the first row and needs no cut point). */
  bucket: number;
  ltvCents: bigint;
  customerId: number;
}

/** What the last scoring run left for estimates between runs. */
export interface ClvCutPoints {
  /** The scoring run the cut points come from. */
  runId: number;
  /** customer_360 rows the run scored. */
  rows: number;
  /** In bucket order; fewer than four when the run had fewer than five rows. */
  points: readonly ClvCutPoint[];
}

function atOrAfter(p: ClvCutPoint, ltvCents: bigint, customerId: number): boolean {
  return ltvCents > p.ltvCents || (ltvCents === p.ltvCents && customerId >= p.customerId);
}

/**
 * The quintile a customer would most likely get from the next scoring run: the highest bucket whose
 * first row sorts at or before (ltv, customer_id), else 1. A customer without purchases counts as 0,
 * as in the run. Null without cut points (no scoring run yet), so the column stays unset until one.
 */
export function estimateClvScore(
  cutPoints: ClvCutPoints | null,
  ltvCents: bigint | null,
  customerId: number,
): number | null {
  if (cutPoints === null) return null;
  const ltv = ltvCents ?? 0n;
  let score = 1;
  for (const p of cutPoints.points) {
    if (p.bucket > score && atOrAfter(p, ltv, customerId)) score = p.bucket;
  }
  return score;
}
