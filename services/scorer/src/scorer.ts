import { hostname } from 'node:os';
import { type Config, createLogger, type Logger, loadTriggerRules } from '@cdp360/config';
import { type TriggerRules, utcDate } from '@cdp360/domain';
import { createRegistry, type MetricsServer, startMetricsServer } from '@cdp360/metrics';
import { createPool, periodRunFinished, ScoringLease } from '@cdp360/postgres';
import type { TriggerPublisher } from '@cdp360/trigger-outbox';
import type pg from 'pg';
import { instrumentScorer } from './metrics';
import { runScoring, SCORER_CONNECTIONS, type ScoringReport } from './scoring-run';

/** Who holds the lease, as other instances and scoring_runs.holder see it. */
export function defaultHolder(): string {
  return `cdp-scorer ${hostname()}:${process.pid}`;
}

export type ScoreOnceResult =
  | { ran: true; report: ScoringReport; triggersPublished: number | null }
  | { ran: false; heldBy: string | null };

/**
 * Sends the outbox's queued triggers (the CLI passes the configured transport's publisher from
 * @cdp360/trigger-outbox); resolves with the count.
 */
export type PublishTriggers = TriggerPublisher['publish'];

interface TriggerOptions {
  /** Rules for the triggers a run raises: CDP_TRIGGERS_FILE's, else the defaults; null raises none. */
  rules?: TriggerRules | null;
  /**
   * Publishes queued triggers after each run. Without it they wait in the outbox for an updater (which
   * sends them within seconds). A failed publish leaves them queued and does not fail the run.
   */
  publishTriggers?: PublishTriggers;
}

export interface ScoreOnceOptions extends TriggerOptions {
  config: Config;
  logger?: Logger;
  /** The as-of date; CDP_AS_OF, else today in UTC. */
  asOf?: string;
  holder?: string;
}

function asOfFor(asOf: string | undefined, config: Config): string {
  return asOf ?? config.asOf ?? utcDate(new Date());
}

function rulesFor(options: TriggerOptions, config: Config): TriggerRules | undefined {
  if (options.rules === null) return undefined;
  return options.rules ?? loadTriggerRules(config.triggersFile);
}

async function publishAfterRun(
  db: pg.Pool,
  options: TriggerOptions,
  report: ScoringReport,
  logger: Logger,
): Promise<number | null> {
  if (!options.publishTriggers || report.triggersQueued === 0) return null;
  try {
    const sent = await options.publishTriggers(db);
    logger.info({ runId: report.runId, sent }, 'queued triggers published');
    return sent;
  } catch (err) {
    logger.warn({ err, runId: report.runId }, 'publishing triggers failed; they stay queued for the next attempt');
    return null;
  }
}

/** One run now, if no other scorer is running one (then it skips and says who is). */
export async function scoreOnce(options: ScoreOnceOptions): Promise<ScoreOnceResult> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'cdp-scorer' });
  const holder = options.holder ?? defaultHolder();
  const rules = rulesFor(options, config);
  const db = createPool(config.databaseUrl, { applicationName: 'cdp-scorer', max: SCORER_CONNECTIONS, logger });
  const lease = new ScoringLease(config.databaseUrl, holder);
  try {
    const attempt = await lease.tryAcquire();
    if (!attempt.acquired) {
      logger.info({ heldBy: attempt.holder }, 'scoring skipped: another scorer holds the lease');
      return { ran: false, heldBy: attempt.holder };
    }
    const report = await runScoring({ db, logger, asOf: asOfFor(options.asOf, config), holder, rules });
    await lease.release();
    const triggersPublished = await publishAfterRun(db, options, report, logger);
    return { ran: true, report, triggersPublished };
  } finally {
    await lease.close();
    await db.end();
  }
}

export interface ScorerOptions extends TriggerOptions {
  config: Config;
  logger?: Logger;
  /** Period length, ms. Periods are aligned to multiples of it since the epoch, so instances agree. */
  everyMs: number;
  asOf?: string;
  holder?: string;
  /** Resolves to stop after the run in progress (besides SIGTERM/SIGINT when handleSignals). */
  stopSignal?: Promise<unknown>;
  handleSignals?: boolean;
  /** Called after each period with what happened (tests, metrics). */
  onPeriod?: (outcome: PeriodOutcome) => void;
}

export type PeriodOutcome =
  | { periodStart: Date; kind: 'ran'; report: ScoringReport }
  | { periodStart: Date; kind: 'skipped'; reason: 'lease-held'; heldBy: string | null }
  | { periodStart: Date; kind: 'skipped'; reason: 'period-done' }
  | { periodStart: Date; kind: 'failed'; error: Error };

export interface ScorerSummary {
  runs: number;
  skipped: number;
  failed: number;
  reason: 'signal' | 'stopped';
}

/**
 * The long-running scorer: once per period (the current one at start, then each boundary) it tries
 * the lease; the instance that gets it runs unless a run of this period already finished, the others
 * skip the period and log who has it. A failed run is logged and retried next period.
 */
export async function runScorer(options: ScorerOptions): Promise<ScorerSummary> {
  const { config, everyMs } = options;
  const logger = (options.logger ?? createLogger({ level: config.logLevel, name: 'cdp-scorer' })).child({
    component: 'scorer',
  });
  const holder = options.holder ?? defaultHolder();
  const rules = rulesFor(options, config);
  const db = createPool(config.databaseUrl, { applicationName: 'cdp-scorer', max: SCORER_CONNECTIONS, logger });
  const lease = new ScoringLease(config.databaseUrl, holder);
  const summary: ScorerSummary = { runs: 0, skipped: 0, failed: 0, reason: 'stopped' };

  let wake: () => void = () => {};
  let stopping = false;
  const stop = (reason: ScorerSummary['reason']) => {
    if (stopping) return;
    stopping = true;
    summary.reason = reason;
    wake();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping after the run in progress');
    stop('signal');
  };
  if (options.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  options.stopSignal?.then(() => stop('stopped'));

  const period = async (slot: number): Promise<PeriodOutcome> => {
    const periodStart = new Date(slot * everyMs);
    try {
      const attempt = await lease.tryAcquire();
      if (!attempt.acquired) return { periodStart, kind: 'skipped', reason: 'lease-held', heldBy: attempt.holder };
      let report: ScoringReport;
      try {
        if (await periodRunFinished(db, periodStart)) return { periodStart, kind: 'skipped', reason: 'period-done' };
        report = await runScoring({ db, logger, asOf: asOfFor(options.asOf, config), holder, periodStart, rules });
      } finally {
        // Closing the session releases the lock too, should the unlock itself fail.
        await lease.release().catch(async (err) => {
          logger.warn({ err }, 'could not release the lease; closing its connection');
          await lease.close();
        });
      }
      // After the lease is released: another instance may score while this one publishes.
      await publishAfterRun(db, options, report, logger);
      return { periodStart, kind: 'ran', report };
    } catch (err) {
      return { periodStart, kind: 'failed', error: err as Error };
    }
  };

  let metrics: MetricsServer | undefined;
  let onMetrics: ((o: PeriodOutcome) => void) | undefined;
  logger.info({ everyMs, holder, asOf: options.asOf ?? config.asOf ?? 'today' }, 'scorer started');
  try {
    if (config.metricsPort !== undefined) {
      const registry = createRegistry('scorer');
      const instrumented = instrumentScorer(registry);
      onMetrics = instrumented.onPeriod;
      metrics = await startMetricsServer({ port: config.metricsPort, registry, ready: instrumented.ready });
      logger.info({ metricsPort: metrics.port }, 'metrics on /metrics, /healthz, /readyz');
    }
    let slot = Math.floor(Date.now() / everyMs);
    while (!stopping) {
      const outcome = await period(slot);
      if (outcome.kind === 'ran') summary.runs++;
      else if (outcome.kind === 'skipped') {
        summary.skipped++;
        logger.info(
          {
            periodStart: outcome.periodStart,
            reason: outcome.reason,
            heldBy: 'heldBy' in outcome ? outcome.heldBy : undefined,
          },
          outcome.reason === 'lease-held'
            ? 'period skipped: another scorer holds the lease'
            : 'period skipped: its run is already done',
        );
      } else if (outcome.kind === 'failed') {
        summary.failed++;
        logger.error(
          { err: outcome.error, periodStart: outcome.periodStart },
          'scoring run failed; next period retries',
        );
      }
      onMetrics?.(outcome);
      options.onPeriod?.(outcome);
      // A run longer than a period skips the periods it overran.
      slot = Math.max(slot + 1, Math.floor(Date.now() / everyMs) + 1);
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, slot * everyMs - Date.now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    await metrics?.close();
    await lease.close();
    await db.end();
  }
  logger.info(summary, 'scorer stopped');
  return summary;
}
