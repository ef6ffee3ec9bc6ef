import type { ClientBase } from 'pg';
import { DATES_LOCK_KEY } from '../customer360';
import { withCheapRowHandover } from './planner';
import { type CaptureSql, type StepTriggers, storeCandidates, withStepTriggers } from './trigger-capture';

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

/** The churn score from the as-of date directly (a stored days_since_last_purchase is that of its writer's date). */
const FRESH_CHURN_SQL = DATE_COLUMN_SQL.churn_risk_score.replaceAll(
  'days_since_last_purchase',
  `(${DATE_COLUMN_SQL.days_since_last_purchase})`,
);

/** An expression of DATE_COLUMN_SQL for the as-of date in parameter `param` instead of `$1`. */
const forDate = (sql: string, param: string) => sql.replaceAll('$1::date', `${param}::date`);

/**
 * A column as the customer_360 view shows it (migration 010) for a given state of customer_360_dates
 * (`asOf`, `seq` as SQL parameters), over customer_360_rows `c`: the stored value for a row written
 * after that state was set (or before any run), else the value for its as-of date.
 */
function shown(column: string, fresh: string, asOf: string, seq: string, noneYet: boolean): string {
  const stored = noneYet ? `c.dates_seq > ${seq}::int8 OR ${asOf}::date IS NULL` : `c.dates_seq > ${seq}::int8`;
  return `CASE WHEN ${stored} THEN c.${column} ELSE ${forDate(fresh, asOf)} END`;
}

const EXPRESSIONS = {
  age: DATE_COLUMN_SQL.age,
  tenure: DATE_COLUMN_SQL.customer_tenure_days,
  days: DATE_COLUMN_SQL.days_since_last_purchase,
  churn: FRESH_CHURN_SQL,
} as const;
const STORED_COLUMN = {
  age: 'age',
  tenure: 'customer_tenure_days',
  days: 'days_since_last_purchase',
  churn: 'churn_risk_score',
} as const;
const KEYS = Object.keys(EXPRESSIONS) as (keyof typeof EXPRESSIONS)[];

/** Each date column as the view shows it before the step (`$3`, `$4`) and after it (`$1`, `$2`). */
const OLD = Object.fromEntries(KEYS.map((k) => [k, shown(STORED_COLUMN[k], EXPRESSIONS[k], '$3', '$4', true)]));
const NEW = Object.fromEntries(KEYS.map((k) => [k, shown(STORED_COLUMN[k], EXPRESSIONS[k], '$1', '$2', false)]));

/**
 * Rows the view computes both before and after the step (written before either state's number, and a
 * date set before): for them a column's change follows from the two dates alone, so it is counted
 * with a cheap test instead of both computations. The rest (rows written since the last step, and
 * every row at the first step) compare the two shown values in full.
 */
const COMPUTED_BOTH = 'c.dates_seq <= $4::int8 AND c.dates_seq <= $2::int8 AND $3::date IS NOT NULL';

/**
 * A column's change for a row computed both times (dates $3 before, $1 after). The age moves by the
 * difference of the years less the birthdays (month * 100 + day, as the age expression compares them)
 * past each date: age(d) = year(d) - year(birth) - [md(birth) > md(d)].
 */
const MD_BIRTH = "(date_part('month', c.date_of_birth) * 100 + date_part('day', c.date_of_birth))";
const md = (param: string) => `(extract(month FROM ${param}::date) * 100 + extract(day FROM ${param}::date))`;
const CHANGE_IF_COMPUTED_BOTH = {
  age: `c.date_of_birth IS NOT NULL
        AND (extract(year FROM $1::date) - extract(year FROM $3::date))
            <> (${MD_BIRTH} > ${md('$1')})::int - (${MD_BIRTH} > ${md('$3')})::int`,
  tenure: 'c.registration_date IS NOT NULL AND $1::date <> $3::date',
  days: 'c.last_purchase_date IS NOT NULL AND $1::date <> $3::date',
  churn: `(${forDate(FRESH_CHURN_SQL, '$1')}) IS DISTINCT FROM (${forDate(FRESH_CHURN_SQL, '$3')})`,
} as const;

/**
 * The rows whose shown values change, counted per column: `$1` the new date, `$2` the step's number
 * (drawn from customer_360_dates_seq after every row now visible was written, except rows committed
 * since by a writer that holds no DATES_LOCK_KEY), `$3`/`$4` the state before. A read-only statement,
 * so Postgres scans the table with parallel workers. No `OFFSET 0` fence (it would rule the workers
 * out).
 */
const COUNT_CHANGES_SQL = `SELECT
  ${KEYS.map(
    (k) => `count(*) FILTER (WHERE CASE WHEN ${COMPUTED_BOTH} THEN ${CHANGE_IF_COMPUTED_BOTH[k]}
                           ELSE (${OLD[k]}) IS DISTINCT FROM (${NEW[k]}) END)::int8 AS ${k === 'days' ? 'days_since' : k}`,
  ).join(',\n  ')}
FROM customer_360_rows c`;

/**
 * The trigger candidates: only the columns some rule watches are computed, and only rows that could
 * fire one of them are returned (the capture's own filter). Read-only, so it may run with parallel
 * workers too; the few rows it returns are stored as candidates by the step.
 */
function candidatesSql(capture: CaptureSql): string {
  return `WITH changed AS (
  SELECT c.customer_id AS capture_customer_id${capture.values}
  FROM customer_360_rows c
)
${capture.select}`;
}

const MOVE_SQL = 'UPDATE customer_360_dates SET as_of = $1, seq = $2, run_id = $3, set_at = now()';

/** The date-dependent columns before and after, for trigger rules watching them. */
const DATE_VALUES = {
  age: { old: OLD.age!, new: NEW.age! },
  customer_tenure_days: { old: OLD.tenure!, new: NEW.tenure! },
  days_since_last_purchase: { old: OLD.days!, new: NEW.days! },
  churn_risk_score: { old: OLD.churn!, new: NEW.churn! },
};

export interface DatesStepResult {
  ageChanged: number;
  tenureChanged: number;
  daysSinceChanged: number;
  churnChanged: number;
  /** Rows the step writes: none, the view computes the columns (kept for the run's report). */
  rowsWritten: number;
  /** Personalization triggers the changed columns raised (queued in the outbox). */
  triggersQueued: number;
}

/**
 * Moves customer_360's date-dependent columns (age, customer_tenure_days, days_since_last_purchase,
 * churn_risk_score) to `asOf` (YYYY-MM-DD) for every row written before the step: the view computes
 * them, so this writes one row of customer_360_dates, whatever the table's size. Run it in the step's
 * transaction: it holds DATES_LOCK_KEY exclusively until commit, so a trigger-comparing writer's unit
 * is seen whole or not at all (they wait for each other, for the time of the step's reads).
 */
export async function refreshDateColumns(
  db: ClientBase,
  asOf: string,
  triggers?: StepTriggers,
  runId: number | null = null,
): Promise<DatesStepResult> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [DATES_LOCK_KEY]);
  const state = await db.query<{ as_of: string | null; seq: string; next: string }>(
    `SELECT as_of::text, seq::text, nextval('customer_360_dates_seq')::text AS next
     FROM customer_360_dates FOR UPDATE`,
  );
  const before = state.rows[0];
  if (!before) throw new Error('customer_360_dates has no row: the database is not migrated to version 10');
  // Under the lock no trigger-comparing writer is between its read and its commit: the candidates and
  // the move see the same rows. The counts are one parallel read before.
  const params = [asOf, before.next, before.as_of, before.seq];
  const { result: r, triggersQueued } = await withStepTriggers(db, triggers, DATE_VALUES, async (capture) => {
    const res = await db.query<{
      age: string;
      tenure: string;
      days_since: string;
      churn: string;
    }>(COUNT_CHANGES_SQL, params);
    if (capture) {
      // The planner's estimate of the rows that pass the capture filter is a default fraction of the
      // table (2M of 1M rows); the real number is the customers whose watched values change, a
      // percent or so.
      const candidates = await withCheapRowHandover(db, () =>
        db.query<{ customer_id: number; old_values: object; new_values: object }>(candidatesSql(capture), params),
      );
      await storeCandidates(db, candidates.rows);
    }
    await db.query(MOVE_SQL, [asOf, before.next, runId]);
    return res.rows[0]!;
  });
  return {
    ageChanged: Number(r.age),
    tenureChanged: Number(r.tenure),
    daysSinceChanged: Number(r.days_since),
    churnChanged: Number(r.churn),
    rowsWritten: 0,
    triggersQueued,
  };
}
