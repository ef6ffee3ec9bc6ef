import type pg from 'pg';

/** The generator's fact mix: web sessions, purchases, campaign responses, service interactions. */
const MIX = { sessions: 0.45, purchases: 0.25, responses: 0.2, interactions: 0.1 };

/** The customer id space: 1M up to a million customers (as before), else the next power of ten. */
export function keySpace(customers: number): number {
  return customers <= 1_000_000 ? 1_000_000 : 10 ** Math.ceil(Math.log10(customers));
}

/**
 * Loads facts with set-based SQL (generate_series), far faster than producing and consuming them and
 * with the same shape: customer ids spread over a key space of 1M (10M for up to 10M customers, and
 * so on), 1-3 line items per purchase, `src` positions on three partitions per topic, a customer
 * record per customer.
 */
export async function loadFacts(pool: pg.Pool, { facts, customers }: { facts: number; customers: number }) {
  const space = keySpace(customers);
  if (space > 1_000_000_000) throw new RangeError('customer ids are int4: at most 1,000,000,000 customers');
  const n = {
    sessions: Math.round(facts * MIX.sessions),
    purchases: Math.round(facts * MIX.purchases),
    responses: Math.round(facts * MIX.responses),
    interactions: 0,
  };
  n.interactions = facts - n.sessions - n.purchases - n.responses;
  // Customer k (0-based) gets id (k * 997) mod space + 1: distinct (997 is prime and the space a power
  // of ten) and spread out.
  const cid = (k: string) => `((((${k}) % $2) * 997) % ${space} + 1)`;
  const q = (sql: string, count: number) => pool.query(sql, sql.includes('$2') ? [count, customers] : [count]);
  await q(
    `INSERT INTO customer_info (customer_id, first_name, last_name, email, phone_number, date_of_birth,
       registration_date, event_time, src, src_seq)
     SELECT ${cid('k')}, 'First' || k, 'Last' || k, 'c' || k || '@example.com', '+1555' || lpad(k::text, 7, '0'),
            date '1950-01-01' + (k * 37 % 18000)::int, date '2022-01-01' + (k % 1200)::int,
            '2025-01-01T00:00:00.000Z', 'bench.customers/' || (k % 3) || '/' || k, k
       FROM generate_series(0, $1::int8 - 1) k`,
    customers,
  );
  await q(
    `INSERT INTO purchase_transactions (transaction_id, customer_id, purchase_date, total_amount, src)
     SELECT 'T' || i, ${cid('i')}, date '2025-07-01' + (i % 365)::int, (i * 7919 % 50000) / 100.0,
            'bench.purchases/' || (i % 3) || '/' || i
       FROM generate_series(0, $1::int8 - 1) i`,
    n.purchases,
  );
  await q(
    `INSERT INTO purchase_items (transaction_id, line_no, product_id, quantity, amount)
     SELECT 'T' || i, l, 1 + (i * 31 + l) % 5000, 1, (i * 7919 % 50000) / 100.0 / (1 + i % 3)
       FROM generate_series(0, $1::int8 - 1) i, generate_series(1, 1 + (i % 3)) l`,
    n.purchases,
  );
  await q(
    `INSERT INTO website_behavior (session_id, customer_id, visit_date, pages_viewed, time_spent, src)
     SELECT 'S' || i, ${cid('i')}, date '2025-07-01' + (i % 365)::int, 1 + i % 20, (i % 600) + 0.5,
            'bench.web-sessions/' || (i % 3) || '/' || i
       FROM generate_series(0, $1::int8 - 1) i`,
    n.sessions,
  );
  await q(
    `INSERT INTO campaign_responses (response_id, customer_id, campaign_id, response_type, response_date, src)
     SELECT 'R' || i, ${cid('i')}, 1 + i % 52, CASE WHEN i % 4 = 0 THEN 'Conversion' ELSE 'Click' END,
            date '2025-07-01' + (i % 365)::int, 'bench.campaign-responses/' || (i % 3) || '/' || i
       FROM generate_series(0, $1::int8 - 1) i`,
    n.responses,
  );
  await q(
    `INSERT INTO customer_service (interaction_id, customer_id, interaction_date, satisfaction_score,
       resolution_status, src)
     SELECT 'I' || i, ${cid('i')}, date '2025-07-01' + (i % 365)::int, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 5 END,
            CASE WHEN i % 3 = 0 THEN 'Unresolved' ELSE 'Resolved' END,
            'bench.service-interactions/' || (i % 3) || '/' || i
       FROM generate_series(0, $1::int8 - 1) i`,
    n.interactions,
  );
  // A 5,000-product catalog at revision 1, so a first favourites sweep covers all of it.
  await pool.query(
    `INSERT INTO product_catalog (product_id, category, brand, name, event_time, src, src_seq, rev)
     SELECT p, 'Category ' || (p % 12), 'Brand ' || (p % 40), 'Product ' || p, '2025-01-01T00:00:00.000Z',
            'bench.products/0/' || p, p, 1
       FROM generate_series(1, 5000) p`,
  );
  await pool.query('UPDATE catalog_state SET version = GREATEST(version, 1)');
  await pool.query('ANALYZE');
  const items = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM purchase_items')).rows[0]!.n);
  return { customers, ...n, items };
}
