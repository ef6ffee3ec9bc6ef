import type { WireMessage } from '@cdp360/generator';
import { customerEvent, wireEvent } from './events';

/** A trigger CloudEvent as consumers read it. */
export interface TriggerEvent {
  id: string;
  type: string;
  data: {
    customer_id: number;
    rule: string;
    idempotency_key: string;
    profile_version: string;
    old_value: unknown;
    new_value: unknown;
  };
}

/** Runs the updater over `events` as of `asOf`; resolves with every trigger published so far (`expectedSoFar` awaited). */
export type TriggerStep = (events: WireMessage[], asOf: string, expectedSoFar: number) => Promise<TriggerEvent[]>;

const CUSTOMER = 10;

const purchase = (id: string, date: string, amount: string) =>
  wireEvent('purchase', {
    transaction_id: id,
    customer_id: CUSTOMER,
    purchase_date: date,
    total_amount: amount,
    items: [{ product_id: 1, quantity: 1 }],
  });

const web = (id: string, date: string) =>
  wireEvent('web_session', { session_id: id, customer_id: CUSTOMER, visit_date: date, pages_viewed: 1, time_spent: 5 });

/**
 * The scripted customer of the trigger tests, whatever the transport: a first purchase, crossing
 * 5,000 and 10,000, then the calendar moving until churn risk rises to 4. Asserts the triggers after
 * each step (each rule exactly once, ids = idempotency keys) and returns the final five.
 */
export async function scriptedTriggerCustomer(step: TriggerStep): Promise<TriggerEvent[]> {
  const record = customerEvent(CUSTOMER, { first_name: 'Ada', registration_date: '2026-01-01' });
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

  // Risk stays 3 on Jun 21 (160 days since the last purchase): nothing new...
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

  // Once each: distinct idempotency keys, each the CloudEvents id, all about the scripted customer.
  expect(new Set(t.map((e) => e.data.idempotency_key)).size).toBe(5);
  for (const e of t) {
    expect(e.id).toBe(e.data.idempotency_key);
    expect(e.data.customer_id).toBe(CUSTOMER);
  }
  return t;
}
