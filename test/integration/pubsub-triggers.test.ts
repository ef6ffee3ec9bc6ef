import { topicNames } from '@cdp360/domain';
import type { Message } from '@google-cloud/pubsub';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishWire,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';
import { scriptedTriggerCustomer, type TriggerEvent } from '../helpers/trigger-script';

// The Pub/Sub counterpart of triggers.test.ts: the same scripted customer, triggers read from a
// subscription on the trigger topic (created before anything is published).
describePubSub('personalization triggers on Pub/Sub', () => {
  let s: PubSubScenario;
  let reader: string;
  beforeAll(async () => {
    s = await createPubSubScenario({ asOf: '2026-06-01' });
    const topic = topicNames(s.prefix).profileTriggers;
    reader = `${s.group}.${topic}.reader`; // holds the scenario's id: deleted with it
    await s.pubsub.topic(topic).createSubscription(reader);
  });
  afterAll(async () => {
    await s?.close();
  });

  const all: Message[] = [];

  it('publishes exactly the expected triggers, once each, with their idempotency keys', async () => {
    await scriptedTriggerCustomer(async (events, asOf, expectedSoFar) => {
      await publishWire(s, events);
      s.config.asOf = asOf;
      const summary = await pubsubUpdaterInProcess(s);
      expect(summary.reason).toBe('idle');
      all.push(...(await readSubscription(s.pubsub, reader, expectedSoFar - all.length, 3_000)));
      return all.map((m) => JSON.parse(m.data.toString('utf8')) as TriggerEvent);
    });

    // Ordering key = the customer; nothing more arrives and nothing is left queued.
    for (const m of all) {
      expect(m.orderingKey).toBe('10');
      expect(m.attributes['content-type']).toMatch(/^application\/cloudevents\+json/);
    }
    expect(await readSubscription(s.pubsub, reader, 1, 3_000)).toEqual([]);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);
  }, 180_000);
});
