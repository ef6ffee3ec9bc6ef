import { topicNames } from '@cdp360/domain';
import { consumeTopics } from '../helpers/kafka';
import { scriptedTriggerCustomer, type TriggerEvent } from '../helpers/trigger-script';
import { createScenario, produceWire, type Scenario, updaterInProcess } from '../helpers/updater';

describe('personalization triggers', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: '2026-06-01' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('raises exactly the expected triggers, once each, for a scripted customer', async () => {
    await scriptedTriggerCustomer(async (events, asOf, expectedSoFar) => {
      await produceWire(s, events);
      s.config.asOf = asOf;
      await updaterInProcess(s);
      const got = await consumeTopics(s.kafka, [topicNames(s.prefix).profileTriggers], expectedSoFar, 10_000);
      return got.map((m) => JSON.parse(m.value!.toString()) as TriggerEvent);
    });
    // Nothing more arrives and nothing is left queued.
    expect(await consumeTopics(s.kafka, [topicNames(s.prefix).profileTriggers], 6, 3_000)).toHaveLength(5);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);
  }, 120_000);
});
