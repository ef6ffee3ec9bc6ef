import type { ClientBase } from 'pg';
import { JOIN_BY_TID, JOIN_DEFAULTS } from './clv';
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
 * The rows whose values change, as the statement's snapshot has them: each row's `ctid`, its stored
 * values and the new ones, every expression evaluated once per row (`OFFSET 0` keeps the subquery
 * from being flattened, which would evaluate the expressions again in the filter for every row that
 * passes it). Materialised: the UPDATE, the counts and the trigger candidates read it; it holds only
 * the changed rows (none on a same-day run), in the order of the table's pages since it comes from a
 * sequential scan.
 */
const BEFORE_SQL = `SELECT * FROM (
    SELECT
      ctid AS tid,
      xmin AS version,
      age AS old_age,
      customer_tenure_days AS old_tenure,
      days_since_last_purchase AS old_days,
      churn_risk_score AS old_churn,
      ${DATE_COLUMN_SQL.age} AS new_age,
      ${DATE_COLUMN_SQL.customer_tenure_days} AS new_tenure,
      ${DATE_COLUMN_SQL.days_since_last_purchase} AS new_days,
      ${FRESH_CHURN_SQL} AS new_churn
    FROM customer_360
    OFFSET 0
  ) computed
  WHERE (old_age, old_tenure, old_days, old_churn) IS DISTINCT FROM (new_age, new_tenure, new_days, new_churn)`;

/**
 * The row reached by the TID scan is the version `before` read (its xmin unchanged): its new values
 * are those `before` computed. Otherwise (the updater rewrote the row after the snapshot, and the
 * UPDATE followed it to its newest version; or vacuum froze it meanwhile) they are computed again.
 */
const SAME = 'c.xmin = t.version';

/**
 * One read of customer_360 finds the rows whose date-dependent values change (`before`); the UPDATE
 * reaches each of them by its `ctid` (a TID scan per row, in page order; see JOIN_BY_TID), so a run on
 * which nothing changes reads the table once and writes nothing. Each value written is that of the row
 * version reached (SAME): a row the updater rewrote after the snapshot was taken gets the values of
 * its new inputs, or is left alone when they are current. None of the columns is indexed: with the
 * table's fillfactor (migration 009) these are HOT updates. The counts per column are those of the
 * snapshot (`before`); a trigger candidate is kept only when the UPDATE wrote the very values it was
 * computed with.
 */
function refreshDatesSql(capture: CaptureSql | null): string {
  const written = '(c.age, c.customer_tenure_days, c.days_since_last_purchase, c.churn_risk_score)';
  const computed = '(t.new_age, t.new_tenure, t.new_days, t.new_churn)';
  return `WITH before AS MATERIALIZED (
  ${BEFORE_SQL}
),
updated AS (
  UPDATE customer_360 AS c SET
    age = CASE WHEN ${SAME} THEN t.new_age ELSE ${DATE_COLUMN_SQL.age} END,
    customer_tenure_days = CASE WHEN ${SAME} THEN t.new_tenure ELSE ${DATE_COLUMN_SQL.customer_tenure_days} END,
    days_since_last_purchase = CASE WHEN ${SAME} THEN t.new_days ELSE ${DATE_COLUMN_SQL.days_since_last_purchase} END,
    churn_risk_score = CASE WHEN ${SAME} THEN t.new_churn ELSE ${FRESH_CHURN_SQL} END
  FROM before t
  WHERE c.ctid = t.tid
    AND (${SAME} OR ${STORED} IS DISTINCT FROM ${FRESH})
  RETURNING ${capture ? `${written} IS NOT DISTINCT FROM ${computed} AS as_computed${capture.returning}` : '1'}
)${
    capture
      ? `,
changed AS (
  SELECT * FROM updated WHERE as_computed
)${capture.cte}`
      : ''
  }
SELECT
  count(*) FILTER (WHERE old_age IS DISTINCT FROM new_age)::int8 AS age,
  count(*) FILTER (WHERE old_tenure IS DISTINCT FROM new_tenure)::int8 AS tenure,
  count(*) FILTER (WHERE old_days IS DISTINCT FROM new_days)::int8 AS days_since,
  count(*) FILTER (WHERE old_churn IS DISTINCT FROM new_churn)::int8 AS churn,
  (SELECT count(*) FROM updated)::int8 AS rows_written
FROM before`;
}

const REFRESH_DATES_SQL = refreshDatesSql(null);

/** The date-dependent columns before and after, for trigger rules watching them. */
const DATE_VALUES = {
  age: { old: 't.old_age', new: 't.new_age' },
  customer_tenure_days: { old: 't.old_tenure', new: 't.new_tenure' },
  days_since_last_purchase: { old: 't.old_days', new: 't.new_days' },
  churn_risk_score: { old: 't.old_churn', new: 't.new_churn' },
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
    await db.query(JOIN_BY_TID);
    const res = await db.query<{
      age: string;
      tenure: string;
      days_since: string;
      churn: string;
      rows_written: string;
    }>(capture ? refreshDatesSql(capture) : REFRESH_DATES_SQL, [asOf]);
    await db.query(JOIN_DEFAULTS);
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
