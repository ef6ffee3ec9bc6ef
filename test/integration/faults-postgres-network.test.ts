import { expectOutageLoggedOnce, logLines, produceAndRunThroughFault, proxyPostgres } from '../helpers/faults';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { createScenario, type Scenario } from '../helpers/updater';

/**
 * Network faults between a running `cdp updater` and Postgres, through a TCP proxy in front of the
 * real server: connections cut (and refused for a while), traffic stalled, traffic slowed. The updater
 * rides each out by itself and ends exact.
 */
describe('faults: the network between the updater and Postgres', () => {
  let s: Scenario;
  let proxy: TcpProxy;
  beforeEach(async () => {
    s = await createScenario({ partitions: 3 });
    proxy = await proxyPostgres(s);
  });
  afterEach(async () => {
    await proxy?.close();
    await s?.close();
  });

  it('connections cut, and refused for 3 s', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'postgres: connections cut and refused',
      seed: 41,
      fault: { begin: () => proxy.cut({ refuse: true }), end: () => proxy.heal() },
      holdMs: 3000,
    });
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
    expectOutageLoggedOnce(run, 'Postgres');
  }, 120_000);

  it('traffic stalled for 5 s (sockets open, no byte moves)', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'postgres: stalled',
      seed: 42,
      fault: { begin: () => proxy.stall(), end: () => proxy.heal() },
      holdMs: 5000,
    });
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
    expectOutageLoggedOnce(run, 'Postgres');
  }, 120_000);

  it('traffic slowed (20 ms per chunk, 256 KiB/s) for 3 s: slower, never failing', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'postgres: slowed',
      seed: 43,
      fault: { begin: () => proxy.slow({ latencyMs: 20, bytesPerSecond: 256 * 1024 }), end: () => proxy.heal() },
      holdMs: 3000,
    });
    expect(run.duringFault.length).toBeGreaterThan(0);
    expect(run.duringFault.filter((r) => r.status !== 200)).toEqual([]);
    expect(logLines([...run.linesDuringFault, ...run.linesAfterFault])).toEqual([]);
  }, 120_000);
});
