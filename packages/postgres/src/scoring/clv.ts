import type { ClientBase } from 'pg';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * The batch's order for quintiles: non-buyers count as 0, customer_id breaks ties. The ranking is one
 * sort of the table; a second window over the same order (no second sort) marks the first row of each
 * quintile (its cut point) and the last row (whose row number is the count). Only the rows to write and
 * those marked are kept (`marked`): on a day when no quintile moves, a handful of rows. Each row to
 * write is found again by its `ctid` (a TID scan, not a hash join with a second scan of the table; see
 * JOIN_BY_TID), in the order of the table's pages: in ranking order every write would land on a random
 * page, and with a table larger than shared_buffers each would read and write a page back (at 1M rows
 * 770,000 pages dirtied for 55,000 in the table, 13 of the statement's 20 s). The snapshot's `ctid`
 * stays the row's (its version cannot be vacuumed away under the snapshot; a concurrent update is
 * followed to the newest version), and the stored score is checked again on the row reached.
 */
function scoreClvSql(capture: CaptureSql | null): string {
  return `WITH ranked AS (
  SELECT
    tid, customer_id, ltv, stored, score,
    score IS DISTINCT FROM lag(score) OVER w AS first_of_bucket,
    lead(score) OVER w IS NULL AS last_row,
    row_number() OVER w AS rn
  FROM (
    SELECT
      ctid AS tid,
      customer_id,
      COALESCE(total_lifetime_value, 0) AS ltv,
      customer_lifetime_value_score AS stored,
      ntile(5) OVER (ORDER BY COALESCE(total_lifetime_value, 0), customer_id) AS score
    FROM customer_360
  ) scored
  WINDOW w AS (ORDER BY ltv, customer_id)
),
marked AS MATERIALIZED (
  SELECT * FROM ranked
  WHERE stored IS DISTINCT FROM score OR (first_of_bucket AND score > 1) OR last_row
  ORDER BY tid
),
changed AS (
  UPDATE customer_360 AS c SET customer_lifetime_value_score = r.score
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
  WHERE first_of_bucket AND score > 1
  RETURNING 1
)
SELECT
  (SELECT count(*) FROM changed)::int8 AS changed,
  COALESCE((SELECT rn FROM marked WHERE last_row), 0)::int8 AS rows,
  (SELECT count(*) FROM cuts)::int AS cut_points`;
}

/**
 * Planner settings for the CLV and date statements, local to the step's transaction: their one join
 * (the rows to write against customer_360) is to be a nested loop over TID scans. The planner prices
 * a TID scan as a random page read and would rather hash the rows to write and scan the table again.
 */
export const JOIN_BY_TID = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';
export const JOIN_DEFAULTS = 'SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT';

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
