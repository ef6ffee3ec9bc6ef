import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, migrate } from '@cdp360/postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const FIRST = '001.do.source-tables-and-customer-360.sql';

let db: TestDatabase;
let dir: string;

beforeEach(async () => {
  db = await createTestDatabase({ migrate: false });
  dir = mkdtempSync(path.join(tmpdir(), 'cdp-migrations-'));
  copyFileSync(path.join(MIGRATIONS_DIR, FIRST), path.join(dir, FIRST));
});

afterEach(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Tables and views (customer_360 is a view over customer_360_rows since migration 010). */
async function tables(): Promise<string[]> {
  const { rows } = await db.pool.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return rows.map((r) => r.t);
}

test('migrates a fresh database from schemas/sql, and is a no-op the second time', async () => {
  const first = await migrate(db.pool);
  expect(first.applied[0]).toEqual({ version: 1, name: 'source-tables-and-customer-360' });
  expect(first.version).toBeGreaterThanOrEqual(1);
  expect(await tables()).toEqual(
    expect.arrayContaining(['customer_360', 'customer_info', 'purchase_items', 'schemaversion', 'website_behavior']),
  );
  expect(await migrate(db.pool)).toEqual({ applied: [], version: first.version });
});

test('accepts a URL instead of a pool', async () => {
  expect((await migrate(db.url)).applied.length).toBeGreaterThanOrEqual(1);
  expect((await migrate(db.url)).applied).toEqual([]);
});

test('two concurrent runs apply each migration once', async () => {
  const [a, b] = await Promise.all([migrate(db.url, { migrationsDir: dir }), migrate(db.url, { migrationsDir: dir })]);
  expect([a.applied.length, b.applied.length].sort()).toEqual([0, 1]);
  expect(a.version).toBe(1);
  expect(b.version).toBe(1);
});

test('a failing migration rolls back entirely and leaves the version where it was', async () => {
  await migrate(db.pool, { migrationsDir: dir });
  writeFileSync(path.join(dir, '002.do.good.sql'), 'CREATE TABLE from_002 (id integer);\n');
  writeFileSync(path.join(dir, '003.do.bad.sql'), 'CREATE TABLE from_003 (id integer);\nSELECT 1 / 0;\n');
  await expect(migrate(db.pool, { migrationsDir: dir })).rejects.toMatchObject({ code: '22012' });
  expect(await tables()).not.toEqual(expect.arrayContaining(['from_002']));
  expect(await tables()).not.toEqual(expect.arrayContaining(['from_003']));
  const { rows } = await db.pool.query('SELECT max(version)::int AS v FROM schemaversion');
  expect(rows[0]).toEqual({ v: 1 });
});

test('a database ahead of the migration files is left alone (no undo)', async () => {
  writeFileSync(path.join(dir, '002.do.ahead.sql'), 'CREATE TABLE ahead (id integer);\n');
  writeFileSync(path.join(dir, '002.undo.ahead.sql'), 'DROP TABLE ahead;\n');
  expect((await migrate(db.pool, { migrationsDir: dir })).version).toBe(2);
  rmSync(path.join(dir, '002.do.ahead.sql'));
  expect(await migrate(db.pool, { migrationsDir: dir })).toEqual({ applied: [], version: 2 });
  expect(await tables()).toEqual(expect.arrayContaining(['ahead']));
});

test('an applied migration that was edited afterwards is refused', async () => {
  await migrate(db.pool, { migrationsDir: dir });
  writeFileSync(path.join(dir, FIRST), '-- edited\n', { flag: 'a' });
  await expect(migrate(db.pool, { migrationsDir: dir })).rejects.toThrow(/checksum/i);
});

test('logs each applied migration', async () => {
  const info = jest.fn();
  await migrate(db.pool, { migrationsDir: dir, logger: { info } });
  expect(info).toHaveBeenCalledWith({ version: 1, migration: 'source-tables-and-customer-360' }, 'migration applied');
});
