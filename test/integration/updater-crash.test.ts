import { INPUT_TOPICS } from '@cdp360/domain';
import { runCdp } from '../helpers/cdp-process';
import { countRows, killUpdaterRepeatedly, seededRandom, updaterArgs } from '../helpers/crash';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

/**
 * Crash safety: SIGKILL the updater process at random moments while it consumes, restart it each
 * time, and the final table must equal the batch recompute (which equals an uninterrupted run, see
 * updater-stream-batch.test.ts), with no message lost or counted twice in the fact tables.
 */
describe('updater crash safety', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, sessionTimeoutMs: 6000 });
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
    const args = updaterArgs({ redisNamespace: s.redisNamespace });
    // Each process records a random number of facts (up to ~1,200), then is killed.
    const random = seededRandom(12345);
    const kills = await killUpdaterRepeatedly({
      args,
      env: s.env,
      count: () => countRows(s.db.pool, ['purchase_transactions', 'website_behavior']),
      nextStep: () => 1 + Math.floor(random() * 1200),
      maxKills: 10,
    });
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
    expect(INPUT_TOPICS.length).toBe(8); // the seven event topics and the erasure requests

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(1900);
  }, 600_000);
});
