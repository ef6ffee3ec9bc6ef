import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

/** An erasure request as recorded: its CloudEvents id and time, and where it was read. */
export interface ErasureRecord {
  requestId: string;
  customerId: number;
  /** CloudEvents time of the request. */
  requestedAt: string;
  reason: string | null;
  requestedBy: string | null;
  /** The source position of the request (its `src`, as for facts). */
  src: string;
}

/** Rows removed per table by one erasure. */
export interface ErasedCounts {
  customer_info: number;
  purchase_transactions: number;
  purchase_items: number;
  customer_service: number;
  campaign_responses: number;
  website_behavior: number;
  customer_360: number;
  customer_360_version: number;
  profile_trigger_outbox: number;
}

export interface ErasureOutcome {
  requestId: string;
  customerId: number;
  /** False when the request was already recorded (a redelivery or re-send): nothing was done. */
  fresh: boolean;
  /** Rows removed (all zero for a repeat or an unknown customer). */
  deleted: ErasedCounts;
}

/** Whether an erasure removed anything at all (an unknown customer's is a recorded no-op). */
export function erasedAnything(c: ErasedCounts): boolean {
  return Object.values(c).some((n) => n > 0);
}

/**
 * Marks customers suppressed (idempotent). Committed on its own, before their data is deleted: a
 * unit of another updater that checked earlier either sees the mark when it checks again after its
 * writes, or wrote before the deletion reads, which then removes what it wrote.
 */
export async function suppressCustomers(db: Queryable, customerIds: readonly number[]): Promise<void> {
  if (customerIds.length === 0) return;
  await db.query(
    `INSERT INTO suppressed_customers (customer_id) SELECT DISTINCT unnest($1::int4[]) ON CONFLICT DO NOTHING`,
    [customerIds],
  );
}

/** Those of these customers that are suppressed. */
export async function suppressedAmong(db: Queryable, customerIds: Iterable<number>): Promise<Set<number>> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return new Set();
  const res = await db.query<{ customer_id: number }>(
    'SELECT customer_id FROM suppressed_customers WHERE customer_id = ANY($1::int4[])',
    [ids],
  );
  return new Set(res.rows.map((r) => r.customer_id));
}

/**
 * Deletes everything stored about one customer in Postgres, in the caller's transaction: the customer
 * record, every fact (line items go with their purchase), the customer_360 row with its version
 * (counted as customer_360_version, the view of the versions, when it had one), and the triggers
 * still queued for them (an erased customer raises none but profile_erased).
 */
export async function deleteCustomerData(client: ClientBase, customerId: number): Promise<ErasedCounts> {
  const res = await client.query<Record<keyof ErasedCounts, string>>(
    `WITH items AS (
       DELETE FROM purchase_items WHERE transaction_id IN
         (SELECT transaction_id FROM purchase_transactions WHERE customer_id = $1) RETURNING 1),
     purchases AS (DELETE FROM purchase_transactions WHERE customer_id = $1 RETURNING 1),
     service AS (DELETE FROM customer_service WHERE customer_id = $1 RETURNING 1),
     responses AS (DELETE FROM campaign_responses WHERE customer_id = $1 RETURNING 1),
     sessions AS (DELETE FROM website_behavior WHERE customer_id = $1 RETURNING 1),
     info AS (DELETE FROM customer_info WHERE customer_id = $1 RETURNING 1),
     row360 AS (DELETE FROM customer_360_rows WHERE customer_id = $1 RETURNING state_version),
     outbox AS (DELETE FROM profile_trigger_outbox WHERE customer_id = $1 RETURNING 1)
     SELECT (SELECT count(*) FROM info) AS customer_info,
            (SELECT count(*) FROM purchases) AS purchase_transactions,
            (SELECT count(*) FROM items) AS purchase_items,
            (SELECT count(*) FROM service) AS customer_service,
            (SELECT count(*) FROM responses) AS campaign_responses,
            (SELECT count(*) FROM sessions) AS website_behavior,
            (SELECT count(*) FROM row360) AS customer_360,
            (SELECT count(state_version) FROM row360) AS customer_360_version,
            (SELECT count(*) FROM outbox) AS profile_trigger_outbox`,
    [customerId],
  );
  const r = res.rows[0]!;
  return {
    customer_info: Number(r.customer_info),
    purchase_transactions: Number(r.purchase_transactions),
    purchase_items: Number(r.purchase_items),
    customer_service: Number(r.customer_service),
    campaign_responses: Number(r.campaign_responses),
    website_behavior: Number(r.website_behavior),
    customer_360: Number(r.customer_360),
    customer_360_version: Number(r.customer_360_version),
    profile_trigger_outbox: Number(r.profile_trigger_outbox),
  };
}

const NOTHING: ErasedCounts = {
  customer_info: 0,
  purchase_transactions: 0,
  purchase_items: 0,
  customer_service: 0,
  campaign_responses: 0,
  website_behavior: 0,
  customer_360: 0,
  customer_360_version: 0,
  profile_trigger_outbox: 0,
};

/**
 * Records erasure requests by their CloudEvents id and, for each one not recorded before, deletes
 * the customer's data and stores the counts on its row, all in the caller's transaction. A request
 * already recorded does nothing (fresh: false).
 */
export async function recordErasures(
  client: ClientBase,
  requests: readonly ErasureRecord[],
): Promise<ErasureOutcome[]> {
  const out: ErasureOutcome[] = [];
  for (const r of requests) {
    const ins = await client.query(
      `INSERT INTO erasure_requests (request_id, customer_id, requested_at, reason, requested_by, src)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
      [r.requestId, r.customerId, r.requestedAt, r.reason, r.requestedBy, r.src],
    );
    if (ins.rowCount === 0) {
      out.push({ requestId: r.requestId, customerId: r.customerId, fresh: false, deleted: { ...NOTHING } });
      continue;
    }
    const deleted = await deleteCustomerData(client, r.customerId);
    await client.query('UPDATE erasure_requests SET deleted = $2 WHERE request_id = $1', [
      r.requestId,
      JSON.stringify(deleted),
    ]);
    out.push({ requestId: r.requestId, customerId: r.customerId, fresh: true, deleted });
  }
  return out;
}
