import os from 'node:os';
import { createLogger } from '@cdp360/config';
import { batchIntoTable } from '@cdp360/postgres';
import { scoreOnce } from '@cdp360/scorer';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { postmasterPid, samplePeakMemory } from './server-cpu';
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
    await world.pool.query('VACUUM ANALYZE customer_360_rows');
    const prepareMs = performance.now() - t0;
    const logger = createLogger({ level: 'warn', name: 'cdp-bench' });
    // Bytes the run's sorts and hashes spilled to temporary files (work_mem exceeded), and the table's
    // size: what grows with the customers besides time.
    const spilled = async () =>
      Number(
        (
          await world.pool.query<{ b: string }>(
            'SELECT temp_bytes AS b FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]!.b,
      );
    const tableBytes = async () =>
      Number((await world.pool.query<{ b: string }>("SELECT pg_table_size('customer_360_rows') AS b")).rows[0]!.b);
    const temp0 = await spilled();
    const size0 = await tableBytes();
    const postmaster = await postmasterPid(world.pool);
    // First run: every customer gets a quintile and the whole catalog is swept for favourites.
    let peak = samplePeakMemory(postmaster);
    const first = await scoreOnce({ config: world.config, logger, asOf: AS_OF, holder: `bench-${world.id}` });
    const firstPeak = peak.stop();
    // The next day's run: no new facts, but the date-dependent columns move for every customer.
    const temp1 = await spilled();
    const size1 = await tableBytes();
    peak = samplePeakMemory(postmaster);
    const second = await scoreOnce({ config: world.config, logger, asOf: NEXT_DAY, holder: `bench-${world.id}` });
    const secondPeak = peak.stop();
    // pg_stat_database is updated when a backend reports its statistics (at most every 0.5 s).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const temp2 = await spilled();
    const size2 = await tableBytes();
    if (!first.ran || !second.ran) throw new Error('the scoring lease was held by someone else in a fresh database');
    return {
      customers,
      rows: batch.rows,
      facts: loaded,
      prepareMs: round(prepareMs),
      first: first.report,
      second: second.report,
      tempBytes: { first: temp1 - temp0, second: temp2 - temp1 },
      tableBytes: { before: size0, afterFirst: size1, afterSecond: size2 },
      peakMemory: { first: firstPeak, second: secondPeak },
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
    tempBytesSpilled: r.tempBytes,
    customer360Bytes: r.tableBytes,
    peakMemoryMiB: r.peakMemory,
  }));
  return {
    scenario: 'score',
    startedAt,
    machine: machineInfo(load0),
    options: { ...options, factsPerCustomer: perCustomer },
    results: {
      available: true,
      runs: summary,
      targets: {
        atMost10sFor1M: million ? million.first.durationMs <= 10_000 : null,
        nextDayAtMost2sFor1M: million ? million.second.durationMs <= 2_000 : null,
      },
    },
    method: [
      'Each size gets a fresh database: facts by set-based SQL (5 per customer, the generator mix, a 5,000-product catalog), customer_360 filled by the batch recompute, then scoreOnce (cdp score --once) twice.',
      'customer_360 starts as the stream leaves it before any scoring run (CLV quintile NULL); the first run scores every customer and sweeps favourites over the whole catalog; the second is the next day (no new facts; the date-dependent columns move), the daily steady state.',
      "Times are the scorer report's own (each step a transaction with its record).",
      'tempBytesSpilled: growth of pg_stat_database.temp_bytes over each run (sorts and hashes past work_mem); customer360Bytes: pg_table_size before the first run and after each.',
      "peakMemoryMiB: sampled every 250 ms during each run, the largest VmHWM among the postmaster's children (a backend's peak resident set, the shared buffers it touched included) and the bench process's RSS (the scorer runs in it).",
    ],
    table: summary.flatMap((s) => [
      [
        `${fmt.int(s.customers)} customers, first run`,
        `${fmt.s(s.firstRunMs)} (clv ${fmt.s(s.firstRun.clvMs)}, favourites ${fmt.s(s.firstRun.favoritesMs)}, dates ${fmt.s(s.firstRun.datesMs)}; ${fmt.rate(s.firstRunRowsPerSecond)} rows)`,
      ],
      [
        `${fmt.int(s.customers)} customers, next day`,
        `${fmt.s(s.secondRunMs)} (${fmt.int(s.secondRun.rowsWritten)} rows written; peak backend ${s.peakMemoryMiB.first.postgresBackendMiB ?? '?'} / ${s.peakMemoryMiB.second.postgresBackendMiB ?? '?'} MiB, bench process ${s.peakMemoryMiB.first.nodeMiB} / ${s.peakMemoryMiB.second.nodeMiB} MiB)`,
      ],
    ]) as [string, string][],
  };
}
