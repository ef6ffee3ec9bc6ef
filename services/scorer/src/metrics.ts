import { Counter, Histogram, type Registry } from 'prom-client';
import type { PeriodOutcome } from './scorer';

/**
 * The scorer's Prometheus metrics, fed by its period outcomes. Returns the listener and the
 * readiness check (not ready while the last period failed: the database or the lease is in trouble).
 */
export function instrumentScorer(registry: Registry): { onPeriod: (o: PeriodOutcome) => void; ready: () => string[] } {
  const registers = [registry];
  const periods = new Counter({
    name: 'cdp_scorer_periods_total',
    help: 'Scoring periods by outcome (ran, skipped, failed)',
    labelNames: ['outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'cdp_scorer_run_duration_seconds',
    help: 'Duration of a scoring run',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const changed = new Counter({
    name: 'cdp_scorer_rows_changed_total',
    help: 'customer_360 values changed by scoring runs, by step',
    labelNames: ['step'],
    registers,
  });
  const triggers = new Counter({
    name: 'cdp_scorer_triggers_queued_total',
    help: 'Personalization triggers queued by scoring runs',
    registers,
  });
  let lastFailed: string | null = null;
  const onPeriod = (o: PeriodOutcome) => {
    periods.inc({ outcome: o.kind });
    lastFailed = o.kind === 'failed' ? o.error.message : null;
    if (o.kind !== 'ran') return;
    const r = o.report;
    duration.observe(r.durationMs / 1000);
    changed.inc({ step: 'clv' }, r.clv.changed);
    changed.inc({ step: 'favorites' }, r.favorites.categoryChanged + r.favorites.brandChanged);
    changed.inc(
      { step: 'dates' },
      r.dates.ageChanged + r.dates.tenureChanged + r.dates.daysSinceChanged + r.dates.churnChanged,
    );
    triggers.inc(r.triggersQueued);
  };
  return { onPeriod, ready: () => (lastFailed === null ? [] : [`the last scoring period failed: ${lastFailed}`]) };
}
