import type { Purchase } from '@cdp360/domain';
import { recordPurchases, type SourcedFact } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';

const db = withDatabase();

function purchase(id: string, customerId: number, products: number[]): SourcedFact<Purchase> {
  return {
    data: {
      kind: 'purchase',
      transactionId: id,
      customerId,
      purchaseDate: '2026-11-30',
      totalCents: 1000 * products.length,
      items: products.map((productId) => ({ productId, quantity: 1, amountCents: 1000 })),
    },
    src: `cdp.purchases.v1/0/${id}`,
  };
}

/** The product ids of the stored lines of each order whose id starts with `prefix`. */
async function linesOf(prefix: string): Promise<Record<string, number[]>> {
  const { rows } = await db.pool.query<{ transaction_id: string; products: number[] }>(
    `SELECT transaction_id, array_agg(product_id ORDER BY line_no) AS products
       FROM purchase_items WHERE starts_with(transaction_id, $1) GROUP BY transaction_id ORDER BY transaction_id`,
    [prefix],
  );
  return Object.fromEntries(rows.map((r) => [r.transaction_id, r.products]));
}

/**
 * The line items carry no per-row reference to their order (migration 011): the purchase statement
 * alone writes them, and deleting orders still takes their lines along.
 */
describe('purchase line items', () => {
  it('are written with their order, once, however often the order arrives', async () => {
    const first = await recordPurchases(db.pool, [purchase('T-1', 1, [10, 11]), purchase('T-2', 2, [12])]);
    expect(first).toEqual(['new', 'new']);
    const again = await recordPurchases(db.pool, [purchase('T-1', 1, [10, 11]), purchase('T-3', 3, [13, 14, 15])]);
    expect(again).toEqual(['redelivered', 'new']);
    expect(await linesOf('T-')).toEqual({ 'T-1': [10, 11], 'T-2': [12], 'T-3': [13, 14, 15] });
  });

  it('go with their orders when orders are deleted, and come back with an order recorded again', async () => {
    await recordPurchases(db.pool, [purchase('D-1', 7, [20, 21]), purchase('D-2', 7, [22]), purchase('D-3', 8, [23])]);
    const deleted = await db.pool.query(`DELETE FROM purchase_transactions WHERE customer_id = 7`);
    expect(deleted.rowCount).toBe(2);
    expect(await linesOf('D-')).toEqual({ 'D-3': [23] });

    // A replay that records a deleted order again (a repair) finds no stale lines in its way.
    expect(await recordPurchases(db.pool, [purchase('D-1', 7, [20, 21])])).toEqual(['new']);
    expect(await linesOf('D-')).toEqual({ 'D-1': [20, 21], 'D-3': [23] });
  });
});
