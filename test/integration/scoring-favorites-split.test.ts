import { DEFAULT_TRIGGER_RULES } from '@cdp360/domain';
import { batchIntoTable, type FavoritesStepOptions, sweepFavorites } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import { tracedClient } from '../helpers/scoring';

// A full favourites sweep of a large table reads customer ranges on connections of their own and
// writes what they find by id; below a size, or with many changes, it is one statement. Every way
// is checked here against the batch recompute's favourites and against each other: the same rows,
// the same counts, the same triggers.

const db = withDatabase();
const AS_OF = '2026-07-01';

/** Customers spread over the id space, some without purchases, ties between pairs, unknown products. */
async function load(): Promise<void> {
  await db.pool.query(`
    INSERT INTO product_catalog (product_id, category, brand, event_time, src, src_seq)
    SELECT p, (ARRAY['Books', 'Toys', 'Garden', 'Éclair'])[1 + p % 4], (ARRAY['Acme', 'Bolt', 'acme'])[1 + p % 3], '2026-01-01T00:00:00Z', 'test:products/0/' || p, p
    FROM generate_series(1, 30) AS p;
    INSERT INTO purchase_transactions (transaction_id, customer_id, purchase_date, total_amount, src)
    SELECT 't-' || c || '-' || k, (c * 7919) % 100003 + 1, DATE '2026-01-01' + (c * k) % 180, 10, 'test:purchases/0/' || c || '-' || k
    FROM generate_series(1, 600) AS c, generate_series(1, 4) AS k
    WHERE (c + k) % 5 <> 0 AND c % 9 <> 0;
    INSERT INTO purchase_items (transaction_id, line_no, product_id, quantity)
    SELECT t.transaction_id, n, 1 + (hashtext(t.transaction_id) & 1023 + n * 13) % 33, 1
    FROM purchase_transactions t, generate_series(1, 3) AS n
    WHERE n <= 1 + (hashtext(t.transaction_id) & 3);
    INSERT INTO website_behavior (session_id, customer_id, visit_date, pages_viewed, time_spent, src)
    SELECT 's-' || c, (c * 7919) % 100003 + 1, DATE '2026-06-01', 3, 60, 'test:sessions/0/' || c
    FROM generate_series(1, 600) AS c WHERE c % 9 = 0;
  `);
  await batchIntoTable(db.pool, { asOf: AS_OF, table: 'customer_360' });
  // Favourites gone wrong: a stale category, a lost brand, one made up for a customer who never
  // bought, and one whose stored pair differs only in case (byte order decides the ties).
  await db.pool.query(`
    UPDATE customer_360_rows SET favorite_category = 'Stale' WHERE customer_id % 7 = 1 AND favorite_category IS NOT NULL;
    UPDATE customer_360_rows SET favorite_brand = NULL WHERE customer_id % 11 = 2;
    UPDATE customer_360_rows SET favorite_category = 'Books', favorite_brand = 'Acme'
      WHERE customer_id = (SELECT min(customer_id) FROM customer_360_rows WHERE total_orders IS NULL);
    UPDATE customer_360_rows SET favorite_brand = 'ACME' WHERE favorite_brand = 'acme' AND customer_id % 3 = 0;
    ANALYZE customer_360_rows;
  `);
}

interface Sweep {
  result: Awaited<ReturnType<typeof sweepFavorites>>;
  favourites: unknown[];
  triggers: unknown[];
  statements: string[];
}

/** One full sweep in a transaction that is rolled back afterwards, so each way starts from the same rows. */
async function sweep(options: FavoritesStepOptions): Promise<Sweep> {
  const client = await db.pool.connect();
  const { traced, statements } = tracedClient(client);
  try {
    await client.query('BEGIN');
    const result = await sweepFavorites(
      traced,
      null,
      { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'test' },
      options,
    );
    const favourites = (
      await client.query(
        'SELECT customer_id, favorite_category, favorite_brand FROM customer_360_rows ORDER BY customer_id',
      )
    ).rows;
    const triggers = (
      await client.query(
        'SELECT customer_id, rule, column_name, old_value, new_value FROM profile_trigger_outbox ORDER BY customer_id, rule',
      )
    ).rows;
    return { result, favourites, triggers, statements };
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const split = (s: Sweep) => s.statements.some((q) => q.includes('unnest($1::int4[], $2::int4[], $3::text[]'));

describe('the full favourites sweep', () => {
  let one: Sweep;
  let expected: unknown[];
  beforeAll(async () => {
    await load();
    await batchIntoTable(db.pool, { asOf: AS_OF, table: 'fav_expected', create: true });
    expected = (
      await db.pool.query(
        'SELECT customer_id, favorite_category, favorite_brand FROM fav_expected ORDER BY customer_id',
      )
    ).rows;
    one = await sweep({});
  }, 60_000);

  test('in one statement it writes the batch recompute favourites, and only the rows that differ', () => {
    expect(split(one)).toBe(false);
    expect(one.favourites).toEqual(expected);
    expect(one.result.full).toBe(true);
    expect(one.result.affected).toBe(expected.length);
    expect(one.result.rowsWritten).toBeGreaterThan(20);
    expect(one.result.rowsWritten).toBeLessThan(expected.length / 2);
    expect(one.triggers.length).toBe(one.result.triggersQueued);
    expect(one.result.triggersQueued).toBeGreaterThan(0);
    expect(one.result.triggersQueued).toBeLessThanOrEqual(one.result.categoryChanged);
  });

  test.each([2, 3, 5])('split over %i ranges it writes the same rows, counts and triggers', async (parts) => {
    const s = await sweep({ readers: db.pool, parts, splitFrom: 0 });
    expect(split(s)).toBe(true);
    expect(s.favourites).toEqual(expected);
    expect(s.result).toEqual(one.result);
    expect(s.triggers).toEqual(one.triggers);
  });

  test('with more changes than it lists, the split falls back to the one statement', async () => {
    const s = await sweep({ readers: db.pool, parts: 2, splitFrom: 0, fewChanges: 5 });
    expect(split(s)).toBe(false);
    expect(s.favourites).toEqual(expected);
    expect(s.result).toEqual(one.result);
    expect(s.triggers).toEqual(one.triggers);
  });

  test('a table below the split size, or a pool without free connections, is swept in one statement', async () => {
    const small = await sweep({ readers: db.pool, parts: 2 });
    expect(split(small)).toBe(false);
    expect(small.result).toEqual(one.result);
    const held = await Promise.all(Array.from({ length: (db.pool.options.max ?? 10) - 1 }, () => db.pool.connect()));
    try {
      // The step's own client is the one left: no reader could get a connection.
      const starved = await sweep({ readers: db.pool, parts: 2, splitFrom: 0 });
      expect(split(starved)).toBe(false);
      expect(starved.result).toEqual(one.result);
    } finally {
      for (const c of held) c.release();
    }
  });

  test('a row the updater rewrote from a newer state meanwhile is left to it', async () => {
    // A row the sweep corrects, whose total_orders moves after the reads: the write by id finds it
    // with another total_orders than they read, and leaves it.
    const victim = await db.pool.query<{ customer_id: number; favorite_category: string; favorite_brand: string }>(
      `SELECT c.customer_id, c.favorite_category, c.favorite_brand FROM customer_360_rows c JOIN fav_expected e USING (customer_id)
       WHERE c.total_orders IS NOT NULL AND (c.favorite_category, c.favorite_brand) IS DISTINCT FROM (e.favorite_category, e.favorite_brand)
       ORDER BY customer_id LIMIT 1`,
    );
    expect(victim.rows).toHaveLength(1);
    const { customer_id: id, ...before } = victim.rows[0]!;
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE customer_360_rows SET total_orders = total_orders + 1 WHERE customer_id = $1', [id]);
      // The reads run on connections of their own and do not see this uncommitted update; the write
      // by id, in this transaction, finds the row with one more order than they read.
      const moved = await sweepFavorites(client, null, undefined, { readers: db.pool, parts: 2, splitFrom: 0 });
      expect(moved.rowsWritten).toBe(one.result.rowsWritten - 1);
      const after = (
        await client.query('SELECT favorite_category, favorite_brand FROM customer_360_rows WHERE customer_id = $1', [
          id,
        ])
      ).rows[0];
      expect(after).toEqual(before);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
