import os from 'node:os';
import { createLogger } from '@cdp360/config';
import { AggregateStore, connectRedis, RedisKeys } from '@cdp360/redis';
import { rebuildAggregates } from '@cdp360/updater';
import { countCalls } from './call-counts';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { loadFacts } from './sql-facts';
import { createWorld, dropNamespace } from './world';

export interface RebuildOptions {
  /** Facts (rows of the four fact tables) to rebuild Redis from. */
  facts: number;
  /** Mean facts per customer (the generator's default mix has 20). */
  factsPerCustomer?: number;
}

/** Facts/s of rebuildAggregates: every customer's Redis state from the durable facts in Postgres. */
export async function runRebuild(options: RebuildOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const perCustomer = options.factsPerCustomer ?? 20;
  const world = await createWorld({ partitions: 1 });
  const redis = connectRedis(world.config, { connectionName: 'cdp-bench-rebuild' });
  try {
    process.stderr.write(`rebuild: loading ${fmt.int(options.facts)} facts with SQL\n`);
    const t0 = performance.now();
    const loaded = await loadFacts(world.pool, {
      facts: options.facts,
      customers: Math.max(1, Math.round(options.facts / perCustomer)),
    });
    const loadMs = performance.now() - t0;
    process.stderr.write(`rebuild: loaded in ${fmt.s(loadMs)}; rebuilding Redis\n`);
    const store = new AggregateStore(redis, new RedisKeys(world.redisNamespace));
    const stopCounting = countCalls();
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const r = await rebuildAggregates({
      db: world.pool,
      store,
      logger: createLogger({ level: 'warn', name: 'cdp-bench' }),
    });
    const ms = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);
    const calls = stopCounting();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    // Spot check: the number of customer hashes equals the customers rebuilt.
    const sample = await store.read([1, 998, 1995].filter((id) => id <= 1_000_000));
    const facts = loaded.sessions + loaded.purchases + loaded.responses + loaded.interactions;
    const rate = facts / (ms / 1000);
    const results = {
      facts,
      loaded,
      loadMs: round(loadMs),
      loadMethod: 'set-based INSERT … SELECT FROM generate_series (not through Kafka or the pipeline)',
      rebuild: {
        customers: r.customers,
        ms: round(ms),
        factsPerSecond: round(rate),
        customersPerSecond: round(r.customers / (ms / 1000)),
        nodeCpuMs: round(cpuMs),
        waitingOnPostgresMs: round(calls.pgBusyMs),
        waitingOnRedisMs: round(calls.redisBusyMs),
        postgresStatements: calls.pgStatements,
        redisRoundTrips: calls.redisRoundTrips,
        sampleOrders: sample.map((s) => s.state.orders),
      },
      targets: { atLeast100kFactsPerSecond: rate >= 100_000 },
    };
    return {
      scenario: 'rebuild',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options, factsPerCustomer: perCustomer },
      results,
      method: [
        'Facts are inserted with set-based SQL into a fresh database; then rebuildAggregates (services/updater/src/rebuild.ts) runs with its defaults into an empty Redis namespace.',
        'facts/s = rows of the four fact tables / wall time of rebuildAggregates (lock, id list, bulk reads of 5,000-customer ranges (rebuildProfilesInRange) with one range read ahead, pipelined Lua loads, epoch publish).',
      ],
      table: [
        [
          'facts (sessions/purchases/responses/interactions)',
          `${fmt.int(facts)} (+ ${fmt.int(loaded.items)} line items)`,
        ],
        ['customers', fmt.int(loaded.customers)],
        ['load (SQL generate_series)', fmt.s(loadMs)],
        ['rebuild wall time', fmt.s(ms)],
        ['rebuild rate', `${fmt.rate(rate)} facts (target >= 100,000/s)`],
        ['rebuild customers/s', fmt.rate(r.customers / (ms / 1000))],
        ['node CPU during rebuild', fmt.s(cpuMs)],
        ['wall time with a Postgres / Redis call out', `${fmt.s(calls.pgBusyMs)} / ${fmt.s(calls.redisBusyMs)}`],
      ],
    };
  } finally {
    await redis.quit().catch(() => {});
    await dropNamespace(world.config, world.redisNamespace).catch(() => {});
    await world.close();
  }
}
