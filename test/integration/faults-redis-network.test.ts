import {
  expectOutageLoggedOnce,
  type FaultRun,
  logLines,
  produceAndRunThroughFault,
  proxyRedis,
} from '../helpers/faults';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { createScenario, type Scenario } from '../helpers/updater';

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
    proxy = await proxyRedis(s, redis.port);
  });
  afterEach(async () => {
    await proxy?.close();
    await s?.close();
  });

  function expectOneLinePerOutage(run: FaultRun) {
    expectOutageLoggedOnce(run, 'Redis');
    // Redis kept its data: nothing to rebuild.
    expect(run.linesAfterFault.join('\n')).not.toMatch(/rebuilding from Postgres/);
  }

  it('connections cut, and refused for 3 s', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'redis: connections cut and refused',
      seed: 51,
      fault: { begin: () => proxy.cut({ refuse: true }), end: () => proxy.heal() },
      holdMs: 3000,
    });
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Redis unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic stalled for 5 s', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'redis: stalled',
      seed: 52,
      fault: { begin: () => proxy.stall(), end: () => proxy.heal() },
      holdMs: 5000,
    });
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Redis unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic slowed (20 ms per chunk, 256 KiB/s) for 3 s: slower, never failing', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'redis: slowed',
      seed: 53,
      fault: { begin: () => proxy.slow({ latencyMs: 20, bytesPerSecond: 256 * 1024 }), end: () => proxy.heal() },
      holdMs: 3000,
    });
    expect(run.duringFault.length).toBeGreaterThan(0);
    expect(run.duringFault.filter((r) => r.status !== 200)).toEqual([]);
    expect(logLines([...run.linesDuringFault, ...run.linesAfterFault])).toEqual([]);
  }, 120_000);
});
