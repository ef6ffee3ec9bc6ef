import type { ClvCutPoints } from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

/** numeric(14,2) text ("1234.5", "12.00", "7") to integer cents. */
export function ltvTextCents(text: string): bigint {
  const [whole = '0', frac = ''] = text.split('.');
  return BigInt(whole) * 100n + BigInt(`${frac}00`.slice(0, 2));
}

/**
 * The cut points of the latest run that scored CLV quintiles, or null before any. One indexed
 * query: the cut points commit with the run's scores, so the latest set matches the stored scores.
 */
export async function latestClvCutPoints(db: Queryable): Promise<ClvCutPoints | null> {
  const res = await db.query<{
    run_id: string;
    rows: string;
    buckets: number[] | null;
    ltvs: string[] | null;
    ids: number[] | null;
  }>(
    `SELECT r.run_id, r.clv_rows AS rows,
            array_agg(p.bucket ORDER BY p.bucket) FILTER (WHERE p.bucket IS NOT NULL) AS buckets,
            array_agg(p.ltv::text ORDER BY p.bucket) FILTER (WHERE p.bucket IS NOT NULL) AS ltvs,
            array_agg(p.customer_id ORDER BY p.bucket) FILTER (WHERE p.bucket IS NOT NULL) AS ids
       FROM (SELECT run_id, clv_rows FROM scoring_runs WHERE clv_rows IS NOT NULL ORDER BY run_id DESC LIMIT 1) r
       LEFT JOIN scoring_clv_cut_points p ON p.run_id = r.run_id
      GROUP BY r.run_id, r.clv_rows`,
  );
  const r = res.rows[0];
  if (!r) return null;
  const buckets = r.buckets ?? [];
  return {
    runId: Number(r.run_id),
    rows: Number(r.rows),
    points: buckets.map((bucket, i) => ({ bucket, ltvCents: ltvTextCents(r.ltvs![i]!), customerId: r.ids![i]! })),
  };
}
