import { topicNames } from '@cdp360/domain';
import type { Message } from '@google-cloud/pubsub';
import { wireEvent } from '../helpers/events';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishWire,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';

interface TriggerEvent {
  id: string;
  type: string;
  data: { customer_id: number; rule: string; idempotency_key: string; old_value: unknown; new_value: unknown };
}

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

  const purchase = (id: string, date: string, amount: string) =>
    wireEvent('purchase', {
      transaction_id: id,
      customer_id: 10,
      purchase_date: date,
      total_amount: amount,
      items: [{ product_id: 1, quantity: 1 }],
    });

  const all: Message[] = [];
  /** Runs the updater over `events` (as of `asOf`) and returns every trigger received so far. */
  async function step(events: ReturnType<typeof wireEvent>[], asOf: string, expectedSoFar: number) {
    await publishWire(s, events);
    s.config.asOf = asOf;
    const summary = await pubsubUpdaterInProcess(s);
    expect(summary.reason).toBe('idle');
    all.push(...(await readSubscription(s.pubsub, reader, expectedSoFar - all.length, 3_000)));
    return all.map((m) => JSON.parse(m.data.toString('utf8')) as TriggerEvent);
  }

  it('publishes exactly the expected triggers, once each, with their idempotency keys', async () => {
    const record = wireEvent('customer', {
      customer_id: 10,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      phone_number: null,
      date_of_birth: '1990-01-01',
      registration_date: '2026-01-01',
    });
    let t = await step([record, purchase('P1', '2026-01-10', '100.00')], '2026-06-01', 1);
    expect(t.map((e) => e.data.rule)).toEqual(['first_purchase']);

    t = await step([purchase('P2', '2026-01-11', '4950.00')], '2026-06-01', 2); // 5050.00: Medium
    expect(t.map((e) => e.data.rule)).toEqual(['first_purchase', 'segment_changed']);
    expect(t[1]!.data).toMatchObject({ old_value: 'Low Value', new_value: 'Medium Value' });

    t = await step([purchase('P3', '2026-01-12', '5000.00')], '2026-06-01', 4); // 10050.00: High
    expect(
      t
        .slice(2)
        .map((e) => e.data.rule)
        .sort(),
    ).toEqual(['became_high_value', 'segment_changed']);

    // Risk stays 3 on Jun 21 (160 days since the last purchase), nothing new...
    const web = (id: string, date: string) =>
      wireEvent('web_session', { session_id: id, customer_id: 10, visit_date: date, pages_viewed: 1, time_spent: 5 });
    t = await step([web('W1', '2026-06-20')], '2026-06-21', 4);
    expect(t).toHaveLength(4);
    // ...and rises to 4 on Jul 22 (191 days).
    t = await step([web('W2', '2026-07-21')], '2026-07-22', 5);
    expect(t.map((e) => e.data.rule)).toEqual([
      'first_purchase',
      'segment_changed',
      expect.any(String),
      expect.any(String),
      'churn_risk_rose',
    ]);
    expect(t[4]!.data).toMatchObject({ old_value: 3, new_value: 4 });

    // Once each: distinct idempotency keys, each the CloudEvents id; ordering key = the customer;
    // nothing more arrives and nothing is left queued.
    expect(new Set(t.map((e) => e.data.idempotency_key)).size).toBe(5);
    for (const e of t) {
      expect(e.id).toBe(e.data.idempotency_key);
      expect(e.data.customer_id).toBe(10);
    }
    for (const m of all) {
      expect(m.orderingKey).toBe('10');
      expect(m.attributes['content-type']).toMatch(/^application\/cloudevents\+json/);
    }
    expect(await readSubscription(s.pubsub, reader, 1, 3_000)).toEqual([]);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);
  }, 180_000);
});
