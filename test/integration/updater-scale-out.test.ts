import { runCdp, sleep, spawnCdp } from '../helpers/cdp-process';
import { updaterArgs } from '../helpers/crash';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

/** Several updater processes in one consumer group, with a rebalance while they run. */
describe('updater scale-out', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, sessionTimeoutMs: 6000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('gives the same table with two processes and a third joining mid-run', async () => {
    const manifest = await produceGenerated(s, {
      customers: 2000,
      eventsPerCustomer: 8,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 4242,
    });
    const args = updaterArgs({ redisNamespace: s.redisNamespace });
    const a = spawnCdp(args, s.env);
    const b = spawnCdp(args, s.env);
    // Join a third member once consumption is under way: the group rebalances while units run.
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const n = Number((await s.db.pool.query('SELECT count(*) AS n FROM website_behavior')).rows[0].n);
      if (n > 500) break;
      await sleep(25);
    }
    const c = spawnCdp(args, s.env);
    const results = await Promise.all([a.exited, b.exited, c.exited]);
    for (const [i, r] of results.entries()) {
      if (r.code !== 0) throw new Error(`updater ${i} exited ${r.code ?? r.signal}:\n${[a, b, c][i]!.output()}`);
    }
    // A straggler-free finish: one more run finds nothing left.
    const last = await runCdp(args, s.env);
    expect(last).toMatch(/total\s+0\s+0\s+0/);

    const count = async (table: string) =>
      Number((await s.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    expect(await count('purchase_transactions')).toBe(manifest.topics['cdp.purchases.v1']!.validFirst);
    expect(await count('website_behavior')).toBe(manifest.topics['cdp.web-sessions.v1']!.validFirst);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(1900);
  }, 300_000);
});
