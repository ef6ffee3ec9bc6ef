import type { Logger } from '@cdp360/config';
import type { TriggerRules } from '@cdp360/domain';
import {
  finishScoringRun,
  lastFavoritesRevision,
  recordClvStep,
  recordDatesStep,
  recordFavoritesStep,
  recordStepTriggers,
  refreshDateColumns,
  scoreClvQuintiles,
  startScoringRun,
  sweepFavorites,
  withTransaction,
} from '@cdp360/postgres';
import type pg from 'pg';

export interface ScoringReport {
  runId: number;
  asOf: string;
  clv: { rows: number; changed: number; ms: number };
  favorites: {
    revision: string;
    full: boolean;
    customersSwept: number;
    categoryChanged: number;
    brandChanged: number;
    ms: number;
  };
  dates: { ageChanged: number; tenureChanged: number; daysSinceChanged: number; churnChanged: number; ms: number };
  /** Personalization triggers the run's changes raised, queued for publishing (profile version `score-<runId>`). */
  triggersQueued: number;
  /** Row writes of the run (a row changed by two steps counts twice). */
  rowsWritten: number;
  durationMs: number;
}

export interface RunScoringOptions {
  db: pg.Pool;
  logger: Logger;
  asOf: string;
  holder: string;
  periodStart?: Date | null;
  /**
   * Trigger rules to evaluate on the rows the run changes; the triggers are queued in the outbox with
   * each step's changes. Omitted: no triggers are raised.
   */
  rules?: TriggerRules;
}

/**
 * Connections a scorer's pool needs: one for the step's transaction, and FAVORITE_READERS for the
 * range reads of a full favourites sweep.
 */
export const FAVORITE_READERS = 2;
export const SCORER_CONNECTIONS = 1 + FAVORITE_READERS;

/** Sort/hash memory of a step: 1M rows of (ltv, id, scores) sort in about 100 MB. */
const STEP_WORK_MEM = '256MB';

/** Runs a step in a transaction on a client of its own: it commits whole or not at all. */
function inStep<T>(db: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(db, async (client) => {
    // The steps sort or hash every customer_360 row once; in memory that is several times faster
    // than spilling to disk at the default 4 MB. Their estimated costs are far above jit_above_cost,
    // and JIT-compiling expressions that run once per row of a simple plan costs more than it saves.
    // Per transaction only.
    await client.query(`SET LOCAL work_mem = '${STEP_WORK_MEM}'; SET LOCAL jit = off`);
    return fn(client);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, Math.round(performance.now() - started)];
}

/**
 * One scoring run, for a caller that holds the lease: CLV quintiles (with the run's cut points),
 * favourites of the customers a catalog change may have affected, then the date-dependent columns.
 * Each step is one transaction together with its record in scoring_runs, and each computes from the
 * tables alone, so a run interrupted anywhere is finished by running again.
 */
export async function runScoring(options: RunScoringOptions): Promise<ScoringReport> {
  const { db, asOf } = options;
  const log = options.logger.child({ component: 'scorer' });
  const started = performance.now();
  const runId = await startScoringRun(db, { asOf, holder: options.holder, periodStart: options.periodStart ?? null });
  log.info({ runId, asOf }, 'scoring run started');
  // A run's changes are a profile version of their own: a repeat of the run (after a crash) is a new
  // run with new changes, and a step that rolled back queued nothing.
  const triggers = options.rules ? { rules: options.rules, profileVersion: `score-${runId}` } : undefined;
  const recordTriggers = async (c: pg.PoolClient, queued: number) => {
    if (queued > 0) await recordStepTriggers(c, runId, queued);
  };

  // Each step's record commits with the step: its cut points, or the catalog revision it swept to,
  // are never visible without the scores they belong to.
  const [clv, clvMs] = await inStep(db, async (c) => {
    const [r, ms] = await timed(() => scoreClvQuintiles(c, runId, triggers));
    await recordClvStep(c, runId, r, ms);
    await recordTriggers(c, r.triggersQueued);
    return [r, ms] as const;
  });
  log.info(
    { runId, step: 'clv', rows: clv.rows, changed: clv.changed, triggers: clv.triggersQueued, ms: clvMs },
    'clv quintiles scored',
  );

  const [fav, favMs] = await inStep(db, async (c) => {
    const [r, ms] = await timed(async () =>
      sweepFavorites(c, await lastFavoritesRevision(c), triggers, { readers: db, parts: FAVORITE_READERS }),
    );
    await recordFavoritesStep(c, runId, r, ms);
    await recordTriggers(c, r.triggersQueued);
    return [r, ms] as const;
  });
  log.info(
    {
      runId,
      step: 'favorites',
      full: fav.full,
      revision: fav.revision.toString(),
      swept: fav.affected,
      categoryChanged: fav.categoryChanged,
      brandChanged: fav.brandChanged,
      triggers: fav.triggersQueued,
      ms: favMs,
    },
    'favourites swept',
  );

  const [dates, datesMs] = await inStep(db, async (c) => {
    const [r, ms] = await timed(() => refreshDateColumns(c, asOf, triggers, runId));
    await recordDatesStep(c, runId, r, ms);
    await recordTriggers(c, r.triggersQueued);
    return [r, ms] as const;
  });
  log.info({ runId, step: 'dates', ...dates, ms: datesMs }, 'date-dependent columns refreshed');

  const rowsWritten = clv.changed + fav.rowsWritten + dates.rowsWritten;
  const triggersQueued = clv.triggersQueued + fav.triggersQueued + dates.triggersQueued;
  await finishScoringRun(db, runId, rowsWritten);
  const report: ScoringReport = {
    runId,
    asOf,
    clv: { rows: clv.rows, changed: clv.changed, ms: clvMs },
    favorites: {
      revision: fav.revision.toString(),
      full: fav.full,
      customersSwept: fav.affected,
      categoryChanged: fav.categoryChanged,
      brandChanged: fav.brandChanged,
      ms: favMs,
    },
    dates: {
      ageChanged: dates.ageChanged,
      tenureChanged: dates.tenureChanged,
      daysSinceChanged: dates.daysSinceChanged,
      churnChanged: dates.churnChanged,
      ms: datesMs,
    },
    triggersQueued,
    rowsWritten,
    durationMs: Math.round(performance.now() - started),
  };
  log.info({ runId, asOf, rowsWritten, durationMs: report.durationMs, report }, 'scoring run finished');
  return report;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

/** The report as a few human lines (the CLI's output). */
export function formatScoringReport(r: ScoringReport): string {
  const f = r.favorites;
  const d = r.dates;
  return [
    `scoring run ${r.runId} as of ${r.asOf}: ${r.clv.rows} rows, ${r.rowsWritten} row writes in ${seconds(r.durationMs)}`,
    `  customer_lifetime_value_score  ${r.clv.changed} changed  (${seconds(r.clv.ms)})`,
    `  favorite_category              ${f.categoryChanged} changed`,
    `  favorite_brand                 ${f.brandChanged} changed  (${seconds(f.ms)}; ${f.full ? 'all' : f.customersSwept} customers swept, catalog revision ${f.revision})`,
    `  age                            ${d.ageChanged} changed`,
    `  customer_tenure_days           ${d.tenureChanged} changed`,
    `  days_since_last_purchase       ${d.daysSinceChanged} changed`,
    `  churn_risk_score               ${d.churnChanged} changed  (${seconds(d.ms)})`,
    `  personalization triggers       ${r.triggersQueued} queued`,
  ].join('\n');
}
