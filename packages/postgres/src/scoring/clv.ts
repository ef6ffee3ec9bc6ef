import type { ClientBase } from 'pg';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * The batch's order for quintiles: non-buyers count as 0, customer_id breaks ties. `n / 5` and
 * `n % 5` give Postgres's NTILE bucket sizes (the first n % 5 buckets hold one row more), so the
 * first row of bucket k is row (k-1)·⌊n/5⌋ + min(k-1, n mod 5) + 1.
 */
function scoreClvSql(capture: CaptureSql | null): string {
  return `WITH ranked AS MATERIALIZED (
  SELECT
    customer_id,
    COALESCE(total_lifetime_value, 0) AS ltv,
    customer_lifetime_value_score AS stored,
    ntile(5) OVER w AS score,
    row_number() OVER w AS rn,
    count(*) OVER () AS n
  FROM customer_360
  WINDOW w AS (ORDER BY COALESCE(total_lifetime_value, 0), customer_id)
),
changed AS (
  UPDATE customer_360 AS c SET customer_lifetime_value_score = r.score
  FROM ranked r
  WHERE r.stored IS DISTINCT FROM r.score
    AND c.customer_id = r.customer_id
    AND c.customer_lifetime_value_score IS DISTINCT FROM r.score
  RETURNING 1${capture?.returning ?? ''}
)${capture?.cte ?? ''},
cuts AS (
  INSERT INTO scoring_clv_cut_points (run_id, bucket, ltv, customer_id)
  SELECT $1, score, ltv, customer_id
  FROM ranked
  WHERE score > 1 AND rn = (score - 1) * (n / 5) + least(score - 1, n % 5) + 1
  RETURNING 1
)
SELECT
  (SELECT count(*) FROM changed)::int8 AS changed,
  (SELECT count(*) FROM ranked)::int8 AS rows,
  (SELECT count(*) FROM cuts)::int AS cut_points`;
}

const SCORE_CLV_SQL = scoreClvSql(null);

/** The quintile before and after, for trigger rules watching it (`stored` is the value the ranking read). */
const CLV_VALUES = { customer_lifetime_value_score: { old: 'r.stored', new: 'r.score' } };

export interface ClvStepResult {
  /** customer_360 rows scored. */
  rows: number;
  /** Rows whose quintile was written. */
  changed: number;
  cutPoints: number;
  /** Personalization triggers the changed quintiles raised (queued in the outbox). */
  triggersQueued: number;
}

/**
 * customer_lifetime_value_score = NTILE(5) over every customer_360 row, in one statement that writes
 * only the rows whose score changes and records the run's cut points. Run it inside the step's
 * transaction (`client` in BEGIN): the scores, their cut points and the triggers they raise commit
 * together.
 */
export async function scoreClvQuintiles(
  client: ClientBase,
  runId: number,
  triggers?: StepTriggers,
): Promise<ClvStepResult> {
  const { result: r, triggersQueued } = await withStepTriggers(client, triggers, CLV_VALUES, async (capture) => {
    const res = await client.query<{ changed: string; rows: string; cut_points: number }>(
      capture ? scoreClvSql(capture) : SCORE_CLV_SQL,
      [runId],
    );
    return res.rows[0]!;
  });
  return { rows: Number(r.rows), changed: Number(r.changed), cutPoints: r.cut_points, triggersQueued };
}
