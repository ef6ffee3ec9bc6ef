import { batchCustomer360Sql } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import { makeProduct, makePurchase } from '../helpers/facts';

// In an en-US database 'alpha' sorts before 'Zeta' and 'b' before 'B'; favourites must still break
// ties in byte order, as the stream does (SEMANTICS.md), whatever the database's collation.
const db = withDatabase({ icuLocale: 'en-US' });

test('the database really sorts by en-US rules', async () => {
  const { rows } = await db.pool.query(`SELECT 'alpha' < 'Zeta' AS a, 'b' < 'B' AS b`);
  expect(rows[0]).toEqual({ a: true, b: true });
});

test('favourite ties go to the smallest pair in byte order, not in the database collation', async () => {
  await makeProduct(db.pool, { product_id: 1, category: 'alpha', brand: 'x' });
  await makeProduct(db.pool, { product_id: 2, category: 'Zeta', brand: 'x' });
  await makeProduct(db.pool, { product_id: 3, category: 'Home', brand: 'b' });
  await makeProduct(db.pool, { product_id: 4, category: 'Home', brand: 'B' });
  await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 1 }, { product_id: 2 }] });
  await makePurchase(db.pool, { customer_id: 2, items: [{ product_id: 3 }, { product_id: 4 }] });
  const { rows } = await db.pool.query(
    `SELECT customer_id, favorite_category, favorite_brand FROM (${batchCustomer360Sql}) b ORDER BY customer_id`,
    ['2026-11-25'],
  );
  expect(rows).toEqual([
    { customer_id: 1, favorite_category: 'Zeta', favorite_brand: 'x' },
    { customer_id: 2, favorite_category: 'Home', favorite_brand: 'B' },
  ]);
});
