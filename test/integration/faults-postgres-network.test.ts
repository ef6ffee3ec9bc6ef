import { countRows } from '../helpers/crash';
import { expectExactAfterFault, type FaultRun, logLines, runThroughFault } from '../helpers/faults';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

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
    const url = new URL(s.db.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    s.env.DATABASE_URL = url.toString();
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
    const figures = await expectExactAfterFault(
      name,
      s.kafka,
      s.db.pool,
      s.asOf,
      manifest,
      s.prefix,
      run,
      streamVersusBatch,
    );
    return { run, figures };
  }

  /** One warning when the outage starts, one line when it ends, nothing else at warn or above. */
  function expectOneLinePerOutage(run: FaultRun) {
    const warnings = logLines([...run.linesDuringFault, ...run.linesAfterFault]);
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^Postgres unreachable \(/)]);
    expect(run.output).toMatch(/"msg":"Postgres reachable again after [\d.]+ s"/);
    expect(run.output).not.toMatch(/"stack":/);
  }

  it('connections cut, and refused for 3 s', async () => {
    const { run } = await throughFault(
      'postgres: connections cut and refused',
      41,
      { begin: () => proxy.cut({ refuse: true }), end: () => proxy.heal() },
      3000,
    );
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic stalled for 5 s (sockets open, no byte moves)', async () => {
    const { run } = await throughFault(
      'postgres: stalled',
      42,
      { begin: () => proxy.stall(), end: () => proxy.heal() },
      5000,
    );
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
    expectOneLinePerOutage(run);
  }, 120_000);

  it('traffic slowed (20 ms per chunk, 256 KiB/s) for 3 s: slower, never failing', async () => {
    const { run } = await throughFault(
      'postgres: slowed',
      43,
      { begin: () => proxy.slow({ latencyMs: 20, bytesPerSecond: 256 * 1024 }), end: () => proxy.heal() },
      3000,
    );
    expect(run.duringFault.length).toBeGreaterThan(0);
    expect(run.duringFault.filter((r) => r.status !== 200)).toEqual([]);
    expect(logLines([...run.linesDuringFault, ...run.linesAfterFault])).toEqual([]);
  }, 120_000);
});
