import type { ClientBase, Pool } from 'pg';
import { estimatedRows } from './planner';
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
/** The catalog revision in the statement's snapshot (`bounds`). */
const BOUNDS_CTE = `bounds AS (
  SELECT COALESCE(max(rev), 0)::int8 AS revision FROM product_catalog
)`;

/** `pair_counts` and `favourites` over the line items of `purchases` (alias t), rows `where` says. */
function favouritesCtes(purchases: string, where = ''): string {
  return `pair_counts AS (
  ${FAVOURITE_SQL.pairCountColumns}
  FROM ${purchases}
  JOIN purchase_items i ON i.transaction_id = t.transaction_id
  JOIN product_catalog p ON p.product_id = i.product_id
  ${where}
  ${FAVOURITE_SQL.pairCountGroups}
),
favourites AS (
  ${FAVOURITE_SQL.favourites}
)`;
}

function sweepSql(affected: string, purchases: string, scope: string, capture: CaptureSql | null = null): string {
  return `WITH ${BOUNDS_CTE},
${affected},
${favouritesCtes(purchases)},
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

/**
 * The full sweep's read of one customer range [$1, $2): the rows whose favourites differ, found
 * without writing, so on a connection of its own and in its own snapshot. One row comes back: the
 * catalog revision it read, the rows it swept, how many differ and the first $3 of them (customer,
 * total_orders as read, favourites as stored and as they should be). Rows are counted and listed
 * in one pass (a running count, no sort), so a range with millions of changes lists only $3.
 */
const RANGE_READ_SQL = `WITH ${BOUNDS_CTE},
${favouritesCtes('purchase_transactions t', 'WHERE t.customer_id >= $1::int8 AND t.customer_id < $2::int8')},
target AS (
  SELECT
    c.customer_id,
    c.total_orders,
    c.favorite_category AS old_category,
    c.favorite_brand AS old_brand,
    f.category,
    f.brand,
    c.favorite_category IS DISTINCT FROM f.category OR c.favorite_brand IS DISTINCT FROM f.brand AS changed
  FROM customer_360_rows c
  LEFT JOIN favourites f ON f.customer_id = c.customer_id
  WHERE c.customer_id >= $1::int8 AND c.customer_id < $2::int8
),
numbered AS (
  SELECT *, count(*) FILTER (WHERE changed) OVER (ROWS UNBOUNDED PRECEDING) AS nth FROM target
)
SELECT
  (SELECT revision FROM bounds) AS revision,
  count(*)::int8 AS swept,
  count(*) FILTER (WHERE changed)::int8 AS changes,
  array_agg(customer_id) FILTER (WHERE changed AND nth <= $3) AS ids,
  array_agg(total_orders) FILTER (WHERE changed AND nth <= $3) AS orders,
  array_agg(old_category) FILTER (WHERE changed AND nth <= $3) AS old_categories,
  array_agg(old_brand) FILTER (WHERE changed AND nth <= $3) AS old_brands,
  array_agg(category) FILTER (WHERE changed AND nth <= $3) AS categories,
  array_agg(brand) FILTER (WHERE changed AND nth <= $3) AS brands
FROM numbered`;

interface RangeRead {
  revision: string;
  swept: string;
  changes: string;
  ids: number[] | null;
  orders: (number | null)[] | null;
  old_categories: (string | null)[] | null;
  old_brands: (string | null)[] | null;
  categories: (string | null)[] | null;
  brands: (string | null)[] | null;
}

/**
 * The rows the range reads found, written by id in the step's transaction. A row is written only if
 * its total_orders is still the one read (the same purchases, so the same favourites; a row the
 * updater rewrote from a newer state is left to it, as in the one-statement sweep) and its
 * favourites still differ.
 */
function writeReadSql(capture: CaptureSql | null): string {
  return `WITH changed AS (
  UPDATE customer_360_rows AS c SET favorite_category = t.category, favorite_brand = t.brand
  FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS t(customer_id, total_orders, old_category, old_brand, category, brand)
  WHERE c.customer_id = t.customer_id
    AND c.total_orders IS NOT DISTINCT FROM t.total_orders
    AND (c.favorite_category, c.favorite_brand) IS DISTINCT FROM (t.category, t.brand)
  RETURNING t.old_category IS DISTINCT FROM t.category AS category_changed,
    t.old_brand IS DISTINCT FROM t.brand AS brand_changed${capture?.returning ?? ''}
)${capture?.cte ?? ''}
SELECT
  count(*) FILTER (WHERE category_changed)::int8 AS category_changed,
  count(*) FILTER (WHERE brand_changed)::int8 AS brand_changed,
  count(*)::int8 AS rows_written
FROM changed`;
}

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

/** How a full sweep may spread its reads over connections of their own (see sweepFavorites). */
export interface FavoritesStepOptions {
  /** Where the range reads get their connections; without it the sweep is one statement. */
  readers?: Pool;
  /** Customer ranges read at once, one per connection (default 2: both cores of a small server). */
  parts?: number;
  /** A full sweep is split from this many customer_360 rows (estimated) on (default SPLIT_FROM). */
  splitFrom?: number;
  /** Up to this many changed rows are written by id after the reads; more: the one-statement sweep. */
  fewChanges?: number;
}

/** Below this many rows one statement costs about what the split's extra round trips do. */
const SPLIT_FROM = 200_000;
const FEW_CHANGES = 50_000;
/** Rows the range bounds are taken from (a sample of pages). */
const BOUND_SAMPLE_ROWS = 30_000;
/** Sort and hash memory of each range read (the step's own, see the scorer). */
const READ_WORK_MEM = '256MB';

/**
 * Makes favorite_category/favorite_brand exact for every customer who bought a product changed in the
 * catalog after `sinceRevision`, or for every customer when `sinceRevision` is null, writing only rows
 * whose favourites change.
 *
 * A sweep of changed products, and a full one on a small table, is one statement. A full sweep of a
 * large table (given `readers`) aggregates every line item there is, which one backend does on one
 * core: it is split into customer ranges of about equal size, each read on a connection of its own at
 * once (read-only, so nothing there takes a lock a writer waits for), and the rows they find are
 * written by id in the step's transaction. Each range's read is one snapshot; the step records the
 * lowest catalog revision any of them read, so a product changed while they ran is swept next time.
 * Should the reads find more changed rows than `fewChanges`, the one statement runs after all.
 */
export async function sweepFavorites(
  db: ClientBase,
  sinceRevision: bigint | null,
  triggers?: StepTriggers,
  options: FavoritesStepOptions = {},
): Promise<FavoritesStepResult> {
  const full = sinceRevision === null;
  if (full && options.readers) {
    const split = await sweepByRanges(db, options.readers, triggers, options);
    if (split) return split;
  }
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

/**
 * The full sweep by customer ranges read at once (see sweepFavorites); null when it does not apply:
 * a table below `splitFrom`, too few connections free in `readers`, or more changes than
 * `fewChanges`.
 */
async function sweepByRanges(
  db: ClientBase,
  readers: Pool,
  triggers: StepTriggers | undefined,
  options: FavoritesStepOptions,
): Promise<FavoritesStepResult | null> {
  const free = (readers.options.max ?? 10) - (readers.totalCount - readers.idleCount);
  const parts = Math.min(options.parts ?? 2, free);
  if (parts < 2) return null;
  const estimate = await estimatedRows(db);
  if (estimate < (options.splitFrom ?? SPLIT_FROM)) return null;
  const ranges = await customerRanges(db, parts, estimate);
  if (ranges.length < 2) return null;
  const few = options.fewChanges ?? FEW_CHANGES;
  const reads = await Promise.all(ranges.map(([lo, hi]) => readRange(readers, lo, hi, few + 1)));
  const changes = reads.reduce((n, r) => n + Number(r.changes), 0);
  if (changes > few) return null;
  const list = <T>(pick: (r: RangeRead) => T[] | null): T[] => reads.flatMap((r) => pick(r) ?? []);
  const { result: w, triggersQueued } = await withStepTriggers(db, triggers, FAVORITE_VALUES, async (capture) => {
    if (changes === 0) return { category_changed: '0', brand_changed: '0', rows_written: '0' };
    const res = await db.query<{ category_changed: string; brand_changed: string; rows_written: string }>(
      writeReadSql(capture),
      [
        list((r) => r.ids),
        list((r) => r.orders),
        list((r) => r.old_categories),
        list((r) => r.old_brands),
        list((r) => r.categories),
        list((r) => r.brands),
      ],
    );
    return res.rows[0]!;
  });
  return {
    revision: reads.reduce(
      (low, r) => (BigInt(r.revision) < low ? BigInt(r.revision) : low),
      BigInt(reads[0]!.revision),
    ),
    full: true,
    affected: reads.reduce((n, r) => n + Number(r.swept), 0),
    categoryChanged: Number(w.category_changed),
    brandChanged: Number(w.brand_changed),
    rowsWritten: Number(w.rows_written),
    triggersQueued,
  };
}

/**
 * `parts` half-open customer_id ranges covering every int4 id, split where a sample of the table's
 * pages puts equal shares of its rows (an uneven sample makes uneven ranges, never a missed row).
 */
async function customerRanges(db: ClientBase, parts: number, estimate: number): Promise<[bigint, bigint][]> {
  const percent = Math.min(100, (100 * BOUND_SAMPLE_ROWS) / Math.max(1, estimate));
  const fractions = Array.from({ length: parts - 1 }, (_, k) => (k + 1) / parts);
  const res = await db.query<{ cuts: number[] | null }>(
    `SELECT percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY customer_id) AS cuts
     FROM customer_360_rows TABLESAMPLE SYSTEM ($2)`,
    [fractions, percent],
  );
  const cuts = [...new Set((res.rows[0]?.cuts ?? []).filter((c) => c !== null).map(BigInt))];
  const bounds = [-(2n ** 31n), ...cuts, 2n ** 31n];
  const ranges: [bigint, bigint][] = [];
  for (let i = 0; i + 1 < bounds.length; i++)
    if (bounds[i]! < bounds[i + 1]!) ranges.push([bounds[i]!, bounds[i + 1]!]);
  return ranges;
}

/** One range's read, in a read-only transaction of its own on a connection from `readers`. */
async function readRange(readers: Pool, lo: bigint, hi: bigint, limit: number): Promise<RangeRead> {
  const client = await readers.connect();
  try {
    // Serial plans: each range already has a core, and the planner's parallel plan for this read
    // (a nested loop into the line items' index) ran slower than the serial hash joins.
    await client.query(
      `BEGIN READ ONLY; SET LOCAL work_mem = '${READ_WORK_MEM}'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0`,
    );
    const res = await client.query<RangeRead>(RANGE_READ_SQL, [lo.toString(), hi.toString(), limit]);
    await client.query('COMMIT');
    return res.rows[0]!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
