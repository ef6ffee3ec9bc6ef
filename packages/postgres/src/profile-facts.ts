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
 * The columns of a rebuild row that are not aggregates (those are named by AGGREGATE_FIELDS); the
 * bulk read of rebuild-facts.ts returns them, except the positions it derives from the srcs.
 */
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

/** A rebuild row: the structural columns and one per aggregate. */
export type FactsRow = StructuralRow & { [aggregateColumn: string]: unknown };
type Row = FactsRow;

/** A row of the rebuild's bulk read (rebuild-facts.ts), once its srcs are parsed, as a profile. */
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
 * Deletes customer_360 rows (with their versions) of customers no longer in the facts' universe, e.g.
 * after facts were removed by hand. Returns how many rows went.
 */
export async function deleteRowsWithoutFacts(db: Queryable): Promise<number> {
  const res = await db.query(
    `DELETE FROM customer_360_rows c
      WHERE NOT EXISTS (SELECT 1 FROM customer_info x WHERE x.customer_id = c.customer_id)
        AND NOT EXISTS (SELECT 1 FROM purchase_transactions x WHERE x.customer_id = c.customer_id)
        AND NOT EXISTS (SELECT 1 FROM customer_service x WHERE x.customer_id = c.customer_id)
        AND NOT EXISTS (SELECT 1 FROM campaign_responses x WHERE x.customer_id = c.customer_id)
        AND NOT EXISTS (SELECT 1 FROM website_behavior x WHERE x.customer_id = c.customer_id)`,
  );
  return res.rowCount ?? 0;
}
