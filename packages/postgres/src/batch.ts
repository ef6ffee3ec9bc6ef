import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CUSTOMER_360_COLUMNS, parseDateLike } from '@cdp360/domain';
import pg from 'pg';
import { DATES_LOCK_KEY } from './customer360';
import { inTransaction, withTransaction } from './transaction';

/**
 * The batch recompute: one SELECT over the source tables giving the 29 columns of customer_360 in
 * order, one row per customer. `$1` is the as-of date (`YYYY-MM-DD`). Read from src/ also when
 * running from dist/, where the build does not copy .sql files.
 */
export const batchCustomer360Sql: string = readFileSync(
  path.resolve(__dirname, '../src/batch-customer-360.sql'),
  'utf8',
);

export interface BatchResult {
  /** The table written. */
  table: string;
  asOf: string;
  /** Rows now in the table. */
  rows: number;
  durationMs: number;
}

export interface BatchIntoTableOptions {
  /** `YYYY-MM-DD`, the UTC date the date-dependent columns are computed for. */
  asOf: string;
  /** `table` or `schema.table` with customer_360's columns. */
  table: string;
  /**
   * Create the table when missing, as an UNLOGGED copy of customer_360 (columns, defaults, keys):
   * a scratch table for `reconcile` needs no WAL. Default false.
   */
  create?: boolean;
}

/** Thrown for an as-of date or a table name that cannot be used; nothing was written. */
export class BatchArgumentError extends Error {
  readonly code = 'CDP_BATCH_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'BatchArgumentError';
  }
}

/** Named, not positional, so that a table with extra columns (defaults) can be a target too. */
const COLUMN_LIST = CUSTOMER_360_COLUMNS.join(', ');

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A quoted, possibly schema-qualified table name; only plain identifiers are accepted. */
function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new BatchArgumentError(
      `table ${JSON.stringify(table)} is not a table name: expected name or schema.name of [A-Za-z0-9_]`,
    );
  }
  return parts.map((p) => pg.escapeIdentifier(p)).join('.');
}

function checkAsOf(asOf: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || parseDateLike(asOf) === null) {
    throw new BatchArgumentError(`as-of date ${JSON.stringify(asOf)} is not a calendar date YYYY-MM-DD`);
  }
}

/**
 * Replaces the contents of `table` with the batch recompute for `asOf`, in one transaction: readers
 * see the old rows or the new ones, never a partial table. The table is locked against other writers
 * (EXCLUSIVE: reads go on) so that no upsert lands between the delete and the insert, and two batch
 * runs into one table take turns.
 *
 * `db` is a pool, or a client of the caller (so that a TEMPORARY table of that session can be the
 * target); a client must not be inside a transaction already.
 */
export async function batchIntoTable(
  db: pg.Pool | pg.PoolClient,
  { asOf, table, create = false }: BatchIntoTableOptions,
): Promise<BatchResult> {
  checkAsOf(asOf);
  const profiles = isCustomer360(table);
  const target = profiles ? ROWS_TABLE : quoteTable(table);
  const started = performance.now();
  const replace = async (client: pg.PoolClient): Promise<BatchResult> => {
    if (create && !profiles) await createCopy(client, target);
    // The rows written carry the batch's as-of values and fresh dates_seq numbers: the view shows them
    // as written until the next scoring run, which waits for this transaction (DATES_LOCK_KEY).
    if (profiles) await client.query('SELECT pg_advisory_xact_lock_shared($1)', [DATES_LOCK_KEY]);
    await client.query(`LOCK TABLE ${target} IN EXCLUSIVE MODE`);
    if (profiles) {
      // Each row keeps the version of the state it was last written from (migration 012), so that an
      // updater still finishing a unit with an older state cannot replace the batch's row with it.
      await client.query(
        `CREATE TEMPORARY TABLE cdp_batch_versions ON COMMIT DROP AS
           SELECT customer_id, state_version FROM ${target} WHERE state_version IS NOT NULL`,
      );
      await client.query('ALTER TABLE cdp_batch_versions ADD PRIMARY KEY (customer_id)');
    }
    await client.query(`DELETE FROM ${target}`);
    const inserted = await client.query(
      profiles
        ? `INSERT INTO ${target} (${COLUMN_LIST}, state_version)
           SELECT b.*, v.state_version FROM (${batchCustomer360Sql}) b
             LEFT JOIN cdp_batch_versions v ON v.customer_id = b.customer_id`
        : `INSERT INTO ${target} (${COLUMN_LIST}) ${batchCustomer360Sql}`,
      [asOf],
    );
    return { table, asOf, rows: inserted.rowCount ?? 0, durationMs: Math.round(performance.now() - started) };
  };
  return isClient(db) ? inTransaction(db, replace) : withTransaction(db, replace);
}

export interface RunBatchOptions {
  asOf: string;
  /** The table to replace; customer_360 by default. */
  target?: string;
}

/** The batch path: recomputes customer_360 (or `target`) from the source tables for `asOf`. */
export function runBatch(
  db: pg.Pool | pg.PoolClient,
  { asOf, target = 'customer_360' }: RunBatchOptions,
): Promise<BatchResult> {
  return batchIntoTable(db, { asOf, table: target });
}

/** customer_360 is a view (migration 010): the batch writes the table under it. */
const ROWS_TABLE = 'customer_360_rows';

function isCustomer360(table: string): boolean {
  return table === 'customer_360' || table === 'public.customer_360';
}

/**
 * An UNLOGGED table shaped like customer_360 with its primary key (and defaults, indexes), from the
 * table under the view, without the view's bookkeeping columns.
 */
async function createCopy(client: pg.PoolClient, target: string): Promise<void> {
  await client.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${target} (LIKE ${ROWS_TABLE} INCLUDING ALL)`);
  await client.query(`ALTER TABLE ${target} DROP COLUMN IF EXISTS dates_seq, DROP COLUMN IF EXISTS state_version`);
}

function isClient(db: pg.Pool | pg.PoolClient): db is pg.PoolClient {
  return typeof (db as pg.PoolClient).release === 'function';
}
