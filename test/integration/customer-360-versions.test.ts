import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { customer360Row, emptyProfileState } from '@cdp360/domain';
import { MIGRATIONS_DIR, migrate, runBatch, upsertCustomer360, type VersionedRow } from '@cdp360/postgres';
import { createTestDatabase, type TestDatabase, withDatabase } from '../helpers/database';
import { clearFacts, makeCustomer, makePurchase } from '../helpers/facts';

// Each customer_360 row carries the version of the Redis state it was derived from (migration 012,
// docs/adr/0005-version-in-row.md): an older state never replaces a row, whoever writes it.

const AS_OF = '2026-06-01';
const db = withDatabase();

/** A row for `customerId` with `orders` orders, derived from state version `version`. */
function versioned(customerId: number, orders: number, version: bigint): VersionedRow {
  const s = emptyProfileState(customerId);
  s.version = version;
  s.orders = orders;
  s.lifetimeValueCents = BigInt(orders * 1250);
  s.lastPurchaseDate = '2026-05-20';
  return { row: customer360Row(s, () => undefined, AS_OF), version };
}

async function stored(id: number): Promise<{ total_orders: number | null; version: string | null } | undefined> {
  const { rows } = await db.pool.query(
    `SELECT c.total_orders, v.version::text AS version
       FROM customer_360 c LEFT JOIN customer_360_version v USING (customer_id) WHERE c.customer_id = $1`,
    [id],
  );
  return rows[0];
}

beforeEach(async () => {
  await clearFacts(db.pool);
});

test('a row is replaced by states at least as new as its own, never by an older one', async () => {
  expect(await upsertCustomer360(db.pool, [versioned(1, 5, 50n), versioned(2, 1, 10n)])).toEqual([1, 2]);
  expect(await stored(1)).toEqual({ total_orders: 5, version: '50' });

  // An older state (a writer that lost its partitions and still finishes a unit) changes nothing,
  // while a newer one for another customer in the same statement is written.
  expect(await upsertCustomer360(db.pool, [versioned(1, 3, 30n), versioned(2, 2, 11n)])).toEqual([2]);
  expect(await stored(1)).toEqual({ total_orders: 5, version: '50' });
  expect(await stored(2)).toEqual({ total_orders: 2, version: '11' });

  // The same state derived again (a newer catalog or as-of date) is written; so is a newer one.
  expect(await upsertCustomer360(db.pool, [versioned(1, 5, 50n)])).toEqual([1]);
  expect(await upsertCustomer360(db.pool, [versioned(1, 6, 51n)])).toEqual([1]);
  expect(await stored(1)).toEqual({ total_orders: 6, version: '51' });
});

test('the batch keeps each row version, so an older state is still refused after it', async () => {
  await makeCustomer(db.pool, { customer_id: 1 });
  await makePurchase(db.pool, { customer_id: 1, purchase_date: '2026-05-20' });
  await makePurchase(db.pool, { customer_id: 3, purchase_date: '2026-05-21' });
  await upsertCustomer360(db.pool, [versioned(1, 1, 40n)]);

  await runBatch(db.pool, { asOf: AS_OF });
  expect(await stored(1)).toEqual({ total_orders: 1, version: '40' });
  // A row the batch wrote for a customer no updater wrote has no version, and admits any state.
  expect(await stored(3)).toEqual({ total_orders: 1, version: null });

  expect(await upsertCustomer360(db.pool, [versioned(1, 9, 39n), versioned(3, 2, 1n)])).toEqual([3]);
  expect(await stored(1)).toEqual({ total_orders: 1, version: '40' });
  expect(await stored(3)).toEqual({ total_orders: 2, version: '1' });
});

test('customer_360_version is read-only: writing or deleting through it deletes no profile', async () => {
  await upsertCustomer360(db.pool, [versioned(1, 5, 50n)]);
  for (const sql of [
    'DELETE FROM customer_360_version',
    'UPDATE customer_360_version SET version = 1',
    'INSERT INTO customer_360_version (customer_id, version) VALUES (7, 1)',
  ]) {
    await expect(db.pool.query(sql)).rejects.toThrow(/customer_360_version is a read-only view/);
  }
  expect(await stored(1)).toEqual({ total_orders: 5, version: '50' });
});

describe('migration 012 on a database written before it', () => {
  let old: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cdp-migrations-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => /^0(0\d|1[01])\.do\./.test(f)))
      copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    old = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await old?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('moves every version into its row and drops versions without a row', async () => {
    expect((await migrate(old.pool, { migrationsDir: dir })).version).toBe(11);
    // As the upsert before migration 012 wrote them: the version table, then the row.
    await old.pool.query(`INSERT INTO customer_360_version (customer_id, version) VALUES (1, 70), (2, 5), (9, 3)`);
    await old.pool.query(`INSERT INTO customer_360_rows (customer_id, total_orders) VALUES (1, 7), (2, 1), (4, 2)`);

    expect((await migrate(old.pool)).applied.map((m) => m.version)).toEqual([12]);
    const { rows } = await old.pool.query(
      'SELECT customer_id, state_version::text AS v FROM customer_360_rows ORDER BY customer_id',
    );
    expect(rows).toEqual([
      { customer_id: 1, v: '70' },
      { customer_id: 2, v: '5' },
      { customer_id: 4, v: null },
    ]);
    const versions = await old.pool.query('SELECT customer_id, version::int AS v FROM customer_360_version ORDER BY 1');
    expect(versions.rows).toEqual([
      { customer_id: 1, v: 70 },
      { customer_id: 2, v: 5 },
    ]);
  });
});
