import type pg from 'pg';

/**
 * `make*` fixtures: insert source rows (reference records and facts) straight into the tables with
 * sensible defaults, bypassing the stream. Row fields use the tables' column names. Each builder
 * returns the row it inserted.
 */

type Db = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

let seq = 0;
/** A process-unique number for default ids and source positions. */
function next(): number {
  seq += 1;
  return seq;
}

/** Default ids start high so that they never collide with the small ids tests spell out. */
const DEFAULT_ID_BASE = 1_000_000;
const EVENT_TIME = '2026-01-01T00:00:00.000000000Z';

export interface CustomerRow {
  customer_id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  date_of_birth: string | null;
  registration_date: string;
  event_time: string;
  src: string;
  src_seq: number;
}

export async function makeCustomer(db: Db, row: Partial<CustomerRow> = {}): Promise<CustomerRow> {
  const n = next();
  const r: CustomerRow = {
    customer_id: DEFAULT_ID_BASE + n,
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: `customer${n}@example.com`,
    phone_number: '+44 20 7946 0000',
    date_of_birth: '1990-06-15',
    registration_date: '2024-01-01',
    event_time: EVENT_TIME,
    src: `test:customers/0/${n}`,
    src_seq: n,
    ...row,
  };
  await db.query(
    `INSERT INTO customer_info (customer_id, first_name, last_name, email, phone_number, date_of_birth,
       registration_date, event_time, src, src_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      r.customer_id,
      r.first_name,
      r.last_name,
      r.email,
      r.phone_number,
      r.date_of_birth,
      r.registration_date,
      r.event_time,
      r.src,
      r.src_seq,
    ],
  );
  return r;
}

export interface ProductRow {
  product_id: number;
  category: string;
  brand: string;
  name: string | null;
  event_time: string;
  src: string;
  src_seq: number;
}

export async function makeProduct(db: Db, row: Partial<ProductRow> = {}): Promise<ProductRow> {
  const n = next();
  const r: ProductRow = {
    product_id: DEFAULT_ID_BASE + n,
    category: 'Electronics',
    brand: 'Acme',
    name: `Product ${n}`,
    event_time: EVENT_TIME,
    src: `test:products/0/${n}`,
    src_seq: n,
    ...row,
  };
  await db.query(
    `INSERT INTO product_catalog (product_id, category, brand, name, event_time, src, src_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.product_id, r.category, r.brand, r.name, r.event_time, r.src, r.src_seq],
  );
  return r;
}

export interface CampaignRow {
  campaign_id: number;
  campaign_name: string;
  channel: string | null;
  start_date: string | null;
  end_date: string | null;
  event_time: string;
  src: string;
  src_seq: number;
}

export async function makeCampaign(db: Db, row: Partial<CampaignRow> = {}): Promise<CampaignRow> {
  const n = next();
  const r: CampaignRow = {
    campaign_id: DEFAULT_ID_BASE + n,
    campaign_name: `Campaign ${n}`,
    channel: 'Email',
    start_date: '2026-01-01',
    end_date: '2026-12-31',
    event_time: EVENT_TIME,
    src: `test:campaigns/0/${n}`,
    src_seq: n,
    ...row,
  };
  await db.query(
    `INSERT INTO marketing_campaigns (campaign_id, campaign_name, channel, start_date, end_date, event_time, src, src_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [r.campaign_id, r.campaign_name, r.channel, r.start_date, r.end_date, r.event_time, r.src, r.src_seq],
  );
  return r;
}

export interface PurchaseItem {
  product_id: number;
  quantity?: number;
  /** Line amount, decimal string; optional as in the event contract. */
  amount?: string | null;
}

export interface PurchaseInput {
  customer_id: number;
  transaction_id?: string;
  purchase_date?: string;
  /** The order's total, decimal string (money stays exact). */
  total_amount?: string;
  /** Line items, inserted with line_no 1, 2, ... in this order. */
  items?: PurchaseItem[];
  src?: string;
}

export interface PurchaseRow {
  transaction_id: string;
  customer_id: number;
  purchase_date: string;
  total_amount: string;
  items: { line_no: number; product_id: number; quantity: number; amount: string | null }[];
  src: string;
}

/** A purchase transaction and its line items (none by default). */
export async function makePurchase(db: Db, input: PurchaseInput): Promise<PurchaseRow> {
  const n = next();
  const r: PurchaseRow = {
    transaction_id: input.transaction_id ?? `t-${n}`,
    customer_id: input.customer_id,
    purchase_date: input.purchase_date ?? '2026-11-01',
    total_amount: input.total_amount ?? '100.00',
    items: (input.items ?? []).map((item, i) => ({
      line_no: i + 1,
      product_id: item.product_id,
      quantity: item.quantity ?? 1,
      amount: item.amount ?? null,
    })),
    src: input.src ?? `test:purchases/0/${n}`,
  };
  await db.query(
    `INSERT INTO purchase_transactions (transaction_id, customer_id, purchase_date, total_amount, src)
     VALUES ($1, $2, $3, $4, $5)`,
    [r.transaction_id, r.customer_id, r.purchase_date, r.total_amount, r.src],
  );
  if (r.items.length > 0) {
    await db.query(
      `INSERT INTO purchase_items (transaction_id, line_no, product_id, quantity, amount)
       SELECT $1, * FROM unnest($2::integer[], $3::integer[], $4::integer[], $5::numeric[])`,
      [
        r.transaction_id,
        r.items.map((i) => i.line_no),
        r.items.map((i) => i.product_id),
        r.items.map((i) => i.quantity),
        r.items.map((i) => i.amount),
      ],
    );
  }
  return r;
}

export interface InteractionRow {
  interaction_id: string;
  customer_id: number;
  interaction_date: string;
  satisfaction_score: number | null;
  resolution_status: string;
  src: string;
}

export async function makeInteraction(
  db: Db,
  row: Partial<InteractionRow> & { customer_id: number },
): Promise<InteractionRow> {
  const n = next();
  const r: InteractionRow = {
    interaction_id: `i-${n}`,
    interaction_date: '2026-11-01',
    satisfaction_score: 4,
    resolution_status: 'Resolved',
    src: `test:service/0/${n}`,
    ...row,
  };
  await db.query(
    `INSERT INTO customer_service (interaction_id, customer_id, interaction_date, satisfaction_score, resolution_status, src)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.interaction_id, r.customer_id, r.interaction_date, r.satisfaction_score, r.resolution_status, r.src],
  );
  return r;
}

export interface ResponseRow {
  response_id: string;
  customer_id: number;
  campaign_id: number;
  response_type: string;
  response_date: string;
  src: string;
}

/** A campaign response; its campaign need not exist in marketing_campaigns. */
export async function makeResponse(db: Db, row: Partial<ResponseRow> & { customer_id: number }): Promise<ResponseRow> {
  const n = next();
  const r: ResponseRow = {
    response_id: `r-${n}`,
    campaign_id: 1,
    response_type: 'Click',
    response_date: '2026-11-01',
    src: `test:responses/0/${n}`,
    ...row,
  };
  await db.query(
    `INSERT INTO campaign_responses (response_id, customer_id, campaign_id, response_type, response_date, src)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.response_id, r.customer_id, r.campaign_id, r.response_type, r.response_date, r.src],
  );
  return r;
}

export interface SessionRow {
  session_id: string;
  customer_id: number;
  visit_date: string;
  pages_viewed: number;
  /** Seconds. */
  time_spent: number;
  src: string;
}

export async function makeSession(db: Db, row: Partial<SessionRow> & { customer_id: number }): Promise<SessionRow> {
  const n = next();
  const r: SessionRow = {
    session_id: `s-${n}`,
    visit_date: '2026-11-01',
    pages_viewed: 5,
    time_spent: 120,
    src: `test:sessions/0/${n}`,
    ...row,
  };
  await db.query(
    `INSERT INTO website_behavior (session_id, customer_id, visit_date, pages_viewed, time_spent, src)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.session_id, r.customer_id, r.visit_date, r.pages_viewed, r.time_spent, r.src],
  );
  return r;
}

/** Empties the source tables and customer_360 of a test database (between tests of one file). */
export async function clearFacts(db: Db): Promise<void> {
  await db.query(
    `TRUNCATE customer_info, product_catalog, marketing_campaigns, purchase_transactions, purchase_items,
       customer_service, campaign_responses, website_behavior, customer_360_rows`,
  );
  await db.query('UPDATE customer_360_dates SET as_of = NULL, seq = 0, run_id = NULL');
}
