import { wireEvent } from '../helpers/events';
import { createScenario, produceWire, type Scenario, streamVersusBatch, updaterInProcess } from '../helpers/updater';

describe('updater: re-sent facts', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
  });
  afterAll(async () => {
    await s?.close();
  });

  const row = async (id: number) =>
    (await s.db.pool.query('SELECT * FROM customer_360 WHERE customer_id = $1', [id])).rows[0];

  it('ignores the same business id sent again at a later offset, in a later run or the same one', async () => {
    const purchase = (amount: string, date = '2026-06-01') =>
      wireEvent('purchase', {
        transaction_id: 'T-1',
        customer_id: 5,
        purchase_date: date,
        total_amount: amount,
        items: [{ product_id: 1, quantity: 1 }],
      });
    const session = (pages: number) =>
      wireEvent('web_session', {
        session_id: 'S-1',
        customer_id: 5,
        visit_date: '2026-06-02',
        pages_viewed: pages,
        time_spent: 12.5,
      });

    await produceWire(s, [purchase('100.00'), session(3)]);
    let summary = await updaterInProcess(s);
    expect(summary.counters.totals()).toMatchObject({ applied: 2, duplicate: 0, deadLettered: 0 });
    const first = await row(5);
    expect(first).toMatchObject({
      total_orders: 1,
      total_lifetime_value: '100.00',
      total_sessions: 1,
      avg_pages_per_session: 3,
    });

    // Re-sent later with other values (a producer retry with a bug): nothing changes.
    await produceWire(s, [purchase('999.99', '2026-06-20'), session(40), purchase('5.00')]);
    summary = await updaterInProcess(s);
    expect(summary.counters.totals()).toMatchObject({ applied: 0, duplicate: 3, deadLettered: 0 });
    expect(await row(5)).toEqual(first);
    const stored = await s.db.pool.query(
      "SELECT total_amount, purchase_date FROM purchase_transactions WHERE transaction_id = 'T-1'",
    );
    expect(stored.rows).toEqual([{ total_amount: '100.00', purchase_date: '2026-06-01' }]);

    // A new fact of the same customer in the same run as a copy: only the new one counts.
    await produceWire(s, [
      wireEvent('purchase', {
        transaction_id: 'T-2',
        customer_id: 5,
        purchase_date: '2026-06-03',
        total_amount: 50,
        items: [{ product_id: 2, quantity: 2 }],
      }),
      wireEvent('purchase', {
        transaction_id: 'T-2',
        customer_id: 5,
        purchase_date: '2026-06-03',
        total_amount: 50,
        items: [{ product_id: 2, quantity: 2 }],
      }),
    ]);
    summary = await updaterInProcess(s);
    expect(summary.counters.totals()).toMatchObject({ applied: 1, duplicate: 1 });
    expect(await row(5)).toMatchObject({
      total_orders: 2,
      total_lifetime_value: '150.00',
      average_order_value: '75.00',
    });

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff.equal).toBe(true);
  });
});
