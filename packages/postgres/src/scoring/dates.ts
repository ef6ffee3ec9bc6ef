import type { ClientBase } from 'pg';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * The date-dependent columns exactly as batch-customer-360.sql computes them, with `$1` the as-of
 * date, over customer_360's own columns (the batch qualifies them with its join aliases;
 * dates.test.ts checks that the texts stay the same).
 */
export const DATE_COLUMN_SQL = {
  age: `extract(year FROM $1::date)::integer - extract(year FROM date_of_birth)::integer
      - CASE
          WHEN (extract(month FROM $1::date), extract(day FROM $1::date))
             < (extract(month FROM date_of_birth), extract(day FROM date_of_birth))
          THEN 1 ELSE 0
        END`,
  customer_tenure_days: '$1::date - registration_date',
  days_since_last_purchase: '$1::date - last_purchase_date',
  churn_risk_score: `CASE
    WHEN last_purchase_date IS NULL THEN NULL
    WHEN days_since_last_purchase > 365 THEN 5
    WHEN days_since_last_purchase > 180 THEN 4
    WHEN days_since_last_purchase > 90 THEN 3
    WHEN days_since_last_purchase > 30 THEN 2
    ELSE 1
  END`,
} as const;

/** The churn score from the as-of date directly (in an UPDATE's SET the column names read the old row). */
const FRESH_CHURN_SQL = DATE_COLUMN_SQL.churn_risk_score.replaceAll(
  'days_since_last_purchase',
  `(${DATE_COLUMN_SQL.days_since_last_purchase})`,
);

/** The stored columns and their values for the as-of date, in customer_360's scope. */
const STORED = '(age, customer_tenure_days, days_since_last_purchase, churn_risk_score)';
const FRESH = `(${DATE_COLUMN_SQL.age},
    ${DATE_COLUMN_SQL.customer_tenure_days},
    ${DATE_COLUMN_SQL.days_since_last_purchase},
    ${FRESH_CHURN_SQL})`;

/**
 * The rows whose values change, old beside new, as the statement's snapshot has them: what the
 * per-column counts and the trigger candidates are taken from. Read once: with trigger capture the
 * CTE is read twice and so materialised, which holds only the changed rows (none on a same-day run).
 */
const BEFORE_SQL = `SELECT
    customer_id,
    age AS old_age,
    customer_tenure_days AS old_tenure,
    days_since_last_purchase AS old_days,
    churn_risk_score AS old_churn,
    ${DATE_COLUMN_SQL.age} AS age,
    ${DATE_COLUMN_SQL.customer_tenure_days} AS customer_tenure_days,
    ${DATE_COLUMN_SQL.days_since_last_purchase} AS days_since_last_purchase,
    ${FRESH_CHURN_SQL} AS churn_risk_score
  FROM customer_360
  WHERE ${STORED} IS DISTINCT FROM ${FRESH}`;

/**
 * One pass over customer_360 that writes the rows whose date-dependent values change: a single-table
 * UPDATE (no join of the table with itself), each value computed from the row version it writes, so a
 * row the updater rewrote meanwhile gets the values of its new inputs (or none, when they are already
 * current). None of the columns is indexed: with the table's fillfactor (migration 009) these are HOT
 * updates. The counts per column come from a read of the same snapshot (`before`); the trigger
 * candidates too, kept only when the UPDATE wrote the very values they were computed with.
 */
function refreshDatesSql(capture: CaptureSql | null): string {
  const candidates = capture
    ? `,
candidates AS (
  SELECT * FROM (
    SELECT t.customer_id AS capture_customer_id,
      (t.age, t.customer_tenure_days, t.days_since_last_purchase, t.churn_risk_score) AS fresh${capture.values}
    FROM before t
  ) x
  WHERE ${capture.filter}
),
changed AS (
  SELECT x.* FROM candidates x
  JOIN updated u ON u.customer_id = x.capture_customer_id
    AND (u.age, u.customer_tenure_days, u.days_since_last_purchase, u.churn_risk_score) IS NOT DISTINCT FROM x.fresh
)${capture.cte}`
    : '';
  return `WITH before AS${capture ? ' MATERIALIZED' : ''} (
  ${BEFORE_SQL}
),
updated AS (
  UPDATE customer_360 SET
    age = ${DATE_COLUMN_SQL.age},
    customer_tenure_days = ${DATE_COLUMN_SQL.customer_tenure_days},
    days_since_last_purchase = ${DATE_COLUMN_SQL.days_since_last_purchase},
    churn_risk_score = ${FRESH_CHURN_SQL}
  WHERE ${STORED} IS DISTINCT FROM ${FRESH}
  RETURNING ${capture ? 'customer_id, age, customer_tenure_days, days_since_last_purchase, churn_risk_score' : '1'}
)${candidates}
SELECT
  count(*) FILTER (WHERE old_age IS DISTINCT FROM age)::int8 AS age,
  count(*) FILTER (WHERE old_tenure IS DISTINCT FROM customer_tenure_days)::int8 AS tenure,
  count(*) FILTER (WHERE old_days IS DISTINCT FROM days_since_last_purchase)::int8 AS days_since,
  count(*) FILTER (WHERE old_churn IS DISTINCT FROM churn_risk_score)::int8 AS churn,
  (SELECT count(*) FROM updated)::int8 AS rows_written
FROM before`;
}

const REFRESH_DATES_SQL = refreshDatesSql(null);

/** The date-dependent columns before and after, for trigger rules watching them. */
const DATE_VALUES = {
  age: { old: 't.old_age', new: 't.age' },
  customer_tenure_days: { old: 't.old_tenure', new: 't.customer_tenure_days' },
  days_since_last_purchase: { old: 't.old_days', new: 't.days_since_last_purchase' },
  churn_risk_score: { old: 't.old_churn', new: 't.churn_risk_score' },
};

export interface DatesStepResult {
  ageChanged: number;
  tenureChanged: number;
  daysSinceChanged: number;
  churnChanged: number;
  rowsWritten: number;
  /** Personalization triggers the changed columns raised (queued in the outbox). */
  triggersQueued: number;
}

/**
 * Recomputes age, customer_tenure_days, days_since_last_purchase and churn_risk_score of every row for
 * `asOf` (YYYY-MM-DD) in one statement that writes only rows where one of them changes.
 */
export async function refreshDateColumns(
  db: ClientBase,
  asOf: string,
  triggers?: StepTriggers,
): Promise<DatesStepResult> {
  const { result: r, triggersQueued } = await withStepTriggers(db, triggers, DATE_VALUES, async (capture) => {
    const res = await db.query<{
      age: string;
      tenure: string;
      days_since: string;
      churn: string;
      rows_written: string;
    }>(capture ? refreshDatesSql(capture) : REFRESH_DATES_SQL, [asOf]);
    return res.rows[0]!;
  });
  return {
    ageChanged: Number(r.age),
    tenureChanged: Number(r.tenure),
    daysSinceChanged: Number(r.days_since),
    churnChanged: Number(r.churn),
    rowsWritten: Number(r.rows_written),
    triggersQueued,
  };
}
