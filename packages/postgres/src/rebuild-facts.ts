import type pg from 'pg';
import { type FactsProfile, type FactsRow, factsProfileFromRow, PUBSUB_SRC_PREFIX } from './profile-facts';
import { withTransaction } from './transaction';

/**
 * The rebuild's read of the durable facts: one row per customer, a column per aggregate of
 * AGGREGATE_FIELDS (the fold of apply-customers.lua written in SQL), but the positions are not parsed in SQL. Each customer's `src`
 * values come back as one array and `positionsFromSrcs` derives the watermarks and markers in Node:
 * Postgres' regular-expression `substring` costs several microseconds per fact, the string scan in
 * Node a fraction of one. rebuild-facts.test.ts checks the column list against the declaration.
 */
export function rebuildFactsSql(range: string): string {
  return `WITH
p AS (
  SELECT customer_id, count(*)::int AS orders, (sum(total_amount) * 100)::int8::text AS ltv_cents,
         max(purchase_date)::text AS last_purchase, array_agg(src) AS srcs
  FROM purchase_transactions WHERE ${range} GROUP BY customer_id),
li AS (
  SELECT t.customer_id, i.product_id, count(*)::int AS n
  FROM purchase_transactions t
  -- OFFSET 0 keeps the lateral subquery from being flattened into a hash join, which would scan all
  -- of purchase_items for every range: this way each purchase finds its lines by the primary key.
  CROSS JOIN LATERAL (SELECT product_id FROM purchase_items WHERE transaction_id = t.transaction_id OFFSET 0) i
  WHERE t.${range} GROUP BY t.customer_id, i.product_id),
pl AS (
  SELECT customer_id, array_agg(product_id) AS product_ids, array_agg(n) AS product_lines FROM li GROUP BY customer_id),
s AS (
  SELECT customer_id, count(*)::int AS interactions, coalesce(sum(satisfaction_score), 0)::int AS sat_sum,
         count(satisfaction_score)::int AS sat_count,
         (count(*) FILTER (WHERE resolution_status = 'Resolved'))::int AS resolved, array_agg(src) AS srcs
  FROM customer_service WHERE ${range} GROUP BY customer_id),
r AS (
  SELECT customer_id, count(*)::int AS responses,
         (count(*) FILTER (WHERE response_type = 'Conversion'))::int AS conversions,
         array_agg(DISTINCT campaign_id) AS campaign_ids, array_agg(src) AS srcs
  FROM campaign_responses WHERE ${range} GROUP BY customer_id),
w AS (
  SELECT customer_id, count(*)::int AS sessions, sum(pages_viewed)::int8::text AS pages_sum,
         sum(time_spent) AS time_sum, max(visit_date)::text AS last_visit, array_agg(src) AS srcs
  FROM website_behavior WHERE ${range} GROUP BY customer_id),
c AS (
  SELECT customer_id, first_name, last_name, email, phone_number, date_of_birth::text AS date_of_birth,
         registration_date::text AS registration_date, event_time, src_seq::text AS src_seq, src
  FROM customer_info WHERE ${range}),
ids AS (
  SELECT customer_id FROM p UNION SELECT customer_id FROM s UNION SELECT customer_id FROM r
  UNION SELECT customer_id FROM w UNION SELECT customer_id FROM c)
SELECT ids.customer_id, p.orders, p.ltv_cents, p.last_purchase, pl.product_ids, pl.product_lines,
       s.interactions, s.sat_sum, s.sat_count, s.resolved, r.responses, r.conversions, r.campaign_ids,
       w.sessions, w.pages_sum, w.time_sum, w.last_visit,
       c.first_name, c.last_name, c.email, c.phone_number, c.date_of_birth, c.registration_date,
       c.event_time, c.src_seq, p.srcs AS p_srcs, s.srcs AS s_srcs, r.srcs AS r_srcs, w.srcs AS w_srcs,
       c.src AS c_src
FROM ids
LEFT JOIN p USING (customer_id) LEFT JOIN pl USING (customer_id) LEFT JOIN s USING (customer_id)
LEFT JOIN r USING (customer_id) LEFT JOIN w USING (customer_id) LEFT JOIN c USING (customer_id)
ORDER BY ids.customer_id`;
}

/** The columns of the bulk read that carry srcs (the other columns are those of the rebuild query). */
export const REBUILD_SRC_COLUMNS = ['p_srcs', 's_srcs', 'r_srcs', 'w_srcs', 'c_src'] as const;

const BULK_BY_RANGE = rebuildFactsSql('customer_id BETWEEN $1 AND $2');
const BULK_BY_IDS = rebuildFactsSql('customer_id = ANY($1::int4[])');

/**
 * Session settings for the bulk read, local to its read-only transaction. The query's estimates of
 * its many outer joins multiply into absurd costs, which makes Postgres JIT-compile it: seconds of
 * compilation for a query that runs in a fraction of that. The per-customer arrays also need more
 * than the default 4 MB to aggregate without spilling to disk.
 */
const BULK_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'";

function isDigits(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The largest int8: Postgres rejects a sequence beyond it, and so does the rebuild. */
const INT8_MAX = 9_223_372_036_854_775_807n;

/**
 * The decimal digits of an int8 as a number when exactly representable (up to 15 digits), else as a
 * bigint: BigInt for every fact would cost more than the rest of the parse.
 */
function int8(digits: string, src: string): number | bigint {
  if (digits.length <= 15) return Number(digits);
  const v = BigInt(digits);
  if (v > INT8_MAX) throw new RangeError(`the sequence of fact src ${JSON.stringify(src)} is out of range for int8`);
  return v;
}

export interface SrcPositions {
  streams: string[];
  seqs: string[];
  markers: string[];
  markerTimes: string[];
}

/**
 * Watermarks and markers from a customer's srcs, exactly as the rebuild query's SQL derives them:
 * an ordered source `<stream>/<seq>` (`src ~ '^.+/[0-9]+$'`, not Pub/Sub) counts with the highest
 * seq per stream (the stream is everything before the last `/`); a Pub/Sub src
 * `pubsub:<topic>/<id>@<publish µs>` is a marker when its publish time is at or after `sinceMicros`.
 * Sequences and times are int8 in decimal without leading zeros, as `::int8::text` writes them.
 */
export function positionsFromSrcs(srcs: readonly (string | null)[], sinceMicros: bigint): SrcPositions {
  const best = new Map<string, number | bigint>();
  const out: SrcPositions = { streams: [], seqs: [], markers: [], markerTimes: [] };
  for (const src of srcs) {
    if (src === null) continue;
    if (src.startsWith(PUBSUB_SRC_PREFIX)) {
      const at = src.lastIndexOf('@');
      if (at < 0 || !isDigits(src, at + 1)) continue;
      const t = int8(src.slice(at + 1), src);
      // A number compares with a bigint by value.
      if (t >= sinceMicros) {
        out.markers.push(src);
        out.markerTimes.push(t.toString());
      }
      continue;
    }
    const slash = src.lastIndexOf('/');
    if (slash < 1 || !isDigits(src, slash + 1)) continue;
    const stream = src.slice(0, slash);
    const seq = int8(src.slice(slash + 1), src);
    const prev = best.get(stream);
    if (prev === undefined || seq > prev) best.set(stream, seq);
  }
  for (const [stream, seq] of best) {
    out.streams.push(stream);
    out.seqs.push(seq.toString());
  }
  return out;
}

type BulkRow = Record<string, unknown> & {
  p_srcs: (string | null)[] | null;
  s_srcs: (string | null)[] | null;
  r_srcs: (string | null)[] | null;
  w_srcs: (string | null)[] | null;
  c_src: string | null;
};

function srcsOf(r: BulkRow): (string | null)[] {
  const all: (string | null)[] = [];
  for (const part of [r.p_srcs, r.s_srcs, r.r_srcs, r.w_srcs]) if (part) for (const src of part) all.push(src);
  if (r.c_src !== null) all.push(r.c_src);
  return all;
}

async function bulkRead(pool: pg.Pool, sql: string, params: unknown[], sinceMicros: number) {
  const since = BigInt(Math.floor(sinceMicros));
  return withTransaction(pool, async (client) => {
    // withTransaction has opened the transaction; the settings only live until its end.
    await client.query(BULK_SETTINGS);
    const res = await client.query<BulkRow>(sql, params);
    return res.rows.map((r) => {
      const pos = positionsFromSrcs(srcsOf(r), since);
      return factsProfileFromRow(
        Object.assign(r, {
          streams: pos.streams,
          seqs: pos.seqs,
          markers: pos.markers,
          marker_times: pos.markerTimes,
        }) as unknown as FactsRow,
      );
    });
  });
}

/**
 * The rebuild's bulk read of the customers with ids in [from, to] (those with no fact or record are
 * absent), in one read-only statement per range (see `rebuildFactsSql`); Pub/Sub markers published at
 * or after `markersSinceMicros` (default: all).
 */
export function rebuildProfilesInRange(
  pool: pg.Pool,
  from: number,
  to: number,
  options: { markersSinceMicros?: number } = {},
): Promise<FactsProfile[]> {
  return bulkRead(pool, BULK_BY_RANGE, [from, to], options.markersSinceMicros ?? 0);
}

/** The same for these customers (those with no fact or record are absent). */
export async function rebuildProfilesFor(
  pool: pg.Pool,
  customerIds: readonly number[],
  options: { markersSinceMicros?: number } = {},
): Promise<FactsProfile[]> {
  if (customerIds.length === 0) return [];
  return bulkRead(pool, BULK_BY_IDS, [customerIds], options.markersSinceMicros ?? 0);
}
