import { CUSTOMER_360_COLUMNS, type Customer360Row } from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';
import { pgArray } from './pg-array';

type Queryable = Pool | ClientBase;

/** Postgres array type of each column, in table order. */
const COLUMN_TYPES: Record<(typeof CUSTOMER_360_COLUMNS)[number], string> = {
  customer_id: 'int4',
  first_name: 'text',
  last_name: 'text',
  email: 'text',
  phone_number: 'text',
  date_of_birth: 'date',
  registration_date: 'date',
  age: 'int4',
  customer_tenure_days: 'int4',
  total_orders: 'int4',
  total_lifetime_value: 'numeric',
  average_order_value: 'numeric',
  last_purchase_date: 'date',
  days_since_last_purchase: 'int4',
  favorite_category: 'text',
  favorite_brand: 'text',
  total_interactions: 'int4',
  avg_satisfaction_score: 'float8',
  resolved_interactions: 'int4',
  campaigns_engaged: 'int4',
  campaign_conversions: 'int4',
  total_sessions: 'int4',
  avg_pages_per_session: 'float8',
  avg_time_per_session: 'float8',
  last_visit_date: 'date',
  customer_segment: 'text',
  churn_risk_score: 'int4',
  customer_lifetime_value_score: 'int4',
  engagement_score: 'int4',
};

const COLS = CUSTOMER_360_COLUMNS;
const PARAMS = COLS.map((c, i) => `$${i + 2}::${COLUMN_TYPES[c]}[]`).join(', ');
/** Columns the stream owns; the CLV quintile belongs to the scoring job (see CLV_ON_UPDATE). */
const STREAM_OWNED = COLS.filter((c) => c !== 'customer_id' && c !== 'customer_lifetime_value_score');

/**
 * The stream's CLV score is an estimate from the last scoring run's cut points: it replaces the stored
 * score only when the lifetime value changed or there is none yet, so the run's exact score stays
 * otherwise (and an estimate never erases a score).
 */
const CLV_ON_UPDATE = `CASE
    WHEN c.total_lifetime_value IS DISTINCT FROM excluded.total_lifetime_value OR c.customer_lifetime_value_score IS NULL
    THEN COALESCE(excluded.customer_lifetime_value_score, c.customer_lifetime_value_score)
    ELSE c.customer_lifetime_value_score
  END`;

/**
 * The rows go to customer_360_rows (customer_360 is a view over it, migration 010): the date columns
 * written are those for the updater's as-of date, and `dates_seq` (one fresh number per statement,
 * an uncorrelated subquery evaluated once; also on update through `excluded`) makes the view show
 * them until the next scoring run.
 *
 * One statement per batch, one write per row: each row carries the version of the state it was
 * derived from (`state_version`, migration 012), and an existing row is replaced only by a state at
 * least as new (the `WHERE` of the conflict action, evaluated under the row's lock, so concurrent
 * writers serialise per customer and an older state changes nothing). An equal version is admitted
 * because the same state may be derived again with a newer catalog or as-of date; a row without a
 * version (written by `cdp batch` into an empty table) admits any. Returns what `returning` lists of
 * the rows written.
 */
const upsertSql = (
  returning: string,
) => `INSERT INTO customer_360_rows AS c (${COLS.join(', ')}, dates_seq, state_version)
SELECT ${COLS.join(', ')}, (SELECT nextval('customer_360_dates_seq')), version
  FROM unnest($1::int8[], ${PARAMS}) AS t(version, ${COLS.join(', ')})
ON CONFLICT (customer_id) DO UPDATE SET ${STREAM_OWNED.map((c) => `${c} = excluded.${c}`).join(', ')},
  customer_lifetime_value_score = ${CLV_ON_UPDATE}, dates_seq = excluded.dates_seq, state_version = excluded.state_version
  WHERE c.state_version IS NULL OR c.state_version <= excluded.state_version
RETURNING ${returning}`;
const UPSERT_SQL = upsertSql('customer_id');

/** The columns a caller reads back (customer_id always among them); `c.*` when not given. */
export type Customer360Column = (typeof CUSTOMER_360_COLUMNS)[number];

/** A row as read back: the customer id and the columns asked for. */
export type Customer360Partial = Partial<Customer360Row> & { customer_id: number };

/**
 * The select list of `columns` (customer_id first), checked against the table's columns since it is
 * spliced into SQL; all 29 in order when none are given (customer_360_rows has two more, dates_seq and
 * state_version).
 */
function selectList(columns: readonly Customer360Column[] | undefined, alias: string): string {
  if (!columns) return COLS.map((c) => alias + c).join(', ');
  const known = new Set<string>(COLS);
  const bad = columns.filter((c) => !known.has(c));
  if (bad.length > 0) throw new Error(`not customer_360 columns: ${bad.join(', ')}`);
  return ['customer_id', ...new Set(columns.filter((c) => c !== 'customer_id'))].map((c) => alias + c).join(', ');
}

/**
 * Held shared, until the transaction ends, by a writer that compares old and new rows for triggers
 * (lockCustomer360Rows), and exclusively by the scoring run's date step while it moves the view's
 * as-of date: the rows such a writer reads as old, and the ones it writes, are seen by the date step
 * either entirely or not at all, so each change of a date column raises its trigger once.
 */
export const DATES_LOCK_KEY = 3_600_003;

const upsertRowsSql = new Map<string, string>();
const lockRowsSql = new Map<string, string>();

function cached(cache: Map<string, string>, key: string, build: () => string): string {
  let sql = cache.get(key);
  if (sql === undefined) {
    sql = build();
    cache.set(key, sql);
  }
  return sql;
}

export interface VersionedRow {
  row: Customer360Row;
  version: bigint;
}

/**
 * A row's values in CUSTOMER_360_COLUMNS order, each read by its own name: reading them by a column
 * name that changes from call to call made every read a generic lookup (customer360.test.ts checks
 * the order against the list).
 */
export function valuesInColumnOrder(r: Customer360Row): unknown[] {
  return [
    r.customer_id,
    r.first_name,
    r.last_name,
    r.email,
    r.phone_number,
    r.date_of_birth,
    r.registration_date,
    r.age,
    r.customer_tenure_days,
    r.total_orders,
    r.total_lifetime_value,
    r.average_order_value,
    r.last_purchase_date,
    r.days_since_last_purchase,
    r.favorite_category,
    r.favorite_brand,
    r.total_interactions,
    r.avg_satisfaction_score,
    r.resolved_interactions,
    r.campaigns_engaged,
    r.campaign_conversions,
    r.total_sessions,
    r.avg_pages_per_session,
    r.avg_time_per_session,
    r.last_visit_date,
    r.customer_segment,
    r.churn_risk_score,
    r.customer_lifetime_value_score,
    r.engagement_score,
  ];
}

/** The version column and one array literal per row column, in the statement's parameter order. */
function upsertParams(rows: readonly VersionedRow[]): string[] {
  const versions = new Array<bigint>(rows.length);
  const cols: unknown[][] = COLS.map(() => new Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    versions[i] = rows[i]!.version;
    const values = valuesInColumnOrder(rows[i]!.row);
    for (let c = 0; c < values.length; c++) cols[c]![i] = values[c];
  }
  return [pgArray(versions), ...cols.map(pgArray)];
}

export async function upsertCustomer360(db: Queryable, rows: readonly VersionedRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const res = await db.query<{ customer_id: number }>(UPSERT_SQL, upsertParams(rows));
  return res.rows.map((r) => r.customer_id);
}

/**
 * The same upsert, returning the rows as stored (what a comparison with the old rows must see): every
 * column, or only `columns` (a trigger comparison needs only the columns its rules watch; reading
 * back and parsing whole rows cost more than the upsert's other work).
 */
export async function upsertCustomer360Rows(db: Queryable, rows: readonly VersionedRow[]): Promise<Customer360Row[]>;
export async function upsertCustomer360Rows(
  db: Queryable,
  rows: readonly VersionedRow[],
  columns: readonly Customer360Column[],
): Promise<Customer360Partial[]>;
export async function upsertCustomer360Rows(
  db: Queryable,
  rows: readonly VersionedRow[],
  columns?: readonly Customer360Column[],
): Promise<Customer360Partial[]> {
  if (rows.length === 0) return [];
  const list = selectList(columns, 'c.');
  const sql = cached(upsertRowsSql, list, () => upsertSql(list));
  return (await db.query<Customer360Partial>(sql, upsertParams(rows))).rows;
}

/**
 * Locks and reads the current rows of these customers (ascending id, so concurrent writers lock in
 * the same order), for comparing old and new rows inside the caller's transaction. The rows are read
 * through the customer_360 view (the date columns as of the last scoring run where it is newer than
 * the row), and DATES_LOCK_KEY is taken shared for the rest of the transaction.
 */
export async function lockCustomer360Rows(
  client: ClientBase,
  customerIds: readonly number[],
): Promise<Map<number, Customer360Row>>;
export async function lockCustomer360Rows(
  client: ClientBase,
  customerIds: readonly number[],
  columns: readonly Customer360Column[],
): Promise<Map<number, Customer360Partial>>;
export async function lockCustomer360Rows(
  client: ClientBase,
  customerIds: readonly number[],
  columns?: readonly Customer360Column[],
): Promise<Map<number, Customer360Partial>> {
  if (customerIds.length === 0) return new Map();
  await client.query('SELECT pg_advisory_xact_lock_shared($1)', [DATES_LOCK_KEY]);
  const list = selectList(columns, '');
  const sql = cached(
    lockRowsSql,
    list,
    () => `SELECT ${list} FROM customer_360 WHERE customer_id = ANY($1::int4[]) ORDER BY customer_id FOR UPDATE`,
  );
  const res = await client.query<Customer360Partial>(sql, [customerIds]);
  return new Map(res.rows.map((r) => [r.customer_id, r]));
}
