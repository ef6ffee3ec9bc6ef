import { addDays, churnRiskScore, daysBetween } from '@cdp360/domain';
import { upsertProducts } from '@cdp360/postgres';
import { customerEvent, wireEvent } from '../helpers/events';
import { changedColumns, customer360Snapshot, scoreOnceCli } from '../helpers/scoring';
import { createScenario, produceWire, type Scenario, streamVersusBatch, updaterInProcess } from '../helpers/updater';

const AS_OF = '2026-07-01';

const customer = (id: number, dateOfBirth: string) =>
  customerEvent(id, { date_of_birth: dateOfBirth, registration_date: '2024-02-29' });

let tx = 0;
const purchase = (id: number, date: string, products: number[]) =>
  wireEvent('purchase', {
    transaction_id: `T-${id}-${++tx}`,
    customer_id: id,
    purchase_date: date,
    total_amount: '10.00',
    items: products.map((p) => ({ product_id: p, quantity: 1 })),
  });

const product = (id: number, category: string, brand: string, time = '2026-06-01T12:00:00Z') =>
  wireEvent('product', { product_id: id, category, brand, name: null }, { time });

describe('scoring: catalog changes and the as-of date', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: AS_OF });
    // Last purchases 0, 60, 180 and 334 days before AS_OF: 31 days later each crosses a churn step
    // (except 180 -> 211 and 334 -> 365, which stay 4).
    await produceWire(s, [
      product(1, 'Books', 'Acme'),
      product(2, 'Toys', 'Zed'),
      product(3, 'Garden', 'Bolt'),
      customer(10, '2000-07-15'), // turns 26 between the two as-of dates
      purchase(10, AS_OF, [1, 1]), // Books/Acme
      customer(11, '1990-01-01'),
      purchase(11, addDays(AS_OF, -60), [2, 2, 3]), // Toys/Zed
      customer(12, '1992-02-29'),
      purchase(12, addDays(AS_OF, -180), [3]), // Garden/Bolt
      customer(13, '1985-12-31'),
      purchase(13, addDays(AS_OF, -334), [1, 3]), // tie: Books/Acme < Garden/Bolt
      customer(14, '1970-08-01'), // never buys: no churn score
      wireEvent('web_session', {
        session_id: 'S-14',
        customer_id: 14,
        visit_date: '2026-06-30',
        pages_viewed: 2,
        time_spent: 5,
      }),
    ]);
    await updaterInProcess(s);
    await scoreOnceCli(s, AS_OF);
    expect((await streamVersusBatch(s.db.pool, AS_OF, [])).equal).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('a product re-categorised on the product topic changes the favourites of exactly its affected buyers', async () => {
    const before = await customer360Snapshot(s.db.pool);
    // Garden/Bolt becomes Archery/Bolt, which sorts before Books: 12 and 13 change, 11 (2 Toys lines) does not.
    await produceWire(s, [product(3, 'Archery', 'Bolt', '2026-06-15T00:00:00Z')]);
    await updaterInProcess(s);
    await scoreOnceCli(s, AS_OF);
    const after = await customer360Snapshot(s.db.pool);
    expect(Object.fromEntries(changedColumns(before, after))).toEqual({
      12: ['favorite_category'],
      13: ['favorite_category', 'favorite_brand'],
    });
    expect(after.get(13)).toMatchObject({ favorite_category: 'Archery', favorite_brand: 'Bolt' });
    expect((await streamVersusBatch(s.db.pool, AS_OF, [])).equal).toBe(true);
  }, 120_000);

  it('a catalog change no updater re-derived is swept by the next run: its buyers only', async () => {
    // Recorded as the updater records it (a new catalog revision), but no updater derives the rows.
    await upsertProducts(s.db.pool, [
      {
        data: { kind: 'product', productId: 1, category: 'Zoo', brand: 'Acme', name: null },
        src: 'test:products/0/999',
        time: '2026-06-20T00:00:00.000000000Z',
        seq: 999,
      },
    ]);
    const stale = await streamVersusBatch(s.db.pool, AS_OF, []);
    expect(stale.columns.map((c) => [c.column, c.count])).toEqual([['favorite_category', 1]]);

    const before = await customer360Snapshot(s.db.pool);
    const output = await scoreOnceCli(s, AS_OF);
    expect(output).toMatch(/favorite_category\s+1 changed/);
    expect(output).toMatch(/favorite_brand\s+0 changed.*2 customers swept/);
    const after = await customer360Snapshot(s.db.pool);
    // 10: Books/Acme (2 lines) -> Zoo/Acme; 13 (one Zoo, one Archery line) keeps Archery/Bolt.
    expect(Object.fromEntries(changedColumns(before, after))).toEqual({ 10: ['favorite_category'] });
    expect((await streamVersusBatch(s.db.pool, AS_OF, [])).equal).toBe(true);

    const run = await s.db.pool.query(
      'SELECT favorite_category_changed, favorite_brand_changed, favorites_full FROM scoring_runs ORDER BY run_id DESC LIMIT 1',
    );
    expect(run.rows[0]).toEqual({ favorite_category_changed: '1', favorite_brand_changed: '0', favorites_full: false });
  }, 120_000);

  it('moving the as-of date by 31 days changes churn scores as the rules say, and only date-dependent columns', async () => {
    const later = addDays(AS_OF, 31);
    const before = await customer360Snapshot(s.db.pool);
    await scoreOnceCli(s, later);
    const after = await customer360Snapshot(s.db.pool);

    const dateColumns = new Set(['age', 'customer_tenure_days', 'days_since_last_purchase', 'churn_risk_score']);
    for (const [id, cols] of changedColumns(before, after)) {
      expect({ id, other: cols.filter((c) => !dateColumns.has(c)) }).toEqual({ id, other: [] });
    }
    const churn = Object.fromEntries(
      [...after].map(([id, r]) => [
        id,
        [before.get(id)!.churn_risk_score, r.churn_risk_score, r.days_since_last_purchase],
      ]),
    );
    expect(churn).toEqual({
      10: [1, 2, 31],
      11: [2, 3, 91],
      12: [3, 4, 211],
      13: [4, 4, 365],
      14: [null, null, null],
    });
    for (const r of after.values()) {
      const lp = r.last_purchase_date as string | null;
      expect(r.churn_risk_score).toBe(churnRiskScore(lp === null ? null : daysBetween(lp, later)));
    }
    expect(after.get(10)!.age).toBe(26);
    expect(before.get(10)!.age).toBe(25);
    expect((await streamVersusBatch(s.db.pool, later, [])).equal).toBe(true);
  }, 120_000);
});
