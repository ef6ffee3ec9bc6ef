import { runCdp, sleep, spawnCdp } from '../helpers/cdp-process';
import { wireEvent } from '../helpers/events';
import { copyCustomer360, rowsDifferingFrom } from '../helpers/snapshots';
import { createScenario, produceGenerated, produceWire, type Scenario, updaterInProcess } from '../helpers/updater';

describe('repairs: reconcile, rebuild, replay of a missed window', () => {
  let s: Scenario;
  const customers = 400;
  let windowStart = '';
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
    await produceGenerated(s, { customers, eventsPerCustomer: 5, duplicateRate: 0.03, invalidRate: 0.01, seed: 21 });
    await sleep(1100); // Kafka timestamps have millisecond resolution: keep the window clearly apart
    windowStart = new Date().toISOString();
    const window = [];
    for (let id = 1; id <= customers; id += 3) {
      window.push(
        wireEvent('purchase', {
          transaction_id: `W2-P-${id}`,
          customer_id: id,
          purchase_date: '2026-06-29',
          total_amount: '1234.56',
          items: [{ product_id: 1001, quantity: 2 }],
        }),
        wireEvent('web_session', {
          session_id: `W2-S-${id}`,
          customer_id: id,
          visit_date: '2026-06-30',
          pages_viewed: 7,
          time_spent: 61.5,
        }),
      );
    }
    await produceWire(s, window);
    expect((await updaterInProcess(s)).reason).toBe('idle');
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const reconcile = async () => {
    const p = spawnCdp(['reconcile', '--ignore', 'customer_lifetime_value_score'], s.env);
    const { code } = await p.exited;
    return { code, output: p.output() };
  };

  it('reconcile exits 1 on a tampered row and 0 after cdp rebuild', async () => {
    expect((await reconcile()).code).toBe(0);
    await s.db.pool.query('UPDATE customer_360 SET total_orders = total_orders + 1, email = $1 WHERE customer_id = 4', [
      'tampered@example.com',
    ]);
    const bad = await reconcile();
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/total_orders: 1 rows differ/);
    expect(bad.output).toMatch(/email: 1 rows differ/);
    expect(bad.output).toMatch(/customer 4:/);

    const out = await runCdp(['rebuild', '--redis-namespace', s.redisNamespace], s.env);
    expect(out).toMatch(/rebuilt \d+ customers' aggregates/);
    expect((await reconcile()).code).toBe(0);
  }, 120_000);

  it('replaying from a time repairs customers who missed that window and leaves the others as they were', async () => {
    await copyCustomer360(s.db.pool, 'complete');
    const missed = [4, 7, 10];
    // The window never reached these customers: no facts in Postgres, aggregates rebuilt without them.
    await s.db.pool.query(
      `DELETE FROM purchase_transactions WHERE transaction_id LIKE 'W2-%' AND customer_id = ANY($1)`,
      [missed],
    );
    await s.db.pool.query(`DELETE FROM website_behavior WHERE session_id LIKE 'W2-%' AND customer_id = ANY($1)`, [
      missed,
    ]);
    await runCdp(['rebuild', '--redis-namespace', s.redisNamespace], s.env);
    expect(await rowsDifferingFrom(s.db.pool, 'complete')).toEqual(missed);

    const plan = await runCdp(['replay', '--to', windowStart], s.env);
    expect(plan).toMatch(/moved 24 partitions/);
    const summary = await updaterInProcess(s);
    // Only the window was read again: 2 facts per third customer, 6 of them new.
    expect(summary.counters.totals()).toMatchObject({ applied: Math.ceil(customers / 3) * 2, deadLettered: 0 });
    expect(await rowsDifferingFrom(s.db.pool, 'complete')).toEqual([]);
    expect((await reconcile()).code).toBe(0);
  }, 120_000);
});
