import type { ClientBase } from 'pg';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * Customers whose favourites may differ from what the stream wrote: buyers of products whose catalog
 * revision is above the last sweep's ($1), or, for the first sweep, every customer.
 */
const AFFECTED = {
  changedProducts: `affected AS (
  SELECT DISTINCT t.customer_id
  FROM purchase_items i
  JOIN purchase_transactions t ON t.transaction_id = i.transaction_id
  WHERE i.product_id IN (SELECT product_id FROM product_catalog WHERE rev > $1)
)`,
  everyone: `affected AS (
  SELECT customer_id FROM customer_360_rows
)`,
};

/**
 * The purchases whose line items are counted: those of the affected customers, or, when everyone is
 * swept, all of them (joining every purchase to the list of every customer would only cost a hash
 * join of the whole table; customers without a customer_360 row are left out by `target` anyway).
 */
const PURCHASES = {
  changedProducts: `affected a
  JOIN purchase_transactions t ON t.customer_id = a.customer_id`,
  everyone: 'purchase_transactions t',
};

/**
 * The batch recompute's rule for favourites (batch-customer-360.sql), in the parts the sweep shares
 * with it: line items per (category, brand) of products in the catalog, and the pair with the most,
 * ties to the smallest in byte order. favorites.test.ts checks the batch still says the same.
 */
export const FAVOURITE_SQL = {
  pairCountColumns: 'SELECT t.customer_id, p.category, p.brand, count(*) AS line_items',
  pairCountGroups: 'GROUP BY t.customer_id, p.category, p.brand',
  favourites: `SELECT DISTINCT ON (customer_id) customer_id, category, brand
  FROM pair_counts
  ORDER BY customer_id, line_items DESC, category COLLATE "C", brand COLLATE "C"`,
} as const;

/**
 * pair_counts and favourites are the batch recompute's (batch-customer-360.sql): line items per
 * (category, brand) of products in the current catalog; the pair with the most, ties to the smallest
 * in byte order. Only the rows whose favourites change are kept (`to_write`), found again by their
 * `ctid`s (one TID scan for the list; see clv.ts): joining every row of the table back to itself by customer_id cost
 * 1.4 s of a 9 s first sweep at 1M. The snapshot's `ctid` stays the row's for the statement, and a
 * concurrent update is followed to the newest version. The update is guarded by total_orders: a row
 * the updater rewrote meanwhile from a newer state (a new purchase) is left to it. `bounds` reads the catalog revision in the statement's
 * snapshot: revisions commit in order (migration 002), so every change up to it is swept here.
 */
function sweepSql(affected: string, purchases: string, scope: string, capture: CaptureSql | null = null): string {
  return `WITH bounds AS (
  SELECT COALESCE(max(rev), 0)::int8 AS revision FROM product_catalog
),
${affected},
pair_counts AS (
  ${FAVOURITE_SQL.pairCountColumns}
  FROM ${purchases}
  JOIN purchase_items i ON i.transaction_id = t.transaction_id
  JOIN product_catalog p ON p.product_id = i.product_id
  ${FAVOURITE_SQL.pairCountGroups}
),
favourites AS (
  ${FAVOURITE_SQL.favourites}
),
target AS (
  SELECT
    c.ctid AS tid,
    c.customer_id,
    c.total_orders,
    c.favorite_category AS old_category,
    c.favorite_brand AS old_brand,
    f.category,
    f.brand,
    c.favorite_category IS DISTINCT FROM f.category AS category_changed,
    c.favorite_brand IS DISTINCT FROM f.brand AS brand_changed
  FROM customer_360_rows c
  LEFT JOIN favourites f ON f.customer_id = c.customer_id
  ${scope}
),
to_write AS MATERIALIZED (
  SELECT * FROM target WHERE category_changed OR brand_changed
),
changed AS (
  UPDATE customer_360_rows AS c SET favorite_category = t.category, favorite_brand = t.brand
  FROM to_write t
  WHERE c.ctid = ANY (ARRAY(SELECT tid FROM to_write))
    AND c.ctid = t.tid
    AND c.total_orders IS NOT DISTINCT FROM t.total_orders
    AND (c.favorite_category, c.favorite_brand) IS DISTINCT FROM (t.category, t.brand)
  RETURNING t.category_changed, t.brand_changed${capture?.returning ?? ''}
)${capture?.cte ?? ''}
SELECT
  (SELECT revision FROM bounds) AS revision,
  (SELECT count(*) FROM affected)::int8 AS affected,
  count(*) FILTER (WHERE category_changed)::int8 AS category_changed,
  count(*) FILTER (WHERE brand_changed)::int8 AS brand_changed,
  count(*)::int8 AS rows_written
FROM changed`;
}

const CHANGED_PRODUCTS_SCOPE = 'WHERE c.customer_id IN (SELECT customer_id FROM affected)';

const SWEEP_SQL = {
  changedProducts: sweepSql(AFFECTED.changedProducts, PURCHASES.changedProducts, CHANGED_PRODUCTS_SCOPE),
  everyone: sweepSql(AFFECTED.everyone, PURCHASES.everyone, ''),
};

/** The favourites before and after, for trigger rules watching them. */
const FAVORITE_VALUES = {
  favorite_category: { old: 't.old_category', new: 't.category' },
  favorite_brand: { old: 't.old_brand', new: 't.brand' },
};

export interface FavoritesStepResult {
  /** Catalog revision the sweep covers: pass it as `sinceRevision` next time. */
  revision: bigint;
  /** Whether every customer was swept (no earlier sweep to start from). */
  full: boolean;
  /** Customers examined. */
  affected: number;
  categoryChanged: number;
  brandChanged: number;
  rowsWritten: number;
  /** Personalization triggers the changed favourites raised (queued in the outbox). */
  triggersQueued: number;
}

/**
 * Makes favorite_category/favorite_brand exact for every customer who bought a product changed in the
 * catalog after `sinceRevision`, or for every customer when `sinceRevision` is null, in one statement
 * that writes only rows whose favourites change.
 */
export async function sweepFavorites(
  db: ClientBase,
  sinceRevision: bigint | null,
  triggers?: StepTriggers,
): Promise<FavoritesStepResult> {
  const full = sinceRevision === null;
  const { result: r, triggersQueued } = await withStepTriggers(db, triggers, FAVORITE_VALUES, async (capture) => {
    const sql = full
      ? capture
        ? sweepSql(AFFECTED.everyone, PURCHASES.everyone, '', capture)
        : SWEEP_SQL.everyone
      : capture
        ? sweepSql(AFFECTED.changedProducts, PURCHASES.changedProducts, CHANGED_PRODUCTS_SCOPE, capture)
        : SWEEP_SQL.changedProducts;
    const res = await db.query<{
      revision: string;
      affected: string;
      category_changed: string;
      brand_changed: string;
      rows_written: string;
    }>(sql, full ? [] : [sinceRevision.toString()]);
    return res.rows[0]!;
  });
  const swept = BigInt(r.revision);
  return {
    revision: sinceRevision !== null && sinceRevision > swept ? sinceRevision : swept,
    full,
    affected: Number(r.affected),
    categoryChanged: Number(r.category_changed),
    brandChanged: Number(r.brand_changed),
    rowsWritten: Number(r.rows_written),
    triggersQueued,
  };
}
