import { addDays, topicNames } from '@cdp360/domain';
import { upsertProducts } from '@cdp360/postgres';
import { customerEvent, wireEvent } from '../helpers/events';
import { consumeTopics } from '../helpers/kafka';
import { scoreOnceCli } from '../helpers/scoring';
import type { TriggerEvent } from '../helpers/trigger-script';
import { createScenario, produceWire, type Scenario, streamVersusBatch, updaterInProcess } from '../helpers/updater';

/**
 * The scorer raises personalization triggers for the rows it changes (CLV quintiles, favourites after
 * a catalog change nobody re-derived, churn rising with the calendar), and publishes them itself.
 */

const AS_OF = '2026-06-01';
const LATER = addDays(AS_OF, 31); // 2026-07-02

const customer = (id: number) => customerEvent(id, { date_of_birth: '1990-03-03' });

const purchase = (id: string, customerId: number, date: string, amount: string, productId: number) =>
  wireEvent('purchase', {
    transaction_id: id,
    customer_id: customerId,
    purchase_date: date,
    total_amount: amount,
    items: [{ product_id: productId, quantity: 1 }],
  });

/** Last purchase per customer: 3 is 168 days before AS_OF (churn 3, then 4), 4 is 365 (4, then 5), 5 is 101 (3, 3). */
const LAST_PURCHASE: Record<number, string> = { 3: '2025-12-15', 4: '2025-06-01', 5: '2026-02-20' };

describe('scoring raises personalization triggers', () => {
  let s: Scenario;
  const triggerTopic = () => topicNames(s.prefix).profileTriggers;

  const seen = new Set<string>();
  /**
   * The triggers on the topic not returned before, once `total` are there (or the wait ran out). Order
   * across partitions is not kept, so "new" is by CloudEvents id (each id is expected once).
   */
  async function newTriggers(total: number, waitMs = 15_000): Promise<TriggerEvent[]> {
    const got = await consumeTopics(s.kafka, [triggerTopic()], total, waitMs);
    const all = got.map((m) => JSON.parse(m.value!.toString()) as TriggerEvent);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const fresh = all.filter((e) => !seen.has(e.id));
    for (const e of fresh) seen.add(e.id);
    return fresh;
  }

  const summary = (t: TriggerEvent[]) =>
    t
      .map(
        (e) =>
          `${e.data.customer_id} ${e.data.rule} ${JSON.stringify(e.data.old_value)}->${JSON.stringify(e.data.new_value)}`,
      )
      .sort();

  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: AS_OF });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('raises exactly the expected triggers, once each, keyed by the run', async () => {
    // Ten buyers, customer i spending i x 100.00: two per quintile. Customer 7 alone buys product 2.
    await produceWire(s, [
      wireEvent('product', { product_id: 1, category: 'Books', brand: 'Acme', name: null }),
      wireEvent('product', { product_id: 2, category: 'Games', brand: 'Zed', name: null }),
      ...Array.from({ length: 10 }, (_, i) => customer(i + 1)),
      ...Array.from({ length: 10 }, (_, i) =>
        purchase(`P${i + 1}`, i + 1, LAST_PURCHASE[i + 1] ?? '2026-05-20', `${(i + 1) * 100}.00`, i + 1 === 7 ? 2 : 1),
      ),
    ]);
    await updaterInProcess(s);

    // First run: every quintile goes from unset to its value, which no default rule calls a change.
    const first = await scoreOnceCli(s, AS_OF);
    expect(first).toMatch(/personalization triggers\s+0 queued/);
    let t = await newTriggers(10);
    expect(t).toHaveLength(10);
    expect(t.every((e) => e.data.rule === 'first_purchase')).toBe(true);

    // Customer 1 spends 5,000.00 more and goes to the top: the updater raises the segment change and its
    // estimated quintile (1 -> 5); the next run moves 3, 5, 7 and 9 down a quintile.
    await produceWire(s, [purchase('P11', 1, '2026-05-25', '5000.00', 1)]);
    await updaterInProcess(s);
    t = await newTriggers(12);
    expect(summary(t)).toEqual(['1 clv_quintile_changed 1->5', '1 segment_changed "Low Value"->"Medium Value"']);

    // A catalog change no updater re-derived (recorded as the updater records one): Games -> Puzzles.
    await upsertProducts(s.db.pool, [
      {
        data: { kind: 'product', productId: 2, category: 'Puzzles', brand: 'Zed', name: null },
        src: 'test:products/0/999',
        time: '2026-06-20T00:00:00.000000000Z',
        seq: 999,
      },
    ]);

    // 31 days later: churn of 3 rises 3 -> 4 and of 4 rises 4 -> 5; recent buyers go 1 -> 2 (below the
    // threshold), 5 stays 3.
    const second = await scoreOnceCli(s, LATER);
    expect(second).toMatch(/personalization triggers\s+7 queued/);
    expect(second).toMatch(/7 queued triggers published/);
    const runId = Number(/scoring run (\d+)/.exec(second)![1]);

    const fromRun = await newTriggers(19);
    expect(summary(fromRun)).toEqual([
      '3 churn_risk_rose 3->4',
      '3 clv_quintile_changed 2->1',
      '4 churn_risk_rose 4->5',
      '5 clv_quintile_changed 3->2',
      '7 clv_quintile_changed 4->3',
      '7 favorite_category_changed "Games"->"Puzzles"',
      '9 clv_quintile_changed 5->4',
    ]);
    for (const e of fromRun) {
      expect(e.data.profile_version).toBe(`score-${runId}`);
      expect(e.id).toBe(`${e.data.customer_id}:${e.data.rule}:score-${runId}`);
      expect(e.id).toBe(e.data.idempotency_key);
    }
    const recorded = await s.db.pool.query('SELECT triggers_queued FROM scoring_runs WHERE run_id = $1', [runId]);
    expect(recorded.rows[0].triggers_queued).toBe(7);

    // The run is exact, and another run of the same day changes nothing and raises nothing.
    expect((await streamVersusBatch(s.db.pool, LATER, [])).equal).toBe(true);
    const third = await scoreOnceCli(s, LATER);
    expect(third).toMatch(/personalization triggers\s+0 queued/);
    expect(await newTriggers(20, 3_000)).toEqual([]);
    const queued = await s.db.pool.query('SELECT count(*)::int AS n FROM profile_trigger_outbox');
    expect(queued.rows[0].n).toBe(0);
  }, 180_000);
});
