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

/**
 * `fresh` computes the columns for the as-of date (churn from the fresh days_since_last_purchase, as
 * the batch does from its own), keeping the stored values beside them; only rows where one differs are
 * updated. The update is guarded by the inputs: a row whose dates the updater changed meanwhile keeps
 * the updater's values (derived from the same rules).
 */
function refreshDatesSql(capture: CaptureSql | null): string {
  return `WITH fresh AS (
  SELECT
    customer_id, date_of_birth, registration_date, last_purchase_date,
    old_age, old_tenure, old_days, old_churn,
    age, customer_tenure_days, days_since_last_purchase,
    ${DATE_COLUMN_SQL.churn_risk_score} AS churn_risk_score
  FROM (
    SELECT
      customer_id, date_of_birth, registration_date, last_purchase_date,
      age AS old_age,
      customer_tenure_days AS old_tenure,
      days_since_last_purchase AS old_days,
      churn_risk_score AS old_churn,
      ${DATE_COLUMN_SQL.age} AS age,
      ${DATE_COLUMN_SQL.customer_tenure_days} AS customer_tenure_days,
      ${DATE_COLUMN_SQL.days_since_last_purchase} AS days_since_last_purchase
    FROM customer_360
  ) computed
),
target AS (
  SELECT * FROM fresh
  WHERE (old_age, old_tenure, old_days, old_churn)
    IS DISTINCT FROM (age, customer_tenure_days, days_since_last_purchase, churn_risk_score)
),
changed AS (
  UPDATE customer_360 AS c SET
    age = t.age,
    customer_tenure_days = t.customer_tenure_days,
    days_since_last_purchase = t.days_since_last_purchase,
    churn_risk_score = t.churn_risk_score
  FROM target t
  WHERE c.customer_id = t.customer_id
    AND (c.date_of_birth, c.registration_date, c.last_purchase_date)
      IS NOT DISTINCT FROM (t.date_of_birth, t.registration_date, t.last_purchase_date)
    AND (c.age, c.customer_tenure_days, c.days_since_last_purchase, c.churn_risk_score)
      IS DISTINCT FROM (t.age, t.customer_tenure_days, t.days_since_last_purchase, t.churn_risk_score)
  RETURNING
    t.old_age IS DISTINCT FROM t.age AS age_changed,
    t.old_tenure IS DISTINCT FROM t.customer_tenure_days AS tenure_changed,
    t.old_days IS DISTINCT FROM t.days_since_last_purchase AS days_changed,
    t.old_churn IS DISTINCT FROM t.churn_risk_score AS churn_changed${capture?.returning ?? ''}
)${capture?.cte ?? ''}
SELECT
  count(*) FILTER (WHERE age_changed)::int8 AS age,
  count(*) FILTER (WHERE tenure_changed)::int8 AS tenure,
  count(*) FILTER (WHERE days_changed)::int8 AS days_since,
  count(*) FILTER (WHERE churn_changed)::int8 AS churn,
  count(*)::int8 AS rows_written
FROM changed`;
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
