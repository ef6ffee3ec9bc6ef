import { countRows } from '../helpers/crash';
import { expectExactAfterFault, type FaultRun, logLines, runThroughFault } from '../helpers/faults';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

/**
 * Network faults between a running `cdp updater` and Redis (a private redis-server behind a TCP
 * proxy): connections cut and refused for a while, traffic stalled, traffic slowed. Redis keeps its
 * data, so no rebuild is needed: the updater waits, reconnects and ends exact.
 */
describe('faults: the network between the updater and Redis', () => {
  let s: Scenario;
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.kill();
  });
  beforeEach(async () => {
    s = await createScenario({ partitions: 3 });
    proxy = await startTcpProxy({ port: redis.port });
    s.env.REDIS_URL = `redis://127.0.0.1:${proxy.port}`;
  });
  afterEach(async () => {
    await proxy?.close();
    await s?.close();
  });

  async function throughFault(
    name: string,
    seed: number,
    fault: Parameters<typeof runThroughFault>[0]['fault'],
    holdMs: number,
  ) {
    const manifest = await produceGenerated(s, {
      customers: 300,
      eventsPerCustomer: 8,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed,
    });
    const run = await runThroughFault({
      env: s.env,
      redisNamespace: s.redisNamespace,
      progress: () => countRows(s.db.pool, ['website_behavior']),
      at: 200,
      fault,
      holdMs,
    });
    await expectExactAfterFault(name, s.kafka, s.db.pool, s.asOf, manifest, s.prefix, run, streamVersusBatch);
    return run;
  }

  function expectOneLinePerOutage(run: FaultRun) {
    const warnings = logLines([...run.linesDuringFault, ...run.linesAfterFault]);
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^Redis unreachable \(/)]);
    expect(run.output).toMatch(/"msg":"Redis reachable again after [\d.]+ s"/);
    expect(run.output).not.toMatch(/"stack":/);
    // Redis kept its data: nothing to rebuild.
    expect(run.linesAfterFault.join('\n')).not.toMatch(/rebuilding from Postgres/);
  }

  it('connections cut, and refused for 3 s', async () => {
    const run = await throughFault(
      'redis: connections cut and refused',
      51,
      { begin: () => proxy.cut({ refuse: true }), end: () => proxy.heal() },
      3000,
    );
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Redis unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic stalled for 5 s', async () => {
    const run = await throughFault('redis: stalled', 52, { begin: () => proxy.stall(), end: () => proxy.heal() }, 5000);
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Redis unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic slowed (20 ms per chunk, 256 KiB/s) for 3 s: slower, never failing', async () => {
    const run = await throughFault(
      'redis: slowed',
      53,
      { begin: () => proxy.slow({ latencyMs: 20, bytesPerSecond: 256 * 1024 }), end: () => proxy.heal() },
      3000,
    );
    expect(run.duringFault.length).toBeGreaterThan(0);
    expect(run.duringFault.filter((r) => r.status !== 200)).toEqual([]);
    expect(logLines([...run.linesDuringFault, ...run.linesAfterFault])).toEqual([]);
  }, 120_000);
});
