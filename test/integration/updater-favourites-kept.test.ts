import { customerEvent, wireEvent } from '../helpers/events';
import { createScenario, produceWire, type Scenario, streamVersusBatch, updaterInProcess } from '../helpers/updater';

// A customer without a purchase in a unit has unchanged product lines, so the updater does not read
// them from Redis: its row keeps the stored favourites, as long as the stored row counts the same
// orders. Where it does not (no stored row, or one written before a purchase), the favourites are
// derived from the recorded facts instead.

const AS_OF = '2026-07-01';
let n = 0;
const purchase = (id: number, products: number[]) =>
  wireEvent('purchase', {
    transaction_id: `T-${id}-${++n}`,
    customer_id: id,
    purchase_date: '2026-06-01',
    total_amount: '10.00',
    items: products.map((p) => ({ product_id: p, quantity: 1 })),
  });
const session = (id: number) =>
  wireEvent('web_session', {
    session_id: `S-${id}-${++n}`,
    customer_id: id,
    visit_date: '2026-06-20',
    pages_viewed: 3,
    time_spent: 40,
  });
const product = (id: number, category: string, brand: string) =>
  wireEvent('product', { product_id: id, category, brand, name: null }, { time: '2026-05-01T00:00:00Z' });

describe('favourites of rows written without product lines', () => {
  let s: Scenario;
  const favourites = async (id: number) =>
    (
      await s.db.pool.query(
        'SELECT total_orders, favorite_category, favorite_brand FROM customer_360 WHERE customer_id = $1',
        [id],
      )
    ).rows[0];

  beforeAll(async () => {
    s = await createScenario({ partitions: 2, asOf: AS_OF });
    await produceWire(s, [
      product(1, 'Books', 'Acme'),
      product(2, 'Toys', 'Zed'),
      ...[21, 22, 23].flatMap((id) => [customerEvent(id), purchase(id, [1, 1, 2])]),
    ]);
    await updaterInProcess(s);
    expect((await streamVersusBatch(s.db.pool, AS_OF)).columns).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  test('a stored row with the same orders keeps its favourites: the product lines were not read', async () => {
    // Favourites no derivation gives, on a row that otherwise matches the state: only a row whose
    // favourites were derived again would lose them.
    await s.db.pool.query(
      "UPDATE customer_360_rows SET favorite_category = 'Kept', favorite_brand = 'Kept' WHERE customer_id = 21",
    );
    await produceWire(s, [session(21)]);
    await updaterInProcess(s);
    expect(await favourites(21)).toEqual({ total_orders: 1, favorite_category: 'Kept', favorite_brand: 'Kept' });
    // A purchase reads them again.
    await produceWire(s, [purchase(21, [2, 2, 2])]);
    await updaterInProcess(s);
    expect(await favourites(21)).toEqual({ total_orders: 2, favorite_category: 'Toys', favorite_brand: 'Zed' });
  }, 120_000);

  test('a row written before a purchase that is applied but not yet written gets its favourites from the facts', async () => {
    // As another updater leaves it between applying a purchase to Redis and writing the row: the
    // stored row counts one order fewer than the state, its favourites from before the purchase.
    await produceWire(s, [purchase(22, [2, 2, 2])]);
    await updaterInProcess(s);
    await s.db.pool.query(
      "UPDATE customer_360_rows SET total_orders = 1, favorite_category = 'Books', favorite_brand = 'Acme' WHERE customer_id = 22",
    );
    await produceWire(s, [session(22)]);
    await updaterInProcess(s);
    expect(await favourites(22)).toEqual({ total_orders: 2, favorite_category: 'Toys', favorite_brand: 'Zed' });
  }, 120_000);

  test('a customer without a stored row gets its favourites from the facts', async () => {
    await s.db.pool.query('DELETE FROM customer_360_rows WHERE customer_id = 23');
    await produceWire(s, [session(23)]);
    await updaterInProcess(s);
    expect(await favourites(23)).toEqual({ total_orders: 1, favorite_category: 'Books', favorite_brand: 'Acme' });
    expect((await streamVersusBatch(s.db.pool, AS_OF)).columns).toEqual([]);
  }, 120_000);
});
