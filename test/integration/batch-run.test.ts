import { BatchArgumentError, batchCustomer360Sql, batchIntoTable, runBatch } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import { makeCustomer, makePurchase, makeSession } from '../helpers/facts';

const db = withDatabase();
const AS_OF = '2026-11-25';

async function ids(table: string): Promise<number[]> {
  const { rows } = await db.pool.query<{ customer_id: number }>(`SELECT customer_id FROM ${table} ORDER BY 1`);
  return rows.map((r) => r.customer_id);
}

beforeAll(async () => {
  await makeCustomer(db.pool, { customer_id: 1 });
  await makePurchase(db.pool, { customer_id: 2, total_amount: '12.34', purchase_date: '2026-11-20' });
  await makeSession(db.pool, { customer_id: 3 });
});

test('runBatch replaces the rows of customer_360 with the batch result', async () => {
  // A row no source table knows of, and a stale row for a known customer.
  await db.pool.query(`INSERT INTO customer_360 (customer_id, customer_segment) VALUES (999, 'High Value')`);
  await db.pool.query(`INSERT INTO customer_360 (customer_id, total_orders) VALUES (2, 77)`);

  const result = await runBatch(db.pool, { asOf: AS_OF });

  expect(result).toMatchObject({ table: 'customer_360', asOf: AS_OF, rows: 3 });
  expect(result.durationMs).toBeGreaterThanOrEqual(0);
  expect(await ids('customer_360')).toEqual([1, 2, 3]);
  const { rows } = await db.pool.query('SELECT * FROM customer_360 WHERE customer_id = 2');
  expect(rows[0]).toMatchObject({
    total_orders: 1,
    total_lifetime_value: '12.34',
    days_since_last_purchase: 5,
    customer_lifetime_value_score: 3, // order 1 (0), 3 (0), 2 (12.34): one row per bucket 1..3
  });
});

test('a second run gives the same table', async () => {
  await runBatch(db.pool, { asOf: AS_OF });
  const before = (await db.pool.query('SELECT * FROM customer_360 ORDER BY customer_id')).rows;
  expect((await runBatch(db.pool, { asOf: AS_OF })).rows).toBe(3);
  expect((await db.pool.query('SELECT * FROM customer_360 ORDER BY customer_id')).rows).toEqual(before);
});

test('what is written is what batchCustomer360Sql selects', async () => {
  await runBatch(db.pool, { asOf: '2027-03-01' });
  const { rows } = await db.pool.query(
    `(SELECT * FROM customer_360 EXCEPT ALL (${batchCustomer360Sql}))
     UNION ALL
     ((${batchCustomer360Sql}) EXCEPT ALL SELECT * FROM customer_360)`,
    ['2027-03-01'],
  );
  expect(rows).toEqual([]);
});

test('batchIntoTable creates an unlogged copy of customer_360 and fills it, leaving customer_360 alone', async () => {
  await runBatch(db.pool, { asOf: AS_OF });
  const result = await batchIntoTable(db.pool, { asOf: '2030-01-01', table: 'customer_360_batch', create: true });
  expect(result).toMatchObject({ table: 'customer_360_batch', rows: 3 });
  const { rows } = await db.pool.query(
    `SELECT c.relpersistence, (SELECT days_since_last_purchase FROM customer_360_batch WHERE customer_id = 2) AS b,
            (SELECT days_since_last_purchase FROM customer_360 WHERE customer_id = 2) AS c
     FROM pg_class c WHERE c.oid = 'customer_360_batch'::regclass`,
  );
  expect(rows[0]).toEqual({ relpersistence: 'u', b: 1138, c: 5 }); // 2026-11-20 .. 2030-01-01: 41 + 365 * 3 + 2 (no leap day)
  // The copy keeps customer_360's primary key.
  await expect(db.pool.query('INSERT INTO customer_360_batch (customer_id) VALUES (1)')).rejects.toMatchObject({
    code: '23505',
  });
});

test('batchIntoTable writes into a temporary table of a caller-owned session', async () => {
  const client = await db.pool.connect();
  try {
    await client.query('CREATE TEMPORARY TABLE recompute (LIKE customer_360)');
    expect((await batchIntoTable(client, { asOf: AS_OF, table: 'recompute' })).rows).toBe(3);
    expect((await client.query('SELECT count(*)::int AS n FROM recompute')).rows[0]).toEqual({ n: 3 });
  } finally {
    client.release(true);
  }
});

test('a failure leaves the target as it was', async () => {
  await runBatch(db.pool, { asOf: AS_OF });
  await db.pool.query('CREATE TABLE narrow (customer_id integer PRIMARY KEY)');
  await db.pool.query('INSERT INTO narrow VALUES (12345)');
  await expect(batchIntoTable(db.pool, { asOf: AS_OF, table: 'narrow' })).rejects.toMatchObject({ code: '42703' });
  expect(await ids('narrow')).toEqual([12345]);
});

test.each([['2026-02-30'], ['2026-2-3'], ['20261125'], ['2026-11-25T00:00:00Z'], ['']])(
  'as-of %j is refused before anything is written',
  async (asOf) => {
    await expect(runBatch(db.pool, { asOf })).rejects.toBeInstanceOf(BatchArgumentError);
  },
);

test.each([['customer_360; DROP TABLE customer_info'], ['a.b.c'], ['"quoted"'], ['']])(
  'table %j is refused',
  async (table) => {
    await expect(batchIntoTable(db.pool, { asOf: AS_OF, table })).rejects.toBeInstanceOf(BatchArgumentError);
  },
);

test('a schema-qualified table name is accepted', async () => {
  expect((await runBatch(db.pool, { asOf: AS_OF, target: 'public.customer_360' })).rows).toBe(3);
});
