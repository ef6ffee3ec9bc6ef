import type { ClientBase } from 'pg';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * The batch's order for quintiles: non-buyers count as 0, customer_id breaks ties. The ranking is one
 * sort of the table and one window over it (the quintile and the row number). Where each quintile
 * starts follows from the row count (`total`, one more read of the same snapshot, far cheaper than a
 * second window marking the buckets' edges): NTILE(5) over n rows gives the first n % 5 quintiles
 * floor(n / 5) + 1 rows and the others floor(n / 5), so quintile k starts at row
 * (k - 1) * floor(n / 5) + least(k - 1, n % 5) + 1. Only the rows to write and the first rows of
 * quintiles 2-5 (the cut points) are kept (`marked`): on a day when no quintile moves, a handful of
 * rows. Each row to write is found again by its `ctid` (a TID scan, not a hash join with a second scan
 * of the table; see JOIN_BY_TID), in the order of the table's pages: in ranking order every write would
 * land on a random page, and with a table larger than shared_buffers each would read and write a page
 * back (at 1M rows 770,000 pages dirtied for 55,000 in the table, 13 of the statement's 20 s). The
 * snapshot's `ctid` stays the row's (its version cannot be vacuumed away under the snapshot; a
 * concurrent update is followed to the newest version), and the stored score is checked again on the
 * row reached.
 */
function scoreClvSql(capture: CaptureSql | null): string {
  return `WITH total AS MATERIALIZED (
  SELECT count(*) AS n FROM customer_360_rows
),
starts AS MATERIALIZED (
  SELECT k AS bucket, (k - 1) * (n / 5) + least(k - 1, n % 5) + 1 AS rn
  FROM total, generate_series(2, 5) AS k
  WHERE (k - 1) * (n / 5) + least(k - 1, n % 5) + 1 <= n
),
ranked AS (
  SELECT
    ctid AS tid,
    customer_id,
    COALESCE(total_lifetime_value, 0) AS ltv,
    customer_lifetime_value_score AS stored,
    ntile(5) OVER w AS score,
    row_number() OVER w AS rn
  FROM customer_360_rows
  WINDOW w AS (ORDER BY COALESCE(total_lifetime_value, 0), customer_id)
),
marked AS MATERIALIZED (
  SELECT r.*, r.rn IN (SELECT rn FROM starts) AS first_of_bucket
  FROM ranked r
  WHERE r.stored IS DISTINCT FROM r.score OR r.rn IN (SELECT rn FROM starts)
  ORDER BY r.tid
),
changed AS (
  UPDATE customer_360_rows AS c SET customer_lifetime_value_score = r.score
  FROM marked r
  WHERE r.stored IS DISTINCT FROM r.score
    AND c.ctid = r.tid
    AND c.customer_lifetime_value_score IS DISTINCT FROM r.score
  RETURNING 1${capture?.returning ?? ''}
)${capture?.cte ?? ''},
cuts AS (
  INSERT INTO scoring_clv_cut_points (run_id, bucket, ltv, customer_id)
  SELECT $1, score, ltv, customer_id
  FROM marked
  WHERE first_of_bucket
  RETURNING 1
)
SELECT
  (SELECT count(*) FROM changed)::int8 AS changed,
  (SELECT n FROM total)::int8 AS rows,
  (SELECT count(*) FROM cuts)::int AS cut_points`;
}

/**
 * Planner settings for the CLV statement, local to the step's transaction: its one join
 * (the rows to write against customer_360_rows) is to be a nested loop over TID scans. The planner prices
 * a TID scan as a random page read and would rather hash the rows to write and scan the table again.
 */
const JOIN_BY_TID = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';
const JOIN_DEFAULTS = 'SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT';

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
    await client.query(JOIN_BY_TID);
    const res = await client.query<{ changed: string; rows: string; cut_points: number }>(
      capture ? scoreClvSql(capture) : SCORE_CLV_SQL,
      [runId],
    );
    await client.query(JOIN_DEFAULTS);
    return res.rows[0]!;
  });
  return { rows: Number(r.rows), changed: Number(r.changed), cutPoints: r.cut_points, triggersQueued };
}
