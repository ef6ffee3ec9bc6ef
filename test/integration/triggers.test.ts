import { topicNames } from '@cdp360/domain';
import { wireEvent } from '../helpers/events';
import { consumeTopics } from '../helpers/kafka';
import { createScenario, produceWire, type Scenario, updaterInProcess } from '../helpers/updater';

interface TriggerEvent {
  id: string;
  data: { customer_id: number; rule: string; idempotency_key: string; old_value: unknown; new_value: unknown };
}

describe('personalization triggers', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: '2026-06-01' });
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

  /** Runs the updater over `events` (as of `asOf`) and returns the triggers published so far. */
  async function step(events: ReturnType<typeof wireEvent>[], asOf: string, expectedSoFar: number) {
    await produceWire(s, events);
    s.config.asOf = asOf;
    await updaterInProcess(s);
    const got = await consumeTopics(s.kafka, [topicNames(s.prefix).profileTriggers], expectedSoFar, 10_000);
    return got.map((m) => JSON.parse(m.value!.toString()) as TriggerEvent);
  }

  it('raises exactly the expected triggers, once each, for a scripted customer', async () => {
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

    // 31 days pass: the last purchase (Jan 12) goes from 141 days (risk 3) to 172... still 3; from
    // Jun 21 (160 days, risk 3) to Jul 22 (191 days, risk 4) the risk rises to 4.
    t = await step(
      [
        wireEvent('web_session', {
          session_id: 'W1',
          customer_id: 10,
          visit_date: '2026-06-20',
          pages_viewed: 2,
          time_spent: 30,
        }),
      ],
      '2026-06-21',
      4,
    );
    expect(t).toHaveLength(4);
    t = await step(
      [
        wireEvent('web_session', {
          session_id: 'W2',
          customer_id: 10,
          visit_date: '2026-07-21',
          pages_viewed: 1,
          time_spent: 5,
        }),
      ],
      '2026-07-22',
      5,
    );
    expect(t.map((e) => e.data.rule)).toEqual([
      'first_purchase',
      'segment_changed',
      expect.any(String),
      expect.any(String),
      'churn_risk_rose',
    ]);
    expect(t[4]!.data).toMatchObject({ old_value: 3, new_value: 4 });

    // Every trigger once: distinct idempotency keys, each the CloudEvents id, nothing left queued.
    expect(new Set(t.map((e) => e.id)).size).toBe(5);
    for (const e of t) expect(e.id).toBe(e.data.idempotency_key);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);
  }, 120_000);
});
