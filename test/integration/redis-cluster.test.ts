import { allCustomerIds } from '@cdp360/postgres';
import { deleteKeys, RedisKeys, slotOf } from '@cdp360/redis';
import { sleep, spawnCdp } from '../helpers/cdp-process';
import { countRows, updaterArgs } from '../helpers/crash';
import {
  clusterClient,
  type PrivateRedisCluster,
  stackClusterNodes,
  startPrivateRedisCluster,
} from '../helpers/redis-cluster';
import {
  createScenario,
  produceGenerated,
  type Scenario,
  streamVersusBatch,
  updaterInProcess,
} from '../helpers/updater';

/**
 * The updater against a 3-master Redis Cluster (REDIS_CLUSTER_NODES): the same table as the batch,
 * with several updaters, and when one master loses its data mid-run only that master's customers are
 * rebuilt from the facts.
 */

const FACT_TABLES = ['purchase_transactions', 'customer_service', 'campaign_responses', 'website_behavior'];
const FACT_TOPICS = [
  'cdp.purchases.v1',
  'cdp.service-interactions.v1',
  'cdp.campaign-responses.v1',
  'cdp.web-sessions.v1',
] as const;

describe('Redis Cluster: the stack cluster', () => {
  const nodes = stackClusterNodes();
  const scenarios: Scenario[] = [];
  afterAll(async () => {
    const redis = clusterClient(nodes, 'test-cleanup');
    for (const s of scenarios) await deleteKeys(redis, new RedisKeys(s.redisNamespace).pattern()).catch(() => {});
    await redis.quit();
    for (const s of scenarios) await s.close();
  });

  it('stream = batch, with customers on every master', async () => {
    const s = await createScenario({ partitions: 3, env: { REDIS_CLUSTER_NODES: nodes } });
    scenarios.push(s);
    expect(s.config.redisCluster?.nodes).toHaveLength(3);
    await produceGenerated(s, {
      customers: 600,
      eventsPerCustomer: 6,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 71,
    });
    const summary = await updaterInProcess(s);
    expect(summary.units).toBeGreaterThan(0);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(550);
    // Every master holds some of the scenario's customers.
    const redis = clusterClient(nodes, 'test-count');
    try {
      const perMaster = await Promise.all(
        redis.nodes('master').map(async (n) => {
          const [, found] = await n.scan('0', 'MATCH', `${s.redisNamespace}{c:*`, 'COUNT', 100_000);
          return found.length;
        }),
      );
      expect(perMaster.every((n) => n > 0)).toBe(true);
    } finally {
      await redis.quit();
    }
  }, 180_000);

  it('three updaters on six partitions give the same table', async () => {
    const s = await createScenario({ partitions: 6, sessionTimeoutMs: 6000, env: { REDIS_CLUSTER_NODES: nodes } });
    scenarios.push(s);
    const manifest = await produceGenerated(s, {
      customers: 700,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 72,
    });
    const args = updaterArgs({ redisNamespace: s.redisNamespace });
    const procs = [spawnCdp(args, s.env), spawnCdp(args, s.env), spawnCdp(args, s.env)];
    const results = await Promise.all(procs.map((p) => p.exited));
    for (const [i, r] of results.entries()) {
      if (r.code !== 0) throw new Error(`updater ${i} exited ${r.code ?? r.signal}:\n${procs[i]!.output()}`);
    }
    expect(await countRows(s.db.pool, ['website_behavior'])).toBe(manifest.topics['cdp.web-sessions.v1']!.validFirst);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(650);
  }, 240_000);
});

describe('Redis Cluster: one master loses its data mid-run (a private cluster)', () => {
  let s: Scenario;
  let cluster: PrivateRedisCluster;
  beforeAll(async () => {
    cluster = await startPrivateRedisCluster();
    s = await createScenario({ partitions: 3, env: { REDIS_CLUSTER_NODES: cluster.nodes, LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await s?.close();
  });

  /** Customers with facts or records in Postgres whose slot the node serves. */
  const customersOn = async (node: number) =>
    (await allCustomerIds(s.db.pool)).filter((id) => cluster.nodeOfKey(`{c:${id}}`) === node).length;

  it('FLUSHALL on one master, then another restarted empty: each noticed, only its customers rebuilt, same table', async () => {
    const manifest = await produceGenerated(s, {
      customers: 1000,
      eventsPerCustomer: 8,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 73,
    });
    const expectedFacts = FACT_TOPICS.reduce((n, t) => n + manifest.topics[t]!.validFirst, 0);
    const facts = () => countRows(s.db.pool, FACT_TABLES);
    const p = spawnCdp(updaterArgs(), s.env);
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 120_000;
      while ((await facts()) < n && p.child.exitCode === null && Date.now() < deadline) await sleep(20);
      if (p.child.exitCode !== null) throw new Error(`the updater finished before the disturbance:\n${p.output()}`);
      if (Date.now() >= deadline) throw new Error(`no progress:\n${p.output()}`);
    };

    // Disturb at a quarter and at a half of the facts, so the updater still has work after each.
    await waitFor(Math.round(expectedFacts * 0.25));
    const flushedBefore = await customersOn(1);
    const intactKeys = await cluster.node(0).dbsize();
    await cluster.node(1).flushall();

    await waitFor(Math.round(expectedFacts * 0.5));
    const restartedBefore = await customersOn(2);
    await cluster.restartEmpty(2);

    const { code } = await Promise.race([
      p.exited,
      sleep(150_000).then(() => {
        p.child.kill('SIGKILL');
        throw new Error(`updater did not finish:\n${p.output().slice(-5000)}`);
      }),
    ]);
    if (code !== 0) throw new Error(`updater exited ${code}:\n${p.output()}`);
    const output = p.output();
    expect(output).toMatch(/Redis lost its state/);

    const rebuilds = output
      .split('\n')
      .filter((l) => l.includes('rebuilt Redis aggregates from Postgres facts'))
      .map((l) => JSON.parse(l) as { customers: number; shards?: string[] });
    // The start-up build of an empty namespace covers everything; after it, only partial rebuilds.
    expect(rebuilds[0]).toMatchObject({ customers: 0 });
    expect(rebuilds[0]!.shards).toBeUndefined();
    const partial = rebuilds.slice(1);
    expect(partial.every((r) => r.shards?.length === 1)).toBe(true);
    const on = (node: number) => partial.filter((r) => r.shards![0]!.startsWith(`127.0.0.1:${cluster.ports[node]} `));
    expect(on(0)).toEqual([]);
    expect(on(1).length).toBeGreaterThanOrEqual(1);
    expect(on(2).length).toBeGreaterThanOrEqual(1);
    expect(on(1).length + on(2).length).toBe(partial.length);
    // Exactly the customers of that master: all it had when it lost them, and none of another's.
    const total1 = await customersOn(1);
    const total2 = await customersOn(2);
    expect(on(1)[0]!.customers).toBeGreaterThanOrEqual(flushedBefore);
    expect(on(1)[0]!.customers).toBeLessThanOrEqual(total1);
    expect(on(2)[0]!.customers).toBeGreaterThanOrEqual(restartedBefore);
    expect(on(2)[0]!.customers).toBeLessThanOrEqual(total2);
    expect(total1 + total2).toBeLessThan((await allCustomerIds(s.db.pool)).length);
    // The master that kept its data was not emptied.
    expect(await cluster.node(0).dbsize()).toBeGreaterThanOrEqual(intactKeys);

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(950);
    // Sanity of the slot helper the assertions rely on.
    expect(cluster.nodeOfKey(`cdp:{c:1}`)).toBe(cluster.nodeOfKey(`{c:1}`));
    expect(slotOf('{c:1}')).toBe(slotOf('c:1'));
  }, 240_000);
});
