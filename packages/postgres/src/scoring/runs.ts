import type { ClientBase, Pool } from 'pg';
import type { ClvStepResult } from './clv';
import type { DatesStepResult } from './dates';
import type { FavoritesStepResult } from './favorites';

type Queryable = Pool | ClientBase;

export interface StartScoringRun {
  asOf: string;
  holder: string;
  /** The scheduler period the run belongs to; null for a one-off run. */
  periodStart: Date | null;
}

/** Records the start of a run; returns its id. */
export async function startScoringRun(db: Queryable, run: StartScoringRun): Promise<number> {
  const res = await db.query<{ run_id: string }>(
    'INSERT INTO scoring_runs (as_of, holder, period_start) VALUES ($1, $2, $3) RETURNING run_id',
    [run.asOf, run.holder, run.periodStart],
  );
  return Number(res.rows[0]!.run_id);
}

export async function recordClvStep(db: Queryable, runId: number, r: ClvStepResult, ms: number): Promise<void> {
  await db.query('UPDATE scoring_runs SET clv_rows = $2, clv_changed = $3, clv_ms = $4 WHERE run_id = $1', [
    runId,
    r.rows,
    r.changed,
    ms,
  ]);
}

export async function recordFavoritesStep(
  db: Queryable,
  runId: number,
  r: FavoritesStepResult,
  ms: number,
): Promise<void> {
  await db.query(
    `UPDATE scoring_runs SET favorites_revision = $2, favorites_full = $3, favorite_category_changed = $4,
       favorite_brand_changed = $5, favorites_ms = $6 WHERE run_id = $1`,
    [runId, r.revision.toString(), r.full, r.categoryChanged, r.brandChanged, ms],
  );
}

export async function recordDatesStep(db: Queryable, runId: number, r: DatesStepResult, ms: number): Promise<void> {
  await db.query(
    `UPDATE scoring_runs SET age_changed = $2, tenure_changed = $3, days_since_changed = $4, churn_changed = $5,
       dates_ms = $6 WHERE run_id = $1`,
    [runId, r.ageChanged, r.tenureChanged, r.daysSinceChanged, r.churnChanged, ms],
  );
}

/** Adds a step's queued triggers to the run's count, in the step's transaction. */
export async function recordStepTriggers(db: Queryable, runId: number, queued: number): Promise<void> {
  await db.query('UPDATE scoring_runs SET triggers_queued = COALESCE(triggers_queued, 0) + $2 WHERE run_id = $1', [
    runId,
    queued,
  ]);
}

export async function finishScoringRun(db: Queryable, runId: number, rowsWritten: number): Promise<void> {
  await db.query('UPDATE scoring_runs SET finished_at = clock_timestamp(), rows_written = $2 WHERE run_id = $1', [
    runId,
    rowsWritten,
  ]);
}

/**
 * The catalog revision the last favourites sweep reached (in any run, finished or not: the sweep
 * commits with its record), or null when no sweep has run.
 */
export async function lastFavoritesRevision(db: Queryable): Promise<bigint | null> {
  const res = await db.query<{ revision: string | null }>(
    'SELECT max(favorites_revision)::text AS revision FROM scoring_runs',
  );
  const r = res.rows[0]?.revision;
  return r === null || r === undefined ? null : BigInt(r);
}

/** Whether a run of this scheduler period has finished (by any instance). */
export async function periodRunFinished(db: Queryable, periodStart: Date): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM scoring_runs WHERE period_start = $1 AND finished_at IS NOT NULL LIMIT 1', [
    periodStart,
  ]);
  return res.rows.length > 0;
}
