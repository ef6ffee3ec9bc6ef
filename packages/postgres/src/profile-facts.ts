import { AGGREGATE_FIELDS, decodeAggregate, emptyProfileState, type ProfileState } from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

/**
 * Every customer id of the universe (customer records and the four customer-keyed fact tables),
 * ascending. Used to rebuild aggregates in chunks.
 */
export async function allCustomerIds(db: Queryable): Promise<number[]> {
  const res = await db.query<{ customer_id: number }>(
    `SELECT customer_id FROM customer_info
     UNION SELECT customer_id FROM purchase_transactions
     UNION SELECT customer_id FROM customer_service
     UNION SELECT customer_id FROM campaign_responses
     UNION SELECT customer_id FROM website_behavior
     ORDER BY 1`,
  );
  return res.rows.map((r) => r.customer_id);
}

/** The aggregate state of one customer as computed from the durable facts. */
export interface FactsProfile {
  customerId: number;
  /**
   * The state the facts fold to (version 0: the rebuild gives it the epoch's): every aggregate of
   * AGGREGATE_FIELDS from its column, the product lines, the distinct campaigns and the record.
   */
  state: ProfileState;
  campaignIds: number[];
  /** Sortable time and log order of the winning customer record (null without a record). */
  recordTime: string | null;
  recordSeq: string | null;
  /** Highest sequence per source stream (from `src` = `<stream>/<seq>`; ordered sources only). */
  streams: string[];
  seqs: string[];
  /**
   * Srcs of facts from sources without ordered offsets (`pubsub:<topic>/<message id>@<publish µs>`)
   * published at or after the requested horizon, with their publish times in microseconds.
   */
  markers: string[];
  markerTimes: string[];
}

/** Pub/Sub positions: `pubsub:<topic>/<message id>@<publish time µs>` (see the updater's pubsub source). */
export const PUBSUB_SRC_PREFIX = 'pubsub:';

/**
 * The rebuild query: one row per customer, with a column per aggregate of AGGREGATE_FIELDS (the fold
 * of apply-customers.lua written in SQL; profile-facts.test.ts checks the two lists agree).
 */
export function profilesFromFactsSql(range: string, markersSince: string): string {
  return `WITH
p AS (
  SELECT customer_id, count(*)::int AS orders, (sum(total_amount) * 100)::int8::text AS ltv_cents,
         max(purchase_date)::text AS last_purchase
  FROM purchase_transactions WHERE ${range} GROUP BY customer_id),
li AS (
  SELECT t.customer_id, i.product_id, count(*)::int AS n
  FROM purchase_transactions t JOIN purchase_items i USING (transaction_id)
  WHERE t.${range} GROUP BY t.customer_id, i.product_id),
pl AS (
  SELECT customer_id, array_agg(product_id) AS product_ids, array_agg(n) AS product_lines FROM li GROUP BY customer_id),
s AS (
  SELECT customer_id, count(*)::int AS interactions, coalesce(sum(satisfaction_score), 0)::int AS sat_sum,
         count(satisfaction_score)::int AS sat_count,
         (count(*) FILTER (WHERE resolution_status = 'Resolved'))::int AS resolved
  FROM customer_service WHERE ${range} GROUP BY customer_id),
r AS (
  SELECT customer_id, count(*)::int AS responses,
         (count(*) FILTER (WHERE response_type = 'Conversion'))::int AS conversions,
         array_agg(DISTINCT campaign_id) AS campaign_ids
  FROM campaign_responses WHERE ${range} GROUP BY customer_id),
w AS (
  SELECT customer_id, count(*)::int AS sessions, sum(pages_viewed)::int8::text AS pages_sum,
         sum(time_spent) AS time_sum, max(visit_date)::text AS last_visit
  FROM website_behavior WHERE ${range} GROUP BY customer_id),
c AS (
  SELECT customer_id, first_name, last_name, email, phone_number, date_of_birth::text AS date_of_birth,
         registration_date::text AS registration_date, event_time, src_seq::text AS src_seq
  FROM customer_info WHERE ${range}),
src AS (
  SELECT customer_id, src FROM purchase_transactions WHERE ${range}
  UNION ALL SELECT customer_id, src FROM customer_service WHERE ${range}
  UNION ALL SELECT customer_id, src FROM campaign_responses WHERE ${range}
  UNION ALL SELECT customer_id, src FROM website_behavior WHERE ${range}
  UNION ALL SELECT customer_id, src FROM customer_info WHERE ${range}),
wm AS (
  SELECT customer_id, array_agg(stream) AS streams, array_agg(seq::text) AS seqs FROM (
    SELECT customer_id, substring(src FROM '^(.*)/[0-9]+$') AS stream,
           max(substring(src FROM '/([0-9]+)$')::int8) AS seq
    FROM src WHERE src ~ '^.+/[0-9]+$' AND src NOT LIKE 'pubsub:%' GROUP BY 1, 2) x
  GROUP BY customer_id),
mk AS (
  SELECT customer_id, array_agg(src) AS markers, array_agg(t::text) AS marker_times FROM (
    SELECT customer_id, src, substring(src FROM '@([0-9]+)$')::int8 AS t
    FROM src WHERE src LIKE 'pubsub:%') x
  WHERE t >= ${markersSince} GROUP BY customer_id),
ids AS (
  SELECT customer_id FROM p UNION SELECT customer_id FROM s UNION SELECT customer_id FROM r
  UNION SELECT customer_id FROM w UNION SELECT customer_id FROM c)
SELECT ids.customer_id, p.orders, p.ltv_cents, p.last_purchase, pl.product_ids, pl.product_lines,
       s.interactions, s.sat_sum, s.sat_count, s.resolved, r.responses, r.conversions, r.campaign_ids,
       w.sessions, w.pages_sum, w.time_sum, w.last_visit,
       c.first_name, c.last_name, c.email, c.phone_number, c.date_of_birth, c.registration_date,
       c.event_time, c.src_seq, wm.streams, wm.seqs, mk.markers, mk.marker_times
FROM ids
LEFT JOIN p USING (customer_id) LEFT JOIN pl USING (customer_id) LEFT JOIN s USING (customer_id)
LEFT JOIN r USING (customer_id) LEFT JOIN w USING (customer_id) LEFT JOIN c USING (customer_id)
LEFT JOIN wm USING (customer_id) LEFT JOIN mk USING (customer_id)
ORDER BY ids.customer_id`;
}

const BY_RANGE = profilesFromFactsSql('customer_id BETWEEN $1 AND $2', '$3');
const BY_IDS = profilesFromFactsSql('customer_id = ANY($1::int4[])', '$2');

/** The columns of the rebuild query that are not aggregates (those are named by AGGREGATE_FIELDS). */
interface StructuralRow {
  customer_id: number;
  product_ids: number[] | null;
  product_lines: number[] | null;
  campaign_ids: number[] | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  date_of_birth: string | null;
  registration_date: string | null;
  event_time: string | null;
  src_seq: string | null;
  streams: string[] | null;
  seqs: string[] | null;
  markers: string[] | null;
  marker_times: string[] | null;
}

/** Names of the structural columns, for the test that checks the query's select list. */
export const STRUCTURAL_FACTS_COLUMNS: readonly (keyof StructuralRow)[] = [
  'customer_id',
  'product_ids',
  'product_lines',
  'campaign_ids',
  'first_name',
  'last_name',
  'email',
  'phone_number',
  'date_of_birth',
  'registration_date',
  'event_time',
  'src_seq',
  'streams',
  'seqs',
  'markers',
  'marker_times',
];

/** A row of the rebuild query: the structural columns and one per aggregate. */
export type FactsRow = StructuralRow & { [aggregateColumn: string]: unknown };
type Row = FactsRow;

/**
 * Aggregates computed from the durable facts for customers with ids in [from, to]; markers of
 * Pub/Sub-sourced facts published at or after `markersSinceMicros` (default: all).
 */
export async function profilesFromFacts(
  db: Queryable,
  from: number,
  to: number,
  options: { markersSinceMicros?: number } = {},
): Promise<FactsProfile[]> {
  const res = await db.query<Row>(BY_RANGE, [from, to, Math.floor(options.markersSinceMicros ?? 0)]);
  return res.rows.map(fromRow);
}

/** The same for these customers (those with no fact or record are absent). */
export async function profilesFromFactsFor(
  db: Queryable,
  customerIds: readonly number[],
  options: { markersSinceMicros?: number } = {},
): Promise<FactsProfile[]> {
  if (customerIds.length === 0) return [];
  const res = await db.query<Row>(BY_IDS, [customerIds, Math.floor(options.markersSinceMicros ?? 0)]);
  return res.rows.map(fromRow);
}

/** A row of the rebuild query (or of the rebuild's bulk read, once its srcs are parsed) as a profile. */
export function factsProfileFromRow(r: FactsRow): FactsProfile {
  return fromRow(r);
}

function fromRow(r: Row): FactsProfile {
  const s = emptyProfileState(r.customer_id);
  for (const f of AGGREGATE_FIELDS) decodeAggregate(s, f, r[f.column] as string | number | null);
  const productIds = r.product_ids ?? [];
  const productLines = r.product_lines ?? [];
  for (let i = 0; i < productIds.length; i++) s.productLines.set(productIds[i]!, productLines[i]!);
  const campaignIds = r.campaign_ids ?? [];
  s.campaignsEngaged = campaignIds.length;
  const hasRecord = r.registration_date !== null;
  if (hasRecord) {
    s.record = {
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      phoneNumber: r.phone_number,
      dateOfBirth: r.date_of_birth,
      registrationDate: r.registration_date!,
    };
  }
  return {
    customerId: r.customer_id,
    state: s,
    campaignIds,
    recordTime: hasRecord ? r.event_time! : null,
    recordSeq: hasRecord ? r.src_seq! : null,
    streams: r.streams ?? [],
    seqs: r.seqs ?? [],
    markers: r.markers ?? [],
    markerTimes: r.marker_times ?? [],
  };
}

/**
 * Deletes customer_360 rows (and their versions) of customers no longer in the facts' universe, e.g.
 * after facts were removed by hand. Returns how many rows went.
 */
export async function deleteRowsWithoutFacts(db: Queryable): Promise<number> {
  const res = await db.query(
    `WITH gone AS (
       DELETE FROM customer_360 c
        WHERE NOT EXISTS (SELECT 1 FROM customer_info x WHERE x.customer_id = c.customer_id)
          AND NOT EXISTS (SELECT 1 FROM purchase_transactions x WHERE x.customer_id = c.customer_id)
          AND NOT EXISTS (SELECT 1 FROM customer_service x WHERE x.customer_id = c.customer_id)
          AND NOT EXISTS (SELECT 1 FROM campaign_responses x WHERE x.customer_id = c.customer_id)
          AND NOT EXISTS (SELECT 1 FROM website_behavior x WHERE x.customer_id = c.customer_id)
       RETURNING customer_id)
     DELETE FROM customer_360_version v USING gone WHERE v.customer_id = gone.customer_id`,
  );
  return res.rowCount ?? 0;
}
