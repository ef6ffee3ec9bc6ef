import { INPUT_TOPICS } from '@cdp360/domain';
import { runCdp, sleep, spawnCdp } from '../helpers/cdp-process';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

/**
 * Crash safety: SIGKILL the updater process at random moments while it consumes, restart it each
 * time, and the final table must equal the batch recompute (which equals an uninterrupted run, see
 * updater-stream-batch.test.ts), with no message lost or counted twice in the fact tables.
 */
describe('updater crash safety', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
    // A short session lets a restarted member take over a killed member's partitions quickly.
    s.env.CDP_KAFKA_SESSION_TIMEOUT_MS = '6000';
  });
  afterAll(async () => {
    await s?.close();
  });

  it('ends with the same table after 10 SIGKILLs at random moments', async () => {
    const manifest = await produceGenerated(s, {
      customers: 2000,
      eventsPerCustomer: 8,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 99,
    });
    const args = [
      'updater',
      '--until-idle',
      '--redis-namespace',
      s.redisNamespace,
      '--stats-interval',
      '0',
      '--max-unit-messages',
      '300',
      '--max-bytes-per-partition',
      '32768',
    ];
    const factCount = async () =>
      Number(
        (
          await s.db.pool.query(
            `SELECT (SELECT count(*) FROM purchase_transactions) + (SELECT count(*) FROM website_behavior) AS n`,
          )
        ).rows[0].n,
      );
    let kills = 0;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    while (kills < 10) {
      const before = await factCount();
      const p = spawnCdp(args, s.env);
      // Let this process record a random number of facts (up to ~1,200), then kill it.
      const target = before + 1 + Math.floor(random() * 1200);
      const deadline = Date.now() + 60_000;
      while ((await factCount()) < target && p.child.exitCode === null && Date.now() < deadline) await sleep(20);
      const stillRunning = p.child.exitCode === null;
      p.child.kill('SIGKILL');
      await p.exited;
      if (!stillRunning) break; // it finished before the kill: nothing left to interrupt
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    await runCdp(args, s.env);

    // Every fact and record of the manifest is in the source tables exactly once.
    const count = async (table: string) =>
      Number((await s.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const topic = (name: string) => manifest.topics[name]!;
    expect(await count('purchase_transactions')).toBe(topic('cdp.purchases.v1').validFirst);
    expect(await count('customer_service')).toBe(topic('cdp.service-interactions.v1').validFirst);
    expect(await count('campaign_responses')).toBe(topic('cdp.campaign-responses.v1').validFirst);
    expect(await count('website_behavior')).toBe(topic('cdp.web-sessions.v1').validFirst);
    expect(INPUT_TOPICS.length).toBe(7);

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(1900);
  }, 600_000);
});
