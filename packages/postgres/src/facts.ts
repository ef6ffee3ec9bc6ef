import {
  type CampaignRecord,
  type CampaignResponse,
  type CustomerRecord,
  formatCents,
  type ProductRecord,
  type Purchase,
  type ServiceInteraction,
  type WebSession,
} from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';
import { pgArray } from './pg-array';

type Queryable = Pool | ClientBase;

/** A fact with the identity of the message it came from. */
export interface SourcedFact<F> {
  data: F;
  /** Source position identity, e.g. `cdp.purchases.v1/2/1041` (Kafka) or a Pub/Sub message id. */
  src: string;
}

/** A reference record with its latest-wins ordering key. */
export interface SourcedRecord<R> {
  data: R;
  src: string;
  /** Sortable CloudEvents time. */
  time: string;
  /** Log order for ties on equal time. */
  seq: number;
}

/**
 * Outcome of recording one fact:
 * - `new`: first time this business id is seen; recorded now.
 * - `redelivered`: recorded before from this very message (a redelivery or replay); its effects may
 *   or may not have reached the aggregates, which are idempotent per position.
 * - `duplicate`: the business id was recorded from another message; this copy is ignored.
 */
export type FactOutcome = 'new' | 'redelivered' | 'duplicate';

interface FactTable<F> {
  table: string;
  id: string;
  businessId(f: F): string;
  /** Column names and Postgres array types, after the business id and before src. */
  columns: readonly (readonly [string, string])[];
  values(f: F): unknown[];
}

const interactionTable: FactTable<ServiceInteraction> = {
  table: 'customer_service',
  id: 'interaction_id',
  businessId: (f) => f.interactionId,
  columns: [
    ['customer_id', 'int4'],
    ['interaction_date', 'date'],
    ['satisfaction_score', 'int2'],
    ['resolution_status', 'text'],
  ],
  values: (f) => [f.customerId, f.interactionDate, f.satisfactionScore, f.resolutionStatus],
};

const responseTable: FactTable<CampaignResponse> = {
  table: 'campaign_responses',
  id: 'response_id',
  businessId: (f) => f.responseId,
  columns: [
    ['customer_id', 'int4'],
    ['campaign_id', 'int4'],
    ['response_type', 'text'],
    ['response_date', 'date'],
  ],
  values: (f) => [f.customerId, f.campaignId, f.responseType, f.responseDate],
};

const sessionTable: FactTable<WebSession> = {
  table: 'website_behavior',
  id: 'session_id',
  businessId: (f) => f.sessionId,
  columns: [
    ['customer_id', 'int4'],
    ['visit_date', 'date'],
    ['pages_viewed', 'int4'],
    ['time_spent', 'float8'],
  ],
  values: (f) => [f.customerId, f.visitDate, f.pagesViewed, f.timeSpent],
};

const purchaseTable: FactTable<Purchase> = {
  table: 'purchase_transactions',
  id: 'transaction_id',
  businessId: (f) => f.transactionId,
  columns: [
    ['customer_id', 'int4'],
    ['purchase_date', 'date'],
    ['total_amount', 'numeric'],
  ],
  values: (f) => [f.customerId, f.purchaseDate, formatCents(f.totalCents)],
};

/** One array literal per column (business id, the table's columns, src) of the facts, for `unnest`. */
function factColumns<F>(t: FactTable<F>, facts: readonly SourcedFact<F>[]): string[] {
  const width = t.columns.length;
  const ids = new Array<string>(facts.length);
  const srcs = new Array<string>(facts.length);
  const cols: unknown[][] = Array.from({ length: width }, () => new Array(facts.length));
  for (let r = 0; r < facts.length; r++) {
    const f = facts[r]!;
    ids[r] = t.businessId(f.data);
    srcs[r] = f.src;
    const values = t.values(f.data);
    for (let c = 0; c < width; c++) cols[c]![r] = values[c];
  }
  return [pgArray(ids), ...cols.map(pgArray), pgArray(srcs)];
}

/** Transposes rows into one array literal per column, for `unnest` (see pgArray). */
function columnsOf(rows: readonly unknown[][], width: number): string[] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < width; c++) cols[c]![r] = row[c];
  }
  return cols.map(pgArray);
}

function insertSql<F>(t: FactTable<F>, extraCte = ''): string {
  const names = [t.id, ...t.columns.map((c) => c[0]), 'src'];
  const types = ['text', ...t.columns.map((c) => c[1]), 'text'];
  const params = types.map((ty, i) => `$${i + 1}::${ty}[]`).join(', ');
  return `WITH ins AS (
  INSERT INTO ${t.table} (${names.join(', ')})
  SELECT * FROM unnest(${params})
  ON CONFLICT (${t.id}) DO NOTHING
  RETURNING ${t.id}
)${extraCte}
SELECT a.id FROM unnest($1::text[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.${t.id} = a.id)`;
}

const PURCHASE_ITEMS_CTE = `, items AS (
  INSERT INTO purchase_items (transaction_id, line_no, product_id, quantity, amount)
  SELECT i.* FROM unnest($6::text[], $7::int4[], $8::int4[], $9::int4[], $10::numeric[])
    AS i(transaction_id, line_no, product_id, quantity, amount)
  WHERE i.transaction_id IN (SELECT transaction_id FROM ins)
)`;

const SQL = {
  interactions: insertSql(interactionTable),
  responses: insertSql(responseTable),
  sessions: insertSql(sessionTable),
  purchases: insertSql(purchaseTable, PURCHASE_ITEMS_CTE),
};

/**
 * Records facts of one table with one INSERT (plus one lookup when some business ids were already
 * there). The facts must have distinct business ids (the caller drops in-batch copies first). The
 * statement answers with the ids it did not insert, normally none: sending every inserted id back
 * cost the updater a parsed row per fact.
 */
async function recordTable<F>(
  db: Queryable,
  t: FactTable<F>,
  sql: string,
  facts: readonly SourcedFact<F>[],
  extraParams: unknown[] = [],
): Promise<FactOutcome[]> {
  if (facts.length === 0) return [];
  const params = [...factColumns(t, facts), ...extraParams];
  const present = (await db.query<{ id: string }>(sql, params)).rows;
  if (present.length === 0) return facts.map(() => 'new');
  const existing = await db.query<{ id: string; src: string }>(
    `SELECT ${t.id} AS id, src FROM ${t.table} WHERE ${t.id} = ANY($1::text[])`,
    [present.map((r) => r.id)],
  );
  const srcOf = new Map(existing.rows.map((r) => [r.id, r.src]));
  const wasThere = new Set(present.map((r) => r.id));
  return facts.map((f) => {
    const id = t.businessId(f.data);
    if (!wasThere.has(id)) return 'new';
    return srcOf.get(id) === f.src ? 'redelivered' : 'duplicate';
  });
}

export function recordPurchases(db: Queryable, facts: readonly SourcedFact<Purchase>[]): Promise<FactOutcome[]> {
  const items: unknown[][] = [];
  for (const f of facts) {
    f.data.items.forEach((it, line) => {
      items.push([
        f.data.transactionId,
        line + 1,
        it.productId,
        it.quantity,
        it.amountCents === null ? null : formatCents(it.amountCents),
      ]);
    });
  }
  return recordTable(db, purchaseTable, SQL.purchases, facts, columnsOf(items, 5));
}

export function recordInteractions(
  db: Queryable,
  facts: readonly SourcedFact<ServiceInteraction>[],
): Promise<FactOutcome[]> {
  return recordTable(db, interactionTable, SQL.interactions, facts);
}

export function recordResponses(
  db: Queryable,
  facts: readonly SourcedFact<CampaignResponse>[],
): Promise<FactOutcome[]> {
  return recordTable(db, responseTable, SQL.responses, facts);
}

export function recordSessions(db: Queryable, facts: readonly SourcedFact<WebSession>[]): Promise<FactOutcome[]> {
  return recordTable(db, sessionTable, SQL.sessions, facts);
}

interface RecordTable<R> {
  table: string;
  id: string;
  idOf(r: R): number;
  columns: readonly (readonly [string, string])[];
  values(r: R): unknown[];
}

const customerTable: RecordTable<CustomerRecord> = {
  table: 'customer_info',
  id: 'customer_id',
  idOf: (r) => r.customerId,
  columns: [
    ['first_name', 'text'],
    ['last_name', 'text'],
    ['email', 'text'],
    ['phone_number', 'text'],
    ['date_of_birth', 'date'],
    ['registration_date', 'date'],
  ],
  values: (r) => [r.firstName, r.lastName, r.email, r.phoneNumber, r.dateOfBirth, r.registrationDate],
};

const productTable: RecordTable<ProductRecord> = {
  table: 'product_catalog',
  id: 'product_id',
  idOf: (r) => r.productId,
  columns: [
    ['category', 'text'],
    ['brand', 'text'],
    ['name', 'text'],
  ],
  values: (r) => [r.category, r.brand, r.name],
};

const campaignTable: RecordTable<CampaignRecord> = {
  table: 'marketing_campaigns',
  id: 'campaign_id',
  idOf: (r) => r.campaignId,
  columns: [
    ['campaign_name', 'text'],
    ['channel', 'text'],
    ['start_date', 'date'],
    ['end_date', 'date'],
  ],
  values: (r) => [r.campaignName, r.channel, r.startDate, r.endDate],
};

function upsertSql<R>(t: RecordTable<R>, options: { revision?: boolean } = {}): string {
  const names = [t.id, ...t.columns.map((c) => c[0]), 'event_time', 'src', 'src_seq'];
  const types = ['int4', ...t.columns.map((c) => c[1]), 'text', 'text', 'int8'];
  const params = types.map((ty, i) => `$${i + 1}::${ty}[]`).join(', ');
  const set = names
    .slice(1)
    .map((n) => `${n} = excluded.${n}`)
    .join(', ');
  // The time is a fixed-width ASCII text: byte order ("C") is time order, whatever the database collation.
  const newer = '(cur.event_time COLLATE "C", cur.src_seq) < (excluded.event_time COLLATE "C", excluded.src_seq)';
  if (!options.revision) {
    return `INSERT INTO ${t.table} AS cur (${names.join(', ')})
SELECT * FROM unnest(${params})
ON CONFLICT (${t.id}) DO UPDATE SET ${set}
WHERE ${newer}
RETURNING ${t.id} AS id`;
  }
  // Stamps changed rows with a new catalog revision, taken under the catalog_state row lock.
  return `WITH rev AS (UPDATE catalog_state SET version = version + 1 RETURNING version)
INSERT INTO ${t.table} AS cur (${names.join(', ')}, rev)
SELECT u.*, (SELECT version FROM rev) FROM unnest(${params}) AS u
ON CONFLICT (${t.id}) DO UPDATE SET ${set}, rev = excluded.rev
WHERE ${newer}
RETURNING ${t.id} AS id`;
}

const UPSERT = {
  customers: upsertSql(customerTable),
  products: upsertSql(productTable, { revision: true }),
  campaigns: upsertSql(campaignTable),
};

/** Later (time, seq) wins; byte order on the sortable time text. */
export function newerRecord<R>(a: SourcedRecord<R>, b: SourcedRecord<R>): SourcedRecord<R> {
  if (a.time !== b.time) return a.time > b.time ? a : b;
  return a.seq >= b.seq ? a : b;
}

/** Keeps the latest record per id (input may hold several versions of one id). */
function latestPerId<R>(records: readonly SourcedRecord<R>[], idOf: (r: R) => number): SourcedRecord<R>[] {
  const best = new Map<number, SourcedRecord<R>>();
  for (const r of records) {
    const id = idOf(r.data);
    const cur = best.get(id);
    best.set(id, cur ? newerRecord(cur, r) : r);
  }
  return [...best.values()];
}

/** What upserting reference records did. */
export interface RecordsUpserted<R> {
  /** The records that became the current version. */
  won: R[];
  /**
   * Per input record (in order), whether it is a redelivery that changes nothing: the stored row came
   * from this very message (same source position) with the same values and time, or an earlier record
   * of the same call has the same position. It counts as a duplicate, as a redelivered fact adds no
   * second row. (A producer's re-send has another position and counts as applied: reference tables
   * keep no event id to tell it by.)
   */
  repeated: boolean[];
}

function sameRecordSql<R>(t: RecordTable<R>): string {
  const names = [t.id, ...t.columns.map((c) => c[0]), 'event_time', 'src'];
  const types = ['int4', ...t.columns.map((c) => c[1]), 'text', 'text'];
  const params = types.map((ty, i) => `$${i + 1}::${ty}[]`).join(', ');
  const cur = names.map((n) => `cur.${n}`).join(', ');
  const inp = names.map((n) => `u.${n}`).join(', ');
  return `SELECT u.ord::int AS ord, (${cur}) IS NOT DISTINCT FROM (${inp}) AS same
FROM unnest(${params}) WITH ORDINALITY AS u(${names.join(', ')}, ord)
JOIN ${t.table} AS cur ON cur.${t.id} = u.${t.id}`;
}

/**
 * Upserts reference records latest-wins, after reading which of them are redeliveries of what is stored
 * (one lookup by primary key; see RecordsUpserted.repeated).
 */
async function upsertRecords<R>(
  db: Queryable,
  t: RecordTable<R>,
  sql: string,
  records: readonly SourcedRecord<R>[],
): Promise<RecordsUpserted<R>> {
  if (records.length === 0) return { won: [], repeated: [] };
  const repeated = records.map(() => false);
  const seen = new Set<string>();
  records.forEach((r, i) => {
    if (seen.has(r.src)) repeated[i] = true;
    seen.add(r.src);
  });
  const probe = records.map((r) => [t.idOf(r.data), ...t.values(r.data), r.time, r.src]);
  const stored = await db.query<{ ord: number; same: boolean }>(
    sameRecordSql(t),
    columnsOf(probe, t.columns.length + 3),
  );
  for (const row of stored.rows) if (row.same) repeated[row.ord - 1] = true;
  const latest = latestPerId(records, t.idOf);
  const rows = latest.map((r) => [t.idOf(r.data), ...t.values(r.data), r.time, r.src, r.seq]);
  const res = await db.query<{ id: number }>(sql, columnsOf(rows, t.columns.length + 4));
  const won = new Set(res.rows.map((r) => r.id));
  return { won: latest.filter((r) => won.has(t.idOf(r.data))).map((r) => r.data), repeated };
}

export function upsertCustomers(db: Queryable, records: readonly SourcedRecord<CustomerRecord>[]) {
  return upsertRecords(db, customerTable, UPSERT.customers, records);
}

export function upsertProducts(db: Queryable, records: readonly SourcedRecord<ProductRecord>[]) {
  return upsertRecords(db, productTable, UPSERT.products, records);
}

export function upsertCampaigns(db: Queryable, records: readonly SourcedRecord<CampaignRecord>[]) {
  return upsertRecords(db, campaignTable, UPSERT.campaigns, records);
}

/**
 * Customers with at least one purchase line item of any of these products (favourites may change).
 *
 * Each line's purchase is looked up by its key (a correlated subquery, run once per line found): a
 * join left to the planner was hashed over a scan of every purchase whenever the statistics were
 * missing or stale and few lines matched, which made this cost grow with the whole purchase history
 * instead of with the buyers of the products. A line always has its purchase (both are written in
 * one statement and deleted together), so the subquery finds one row; a line without would be skipped.
 */
export async function customersWhoBought(db: Queryable, productIds: readonly number[]): Promise<number[]> {
  if (productIds.length === 0) return [];
  // No IS NOT NULL in SQL: pushed into the scan, it would run the subquery a second time per line.
  const res = await db.query<{ customer_id: number | null }>(
    `SELECT DISTINCT (SELECT t.customer_id FROM purchase_transactions t WHERE t.transaction_id = i.transaction_id)
              AS customer_id
       FROM purchase_items i
      WHERE i.product_id = ANY($1::int4[])`,
    [productIds],
  );
  const ids: number[] = [];
  for (const r of res.rows) if (r.customer_id !== null) ids.push(r.customer_id);
  return ids;
}

export interface CatalogChange {
  productId: number;
  category: string;
  brand: string;
}

/**
 * Catalog rows changed after revision `since` (0 for the whole catalog), and the revision to ask from
 * next time. Revisions become visible in commit order (see migration 002), so nothing is skipped.
 */
export async function catalogChangesSince(
  db: Queryable,
  since: bigint,
): Promise<{ changes: CatalogChange[]; revision: bigint }> {
  const res = await db.query<{ product_id: number; category: string; brand: string; rev: string }>(
    'SELECT product_id, category, brand, rev FROM product_catalog WHERE rev > $1 ORDER BY rev',
    [since.toString()],
  );
  let revision = since;
  const changes = res.rows.map((r) => {
    const rev = BigInt(r.rev);
    if (rev > revision) revision = rev;
    return { productId: r.product_id, category: r.category, brand: r.brand };
  });
  return { changes, revision };
}

/** Product ids whose catalog revision is above `since`. */
export async function productsChangedSince(db: Queryable, since: bigint): Promise<number[]> {
  const res = await db.query<{ product_id: number }>('SELECT product_id FROM product_catalog WHERE rev > $1', [
    since.toString(),
  ]);
  return res.rows.map((r) => r.product_id);
}
