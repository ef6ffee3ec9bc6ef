import { runCdp, sleep, spawnCdp } from '../helpers/cdp-process';
import { updaterArgs } from '../helpers/crash';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

describe('updater graceful shutdown', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('on SIGTERM mid-run: finishes the unit, commits, leaves the group and exits 0 within 10 s', async () => {
    await produceGenerated(s, {
      customers: 1500,
      eventsPerCustomer: 8,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 77,
    });
    const args = updaterArgs({ untilIdle: false });
    const p = spawnCdp(args, s.env);
    const count = async () => Number((await s.db.pool.query('SELECT count(*) AS n FROM website_behavior')).rows[0].n);
    while ((await count()) < 1500 && p.child.exitCode === null) await sleep(20);
    expect(p.child.exitCode).toBeNull();

    const sent = Date.now();
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    const took = Date.now() - sent;
    expect(code).toBe(0);
    expect(took).toBeLessThan(10_000);
    expect(p.output()).toMatch(/updater stopped \(signal\)/);

    // It left the group: no member remains, so a replay (or another updater) can go ahead at once.
    const admin = s.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([s.group]);
      expect(groups[0]!.members).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }

    await runCdp([...args, '--until-idle'], s.env);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  }, 180_000);
});
