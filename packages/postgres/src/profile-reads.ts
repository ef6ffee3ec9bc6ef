import type { Customer360Row } from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

export async function profileExists(db: Queryable, customerId: number): Promise<boolean> {
  const res = await db.query({
    name: 'cdp-serve-profile-exists',
    text: 'SELECT 1 FROM customer_360 WHERE customer_id = $1',
    values: [customerId],
  });
  return res.rowCount === 1;
}

/** One touchpoint as read: kind, day, rank within the day, id, and the kind's own fields. */
export interface TouchpointRow {
  kind: 'session' | 'purchase' | 'service' | 'campaign_response';
  date: string;
  rank: number;
  id: string;
  details: Record<string, unknown>;
}

/**
 * A customer's touchpoints from the fact tables, newest first by (day, rank, id), strictly before
 * `before` when given. Ranks order a day's touchpoints: session 1, purchase 2, service 3, campaign
 * response 4. Money is returned as decimal text.
 */
export async function readTouchpoints(
  db: Queryable,
  customerId: number,
  options: { before?: { date: string; rank: number; id: string }; limit: number },
): Promise<TouchpointRow[]> {
  const b = options.before;
  const res = await db.query<TouchpointRow>({
    name: 'cdp-serve-touchpoints',
    text: `SELECT kind, date::text AS date, rank, id, details FROM (
      SELECT 'session' AS kind, visit_date AS date, 1 AS rank, session_id AS id,
             json_build_object('pages_viewed', pages_viewed, 'time_spent', time_spent) AS details
        FROM website_behavior WHERE customer_id = $1
      UNION ALL
      SELECT 'purchase', t.purchase_date, 2, t.transaction_id,
             json_build_object('amount', t.total_amount::text, 'items', (
               SELECT coalesce(json_agg(json_build_object('product_id', i.product_id, 'quantity', i.quantity,
                        'amount', i.amount::text, 'category', p.category, 'brand', p.brand, 'name', p.name)
                      ORDER BY i.line_no), '[]'::json)
                 FROM purchase_items i LEFT JOIN product_catalog p USING (product_id)
                WHERE i.transaction_id = t.transaction_id))
        FROM purchase_transactions t WHERE t.customer_id = $1
      UNION ALL
      SELECT 'service', interaction_date, 3, interaction_id,
             json_build_object('satisfaction_score', satisfaction_score, 'resolution_status', resolution_status)
        FROM customer_service WHERE customer_id = $1
      UNION ALL
      SELECT 'campaign_response', r.response_date, 4, r.response_id,
             json_build_object('campaign_id', r.campaign_id, 'campaign_name', m.campaign_name,
                               'response_type', r.response_type)
        FROM campaign_responses r LEFT JOIN marketing_campaigns m USING (campaign_id) WHERE r.customer_id = $1
    ) tp
    WHERE $2::date IS NULL OR (date, rank, id) < ($2::date, $3::int, $4::text)
    ORDER BY date DESC, rank DESC, id DESC
    LIMIT $5`,
    values: [customerId, b?.date ?? null, b?.rank ?? null, b?.id ?? null, options.limit],
  });
  return res.rows;
}

export interface Recommendation {
  product_id: number;
  name: string | null;
  category: string;
  brand: string;
  buyers: number;
  /** Which favourite the product shares: both, or only one of them. */
  matches: 'category_and_brand' | 'category' | 'brand';
}

/**
 * The recommendations baseline: products in the customer's favourite category or of their favourite
 * brand that they have not bought, those matching both first, then by how many distinct customers
 * bought them (product_popularity, refreshed periodically), then product id. Null when the customer
 * has no row.
 */
export async function readRecommendations(
  db: Queryable,
  customerId: number,
  limit: number,
): Promise<Recommendation[] | null> {
  const res = await db.query<Recommendation>({
    name: 'cdp-serve-recommendations',
    text: `WITH c AS (SELECT favorite_category, favorite_brand FROM customer_360 WHERE customer_id = $1),
      candidates AS (
        SELECT pp.* FROM product_popularity pp, c WHERE pp.category = c.favorite_category
        UNION
        SELECT pp.* FROM product_popularity pp, c WHERE pp.brand = c.favorite_brand
      )
      SELECT x.product_id, x.name, x.category, x.brand, x.buyers,
             CASE WHEN x.category = c.favorite_category AND x.brand = c.favorite_brand THEN 'category_and_brand'
                  WHEN x.category = c.favorite_category THEN 'category' ELSE 'brand' END AS matches
        FROM candidates x, c
       WHERE NOT EXISTS (
               SELECT 1 FROM purchase_transactions t JOIN purchase_items i USING (transaction_id)
                WHERE t.customer_id = $1 AND i.product_id = x.product_id)
       ORDER BY (x.category = c.favorite_category AND x.brand = c.favorite_brand) DESC, x.buyers DESC, x.product_id
       LIMIT $2`,
    values: [customerId, limit],
  });
  if (res.rows.length > 0) return res.rows;
  return (await profileExists(db, customerId)) ? [] : null;
}

/** Refreshes the recommendations baseline without blocking readers; false when another refresh holds the lock. */
export async function refreshProductPopularity(db: Pool): Promise<boolean> {
  const client = await db.connect();
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(3600012) AS ok');
    if (!got.rows[0]?.ok) return false;
    try {
      await client.query('REFRESH MATERIALIZED VIEW CONCURRENTLY product_popularity');
    } finally {
      await client.query('SELECT pg_advisory_unlock(3600012)');
    }
    return true;
  } finally {
    client.release();
  }
}

export interface Counted<K> {
  key: K;
  count: number;
}

export interface ProfileStats {
  customers: number;
  segments: Counted<string | null>[];
  churn_risk: Counted<number | null>[];
  clv_quintiles: {
    key: number | null;
    count: number;
    ltv_avg: string | null;
    ltv_min: string | null;
    ltv_max: string | null;
  }[];
  /** Lifetime value buckets: [from, to) in currency units; the last one has to = null. */
  ltv_histogram: { from: number; to: number | null; count: number }[];
  engagement_histogram: Counted<number | null>[];
  /** Days since the last purchase, bucketed, with the engagement of the customers in each bucket. */
  engagement_by_recency: { bucket: string; count: number; engagement_avg: number | null }[];
}

const LTV_EDGES = [0, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000];
const RECENCY = [
  ['0-30 days', 'days_since_last_purchase <= 30'],
  ['31-90 days', 'days_since_last_purchase BETWEEN 31 AND 90'],
  ['91-180 days', 'days_since_last_purchase BETWEEN 91 AND 180'],
  ['181-365 days', 'days_since_last_purchase BETWEEN 181 AND 365'],
  ['over 365 days', 'days_since_last_purchase > 365'],
  ['never purchased', 'days_since_last_purchase IS NULL'],
] as const;

/** Counts over customer_360 for GET /v1/stats and the dashboard (one scan per query, run in parallel). */
export async function readProfileStats(db: Pool): Promise<ProfileStats> {
  const edges = `ARRAY[${LTV_EDGES.join(',')}]::numeric[]`;
  const [total, seg, churn, clv, ltv, eng, rec] = await Promise.all([
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM customer_360'),
    db.query<{ key: string | null; count: number }>(
      'SELECT customer_segment AS key, count(*)::int AS count FROM customer_360 GROUP BY 1 ORDER BY 1 NULLS LAST',
    ),
    db.query<{ key: number | null; count: number }>(
      'SELECT churn_risk_score AS key, count(*)::int AS count FROM customer_360 GROUP BY 1 ORDER BY 1 NULLS LAST',
    ),
    db.query<ProfileStats['clv_quintiles'][number]>(
      `SELECT customer_lifetime_value_score AS key, count(*)::int AS count,
              round(avg(total_lifetime_value), 2)::text AS ltv_avg, min(total_lifetime_value)::text AS ltv_min,
              max(total_lifetime_value)::text AS ltv_max
         FROM customer_360 GROUP BY 1 ORDER BY 1 NULLS LAST`,
    ),
    db.query<{ b: number; count: number }>(
      `SELECT width_bucket(coalesce(total_lifetime_value, 0), ${edges}) AS b, count(*)::int AS count
         FROM customer_360 GROUP BY 1 ORDER BY 1`,
    ),
    db.query<{ key: number | null; count: number }>(
      'SELECT engagement_score AS key, count(*)::int AS count FROM customer_360 GROUP BY 1 ORDER BY 1 NULLS LAST',
    ),
    db.query<{ bucket: string; count: number; engagement_avg: number | null }>(
      `SELECT b.bucket, count(c.customer_id)::int AS count, round(avg(c.engagement_score), 3)::float8 AS engagement_avg
         FROM (VALUES ${RECENCY.map(([name], i) => `('${name}', ${i})`).join(', ')}) AS b(bucket, ord)
         LEFT JOIN customer_360 c ON CASE ${RECENCY.map(([name, cond]) => `WHEN c.${cond} THEN '${name}'`).join(' ')} END = b.bucket
        GROUP BY b.bucket, b.ord ORDER BY b.ord`,
    ),
  ]);
  const byBucket = new Map(ltv.rows.map((r) => [r.b, r.count]));
  const ltvHistogram = LTV_EDGES.map((from, i) => ({
    from,
    to: LTV_EDGES[i + 1] ?? null,
    count: byBucket.get(i + 1) ?? 0,
  }));
  return {
    customers: total.rows[0]?.n ?? 0,
    segments: seg.rows,
    churn_risk: churn.rows,
    clv_quintiles: clv.rows,
    ltv_histogram: ltvHistogram,
    engagement_histogram: eng.rows,
    engagement_by_recency: rec.rows,
  };
}

/** A profile as JSON text, built by Postgres, and the version of the state it was derived from. */
export interface ProfileJson {
  customerId: number;
  json: string;
  version: string | null;
}

/** numeric columns: sent as decimal strings ("1234.50"), as the rows read through pg are. */
const MONEY_COLUMNS: ReadonlySet<string> = new Set(['total_lifetime_value', 'average_order_value']);

/**
 * Reads of customer_360 rows as JSON objects of the given columns, in table order, built by Postgres
 * (json_build_object) rather than parsed into objects by pg and serialised again: the server's text
 * goes straight into the HTTP body. The JSON is what JSON.stringify of the row read through this
 * package's pool gives: integers and doubles as numbers (both print doubles shortest-exact), money as
 * decimal strings, dates as YYYY-MM-DD, nulls kept, columns left out absent.
 */
export class ProfileJsonReader {
  private readonly select: string;

  /** `name` tells this reader's prepared statements apart from another column set's. */
  constructor(
    columns: readonly (keyof Customer360Row)[],
    private readonly name: string,
  ) {
    const pairs = columns.map((c) => `'${c}', c.${c}${MONEY_COLUMNS.has(c) ? '::text' : ''}`);
    this.select = `SELECT c.customer_id, json_build_object(${pairs.join(', ')})::text AS json, v.version::text AS version
  FROM customer_360 c LEFT JOIN customer_360_version v USING (customer_id)`;
  }

  async byId(db: Queryable, customerId: number): Promise<ProfileJson | null> {
    const res = await this.query(db, 'by-id', `${this.select} WHERE c.customer_id = $1`, [customerId]);
    return res[0] ?? null;
  }

  /** Ordered by customer id. */
  async byIds(db: Queryable, customerIds: readonly number[]): Promise<ProfileJson[]> {
    if (customerIds.length === 0) return [];
    const sql = `${this.select} WHERE c.customer_id = ANY($1::int4[]) ORDER BY c.customer_id`;
    return this.query(db, 'batch', sql, [customerIds]);
  }

  /** Email equal ignoring case (customer_360_email_lower_idx), ordered by customer id. */
  async byEmail(db: Queryable, email: string, limit = 100): Promise<ProfileJson[]> {
    const sql = `${this.select} WHERE lower(c.email) = lower($1) ORDER BY c.customer_id LIMIT $2`;
    return this.query(db, 'by-email', sql, [email, limit]);
  }

  private async query(db: Queryable, what: string, text: string, values: unknown[]): Promise<ProfileJson[]> {
    const res = await db.query<{ customer_id: number; json: string; version: string | null }>({
      name: `cdp-serve-profile-json-${this.name}-${what}`,
      text,
      values,
    });
    return res.rows.map((r) => ({ customerId: r.customer_id, json: r.json, version: r.version }));
  }
}
