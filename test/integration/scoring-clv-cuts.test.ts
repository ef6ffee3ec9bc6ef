import { scoreClvQuintiles } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import { clearFacts } from '../helpers/facts';

// The CLV step finds where each quintile starts from the row count alone; checked here against
// NTILE(5) itself, for counts around and below five where buckets are uneven or empty.

const db = withDatabase();

async function score(): Promise<{ cuts: unknown[]; result: Awaited<ReturnType<typeof scoreClvQuintiles>> }> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const run = await client.query<{ id: number }>(
      "INSERT INTO scoring_runs (as_of, holder) VALUES ('2026-07-01', 'test') RETURNING run_id::int AS id",
    );
    const result = await scoreClvQuintiles(client, run.rows[0]!.id);
    const cuts = (
      await client.query(
        'SELECT bucket, ltv::text, customer_id FROM scoring_clv_cut_points WHERE run_id = $1 ORDER BY bucket',
        [run.rows[0]!.id],
      )
    ).rows;
    await client.query('COMMIT');
    return { cuts, result };
  } finally {
    client.release();
  }
}

test.each([0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 23])('%i rows: scores and cut points as NTILE(5) gives them', async (n) => {
  await clearFacts(db.pool);
  // Ties on the lifetime value (and NULLs, counted as 0) so that customer_id decides the order.
  for (let i = 1; i <= n; i++) {
    await db.pool.query('INSERT INTO customer_360 (customer_id, total_lifetime_value) VALUES ($1, $2)', [
      (i * 7) % 31,
      i % 3 === 0 ? null : ((i * 13) % 4) * 10,
    ]);
  }
  const { cuts, result } = await score();
  const expected = await db.pool.query(
    `SELECT customer_id, ltv::numeric(14, 2)::text AS ltv, score, score IS DISTINCT FROM lag(score) OVER w AS first
     FROM (SELECT customer_id, COALESCE(total_lifetime_value, 0) AS ltv,
                  ntile(5) OVER (ORDER BY COALESCE(total_lifetime_value, 0), customer_id) AS score
           FROM customer_360) s
     WINDOW w AS (ORDER BY ltv, customer_id)`,
  );
  const stored = await db.pool.query(
    'SELECT customer_id, customer_lifetime_value_score AS score FROM customer_360 ORDER BY customer_id',
  );
  expect(new Map(stored.rows.map((r) => [r.customer_id, r.score]))).toEqual(
    new Map(expected.rows.map((r) => [r.customer_id, r.score])),
  );
  expect(cuts).toEqual(
    expected.rows
      .filter((r) => r.first && r.score > 1)
      .map((r) => ({ bucket: r.score, ltv: r.ltv, customer_id: r.customer_id })),
  );
  expect(result).toMatchObject({ rows: n, changed: n, cutPoints: Math.max(0, Math.min(n, 5) - 1) });
});
