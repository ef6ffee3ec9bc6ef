import { topicNames } from '@cdp360/domain';
import { runCdp } from '../helpers/cdp-process';
import { countRows, killUpdaterRepeatedly, updaterArgs } from '../helpers/crash';
import { wireEvent } from '../helpers/events';
import { consumeTopics } from '../helpers/kafka';
import { createScenario, produceGenerated, produceWire, type Scenario } from '../helpers/updater';

interface TriggerEvent {
  id: string;
  data: { customer_id: number; rule: string; idempotency_key: string };
}

/**
 * A crash may repeat a trigger but never lose one: after SIGKILLs mid-run, every customer who bought
 * has a first_purchase trigger and every High Value customer a became_high_value one (rules that can
 * fire only once per customer, whatever the batching), and all copies of one share their key.
 */
describe('triggers across crashes', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, sessionTimeoutMs: 6000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('each trigger appears at least once after SIGKILLs, copies sharing their idempotency key', async () => {
    await produceGenerated(s, {
      customers: 1200,
      eventsPerCustomer: 10,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 5150,
    });
    // A few customers who certainly cross 10,000 (three 4,000.00 orders each).
    const big = [];
    for (const customer of [900001, 900002, 900003]) {
      for (let i = 1; i <= 3; i++) {
        big.push(
          wireEvent('purchase', {
            transaction_id: `BIG-${customer}-${i}`,
            customer_id: customer,
            purchase_date: '2026-06-01',
            total_amount: '4000.00',
            items: [{ product_id: 1001, quantity: 1 }],
          }),
        );
      }
    }
    await produceWire(s, big);
    const args = updaterArgs();
    const steps = [900, 800, 700];
    const kills = await killUpdaterRepeatedly({
      args,
      env: s.env,
      count: () => countRows(s.db.pool, ['purchase_transactions']),
      nextStep: () => steps.shift()!,
      maxKills: 3,
    });
    expect(kills).toBeGreaterThanOrEqual(2);
    await runCdp(args, s.env);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);

    const messages = await consumeTopics(s.kafka, [topicNames(s.prefix).profileTriggers], 1_000_000, 8_000);
    const events = messages.map((m) => JSON.parse(m.value!.toString()) as TriggerEvent);
    const keys = new Map<string, Set<string>>(); // `${rule}/${customer}` -> distinct idempotency keys
    for (const e of events) {
      expect(e.id).toBe(e.data.idempotency_key);
      const k = `${e.data.rule}/${e.data.customer_id}`;
      if (!keys.has(k)) keys.set(k, new Set());
      keys.get(k)!.add(e.id);
    }
    const rows = await s.db.pool.query<{ customer_id: number; customer_segment: string; total_orders: number | null }>(
      'SELECT customer_id, customer_segment, total_orders FROM customer_360',
    );
    let buyers = 0;
    let high = 0;
    for (const r of rows.rows) {
      if (r.total_orders !== null) {
        buyers++;
        expect({ customer: r.customer_id, keys: keys.get(`first_purchase/${r.customer_id}`)?.size }).toEqual({
          customer: r.customer_id,
          keys: 1,
        });
      }
      if (r.customer_segment === 'High Value') {
        high++;
        expect(keys.get(`became_high_value/${r.customer_id}`)?.size).toBe(1);
      }
    }
    expect(buyers).toBeGreaterThan(500);
    expect(high).toBeGreaterThanOrEqual(3);
    // No first_purchase for anyone who has no orders.
    const firstPurchasers = [...keys.keys()].filter((k) => k.startsWith('first_purchase/')).length;
    expect(firstPurchasers).toBe(buyers);
  }, 300_000);
});
