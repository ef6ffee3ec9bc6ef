import os from 'node:os';
import { createLogger } from '@cdp360/config';
import { batchIntoTable } from '@cdp360/postgres';
import { scoreOnce } from '@cdp360/scorer';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { loadFacts } from './sql-facts';
import { createWorld } from './world';

export interface ScoreOptions {
  /** Customer counts to score (each in a fresh database). */
  customers: number[];
  /** Facts per customer loaded before the batch fills customer_360 (default 5). */
  factsPerCustomer?: number;
}

const AS_OF = '2026-07-01';
const NEXT_DAY = '2026-07-02';

async function scoreAt(customers: number, factsPerCustomer: number) {
  const world = await createWorld({ partitions: 1, asOf: AS_OF });
  try {
    const t0 = performance.now();
    const loaded = await loadFacts(world.pool, { facts: customers * factsPerCustomer, customers });
    const batch = await batchIntoTable(world.pool, { asOf: AS_OF, table: 'customer_360' });
    // As the stream leaves it before any scoring run: no CLV quintiles yet.
    await world.pool.query('UPDATE customer_360 SET customer_lifetime_value_score = NULL');
    await world.pool.query('VACUUM ANALYZE customer_360');
    const prepareMs = performance.now() - t0;
    const logger = createLogger({ level: 'warn', name: 'cdp-bench' });
    // First run: every customer gets a quintile and the whole catalog is swept for favourites.
    const first = await scoreOnce({ config: world.config, logger, asOf: AS_OF, holder: `bench-${world.id}` });
    // The next day's run: no new facts, but the date-dependent columns move for every customer.
    const second = await scoreOnce({ config: world.config, logger, asOf: NEXT_DAY, holder: `bench-${world.id}` });
    if (!first.ran || !second.ran) throw new Error('the scoring lease was held by someone else in a fresh database');
    return {
      customers,
      rows: batch.rows,
      facts: loaded,
      prepareMs: round(prepareMs),
      first: first.report,
      second: second.report,
    };
  } finally {
    await world.close();
  }
}

/** The scoring pass (services/scorer's scoreOnce, what `cdp score --once` runs) at several sizes. */
export async function runScore(options: ScoreOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const perCustomer = options.factsPerCustomer ?? 5;
  const runs = [];
  for (const n of options.customers) {
    process.stderr.write(
      `score: ${fmt.int(n)} customers (loading ${fmt.int(n * perCustomer)} facts, batch into customer_360)\n`,
    );
    const r = await scoreAt(n, perCustomer);
    process.stderr.write(`  first run ${fmt.s(r.first.durationMs)}, second ${fmt.s(r.second.durationMs)}\n`);
    runs.push(r);
  }
  const million = runs.find((r) => r.customers === 1_000_000);
  const summary = runs.map((r) => ({
    customers: r.customers,
    customer360Rows: r.rows,
    prepareMs: r.prepareMs,
    firstRunMs: r.first.durationMs,
    firstRunRowsPerSecond: round(r.rows / (r.first.durationMs / 1000)),
    firstRun: {
      clvMs: r.first.clv.ms,
      favoritesMs: r.first.favorites.ms,
      datesMs: r.first.dates.ms,
      rowsWritten: r.first.rowsWritten,
    },
    secondRunMs: r.second.durationMs,
    secondRun: {
      clvMs: r.second.clv.ms,
      favoritesMs: r.second.favorites.ms,
      datesMs: r.second.dates.ms,
      rowsWritten: r.second.rowsWritten,
    },
  }));
  return {
    scenario: 'score',
    startedAt,
    machine: machineInfo(load0),
    options: { ...options, factsPerCustomer: perCustomer },
    results: {
      available: true,
      runs: summary,
      targets: { atMost10sFor1M: million ? million.first.durationMs <= 10_000 : null },
    },
    method: [
      'Each size gets a fresh database: facts by set-based SQL (5 per customer, the generator mix, a 5,000-product catalog), customer_360 filled by the batch recompute, then scoreOnce (cdp score --once) twice.',
      'customer_360 starts as the stream leaves it before any scoring run (CLV quintile NULL); the first run scores every customer and sweeps favourites over the whole catalog; the second is the next day (no new facts; the date-dependent columns move), the daily steady state.',
      "Times are the scorer report's own (each step a transaction with its record).",
    ],
    table: summary.flatMap((s) => [
      [
        `${fmt.int(s.customers)} customers, first run`,
        `${fmt.s(s.firstRunMs)} (clv ${fmt.s(s.firstRun.clvMs)}, favourites ${fmt.s(s.firstRun.favoritesMs)}, dates ${fmt.s(s.firstRun.datesMs)}; ${fmt.rate(s.firstRunRowsPerSecond)} rows)`,
      ],
      [
        `${fmt.int(s.customers)} customers, next day`,
        `${fmt.s(s.secondRunMs)} (${fmt.int(s.secondRun.rowsWritten)} rows written)`,
      ],
    ]) as [string, string][],
  };
}
