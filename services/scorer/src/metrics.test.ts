import { Registry } from 'prom-client';
import { instrumentScorer } from './metrics';
import type { ScoringReport } from './scoring-run';

describe('scorer metrics', () => {
  it('counts periods, run durations and changed values, and is not ready after a failed period', async () => {
    const registry = new Registry();
    const { onPeriod, ready } = instrumentScorer(registry);
    const report = {
      durationMs: 1500,
      clv: { rows: 10, changed: 3, ms: 1 },
      favorites: { categoryChanged: 1, brandChanged: 2 },
      dates: { ageChanged: 1, tenureChanged: 1, daysSinceChanged: 1, churnChanged: 1 },
      triggersQueued: 4,
    } as unknown as ScoringReport;
    onPeriod({ periodStart: new Date(), kind: 'ran', report });
    expect(ready()).toEqual([]);
    onPeriod({ periodStart: new Date(), kind: 'failed', error: new Error('db down') });
    expect(ready()).toEqual(['the last scoring period failed: db down']);
    const text = await registry.metrics();
    expect(text).toContain('cdp_scorer_periods_total{outcome="ran"} 1');
    expect(text).toContain('cdp_scorer_periods_total{outcome="failed"} 1');
    expect(text).toContain('cdp_scorer_run_duration_seconds_sum 1.5');
    expect(text).toContain('cdp_scorer_rows_changed_total{step="dates"} 4');
    expect(text).toContain('cdp_scorer_triggers_queued_total 4');
  });
});
