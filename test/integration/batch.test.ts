import { batchCustomer360Sql } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import {
  clearFacts,
  makeCampaign,
  makeCustomer,
  makeInteraction,
  makeProduct,
  makePurchase,
  makeResponse,
  makeSession,
} from '../helpers/facts';

// Every expectation below is worked out by hand from SEMANTICS.md, not by a second implementation.

const db = withDatabase();
const AS_OF = '2026-11-25';

type Row = Record<string, unknown>;

async function batch(asOf = AS_OF): Promise<Map<number, Row>> {
  const { rows } = await db.pool.query<Row>(batchCustomer360Sql, [asOf]);
  return new Map(rows.map((r) => [r.customer_id as number, r]));
}

async function batchRow(customerId: number, asOf = AS_OF): Promise<Row> {
  const row = (await batch(asOf)).get(customerId);
  if (!row) throw new Error(`no batch row for customer ${customerId}`);
  return row;
}

beforeEach(async () => {
  await clearFacts(db.pool);
});

describe('shape', () => {
  test('the 29 columns of customer_360, in its order', async () => {
    const { rows } = await db.pool.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute
       WHERE attrelid = 'customer_360'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    const result = await db.pool.query(batchCustomer360Sql, [AS_OF]);
    expect(result.fields.map((f) => f.name)).toEqual(rows.map((r) => r.attname));
    expect(result.fields).toHaveLength(29);
  });

  test('one row per customer id in any source table, ordered by id', async () => {
    await makeCustomer(db.pool, { customer_id: 5 });
    await makePurchase(db.pool, { customer_id: 4 });
    await makeInteraction(db.pool, { customer_id: 3 });
    await makeResponse(db.pool, { customer_id: 2 });
    await makeSession(db.pool, { customer_id: 1 });
    await makeSession(db.pool, { customer_id: 1 });
    await makeProduct(db.pool, { product_id: 6 }); // not a customer
    await makeCampaign(db.pool, { campaign_id: 7 }); // not a customer
    const { rows } = await db.pool.query(batchCustomer360Sql, [AS_OF]);
    expect(rows.map((r) => r.customer_id)).toEqual([1, 2, 3, 4, 5]);
  });

  test('an empty database gives no rows', async () => {
    const { rows } = await db.pool.query(batchCustomer360Sql, [AS_OF]);
    expect(rows).toEqual([]);
  });
});

describe('a customer with every kind of fact', () => {
  test('all 29 columns', async () => {
    await makeCustomer(db.pool, {
      customer_id: 42,
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace@example.com',
      phone_number: '+1 555 0100',
      date_of_birth: '1986-12-09',
      registration_date: '2025-11-20',
    });
    await makeProduct(db.pool, { product_id: 1, category: 'Books', brand: 'Penguin' });
    await makeProduct(db.pool, { product_id: 2, category: 'Garden', brand: 'Bosch' });
    await makePurchase(db.pool, {
      customer_id: 42,
      transaction_id: 'T1',
      purchase_date: '2026-11-01',
      total_amount: '60.00',
      items: [{ product_id: 1 }, { product_id: 1 }, { product_id: 2 }],
    });
    await makePurchase(db.pool, {
      customer_id: 42,
      transaction_id: 'T2',
      purchase_date: '2026-10-01',
      total_amount: '15.50',
      items: [{ product_id: 2 }],
    });
    await makeInteraction(db.pool, { customer_id: 42, satisfaction_score: 5, resolution_status: 'Resolved' });
    await makeInteraction(db.pool, { customer_id: 42, satisfaction_score: 2, resolution_status: 'Open' });
    await makeResponse(db.pool, { customer_id: 42, campaign_id: 9, response_type: 'Conversion' });
    await makeResponse(db.pool, { customer_id: 42, campaign_id: 9, response_type: 'Click' });
    await makeResponse(db.pool, { customer_id: 42, campaign_id: 10, response_type: 'Open' });
    await makeSession(db.pool, { customer_id: 42, visit_date: '2026-11-20', pages_viewed: 3, time_spent: 10.5 });
    await makeSession(db.pool, { customer_id: 42, visit_date: '2026-11-22', pages_viewed: 4, time_spent: 20 });

    expect(await batchRow(42)).toEqual({
      customer_id: 42,
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace@example.com',
      phone_number: '+1 555 0100',
      date_of_birth: '1986-12-09',
      registration_date: '2025-11-20',
      age: 39, // 40th birthday on 2026-12-09, after the as-of date
      customer_tenure_days: 370, // 2025-11-20 .. 2026-11-20 is 365 days, then 5 more
      total_orders: 2,
      total_lifetime_value: '75.50',
      average_order_value: '37.75',
      last_purchase_date: '2026-11-01',
      days_since_last_purchase: 24,
      // Books/Penguin and Garden/Bosch both have 2 line items: the byte-smaller pair wins.
      favorite_category: 'Books',
      favorite_brand: 'Penguin',
      total_interactions: 2,
      avg_satisfaction_score: 3.5,
      resolved_interactions: 1,
      campaigns_engaged: 2,
      campaign_conversions: 1,
      total_sessions: 2,
      avg_pages_per_session: 3.5,
      avg_time_per_session: 15.25,
      last_visit_date: '2026-11-22',
      customer_segment: 'Low Value',
      churn_risk_score: 1,
      customer_lifetime_value_score: 1, // one row: the only quintile bucket used is 1
      engagement_score: 2, // (2 + 2 + 2) / 3
    });
  });
});

describe('favourite category and brand', () => {
  beforeEach(async () => {
    await makeProduct(db.pool, { product_id: 1, category: 'alpha', brand: 'x' });
    await makeProduct(db.pool, { product_id: 2, category: 'Zeta', brand: 'x' });
    await makeProduct(db.pool, { product_id: 3, category: 'Home', brand: 'b' });
    await makeProduct(db.pool, { product_id: 4, category: 'Home', brand: 'B' });
    await makeProduct(db.pool, { product_id: 5, category: 'Toys', brand: 'Lego' });
    await makeProduct(db.pool, { product_id: 6, category: 'Toys', brand: 'Lego' });
  });

  test('a tie goes to the smallest category in byte order: Zeta before alpha', async () => {
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 1 }, { product_id: 2 }] });
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 2 }, { product_id: 1 }] });
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'Zeta', favorite_brand: 'x' });
  });

  test('a tie within a category goes to the smallest brand in byte order: B before b', async () => {
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 3 }, { product_id: 4 }] });
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'Home', favorite_brand: 'B' });
  });

  test('more line items win over byte order', async () => {
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 1 }, { product_id: 1 }, { product_id: 2 }] });
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'alpha', favorite_brand: 'x' });
  });

  test('line items are counted, not quantities', async () => {
    await makePurchase(db.pool, {
      customer_id: 1,
      items: [{ product_id: 3, quantity: 10 }, { product_id: 1 }, { product_id: 1 }],
    });
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'alpha', favorite_brand: 'x' });
  });

  test('two products of one pair add up, across orders', async () => {
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 5 }, { product_id: 1 }] });
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 6 }, { product_id: 1 }, { product_id: 6 }] });
    // Toys/Lego 3 lines (products 5, 6, 6) against alpha/x 2 lines.
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'Toys', favorite_brand: 'Lego' });
  });

  test('items whose product is not in the catalog are ignored', async () => {
    await makePurchase(db.pool, {
      customer_id: 1,
      items: [{ product_id: 99 }, { product_id: 99 }, { product_id: 99 }, { product_id: 4 }],
    });
    expect(await batchRow(1)).toMatchObject({ favorite_category: 'Home', favorite_brand: 'B' });
  });

  test('NULL when no item is in the catalog, or no items, or no purchases', async () => {
    await makePurchase(db.pool, { customer_id: 1, items: [{ product_id: 99 }] });
    await makePurchase(db.pool, { customer_id: 2, items: [] });
    await makeCustomer(db.pool, { customer_id: 3 });
    const rows = await batch();
    for (const id of [1, 2, 3]) {
      expect(rows.get(id)).toMatchObject({ favorite_category: null, favorite_brand: null });
    }
  });
});

describe('orders, lifetime value and average order value', () => {
  test('an order with several line items counts once, with its total (AOV per order, not per line)', async () => {
    await makeProduct(db.pool, { product_id: 1 });
    await makePurchase(db.pool, {
      customer_id: 1,
      total_amount: '90.00',
      items: [
        { product_id: 1, amount: '30.00' },
        { product_id: 1, amount: '30.00' },
        { product_id: 1, amount: '30.00' },
      ],
    });
    await makePurchase(db.pool, { customer_id: 1, total_amount: '10.00', items: [{ product_id: 1 }] });
    // The seed's AVG over joined rows would give (3 * 90 + 10) / 4 = 70.00, and a sum of 280.00.
    expect(await batchRow(1)).toMatchObject({
      total_orders: 2,
      total_lifetime_value: '100.00',
      average_order_value: '50.00',
    });
  });

  test.each([
    // [totals, LTV, AOV]: exact quotient, and how it rounds
    [['10.00', '10.01'], '20.01', '10.01'], // 10.005: half away from zero (half-even would give 10.00)
    [['0.01', '0.00'], '0.01', '0.01'], // 0.005 -> 0.01
    [['0.03', '0.00'], '0.03', '0.02'], // 0.015 -> 0.02
    [['10.00', '10.00', '10.01'], '30.01', '10.00'], // 10.00333...
    [['0.01', '0.01', '0.00'], '0.02', '0.01'], // 0.00666...
    [['33.33', '33.33', '33.34'], '100.00', '33.33'], // 33.333...
    [['0.00'], '0.00', '0.00'],
  ])('orders %j: LTV %s, AOV %s', async (totals, ltv, aov) => {
    for (const total of totals) await makePurchase(db.pool, { customer_id: 1, total_amount: total });
    expect(await batchRow(1)).toMatchObject({
      total_orders: totals.length,
      total_lifetime_value: ltv,
      average_order_value: aov,
    });
  });

  test('large amounts stay exact', async () => {
    await makePurchase(db.pool, { customer_id: 1, total_amount: '499999999999.99' });
    await makePurchase(db.pool, { customer_id: 1, total_amount: '0.02' });
    // 500000000000.01 / 2 = 250000000000.005 -> .01
    expect(await batchRow(1)).toMatchObject({
      total_lifetime_value: '500000000000.01',
      average_order_value: '250000000000.01',
    });
  });
});

describe('customer segment', () => {
  test.each([
    ['5000.00', 'Low Value'],
    ['5000.01', 'Medium Value'],
    ['10000.00', 'Medium Value'],
    ['10000.01', 'High Value'],
    ['0.00', 'Low Value'],
  ])('LTV %s is %s', async (ltv, segment) => {
    await makePurchase(db.pool, { customer_id: 1, total_amount: ltv });
    expect(await batchRow(1)).toMatchObject({ total_lifetime_value: ltv, customer_segment: segment });
  });

  test('the threshold applies to the sum over orders', async () => {
    await makePurchase(db.pool, { customer_id: 1, total_amount: '2500.00' });
    await makePurchase(db.pool, { customer_id: 1, total_amount: '2500.01' });
    expect(await batchRow(1)).toMatchObject({ total_lifetime_value: '5000.01', customer_segment: 'Medium Value' });
  });

  test('a customer who never purchased is Low Value', async () => {
    await makeCustomer(db.pool, { customer_id: 1 });
    expect(await batchRow(1)).toMatchObject({ total_lifetime_value: null, customer_segment: 'Low Value' });
  });
});

describe('days since last purchase and churn risk', () => {
  test.each([
    ['2026-11-25', 0, 1],
    ['2026-10-26', 30, 1],
    ['2026-10-25', 31, 2],
    ['2026-08-27', 90, 2],
    ['2026-08-26', 91, 3],
    ['2026-05-29', 180, 3],
    ['2026-05-28', 181, 4],
    ['2025-11-25', 365, 4],
    ['2025-11-24', 366, 5],
  ])('last purchase %s: %i days, churn %i', async (date, days, churn) => {
    await makePurchase(db.pool, { customer_id: 1, purchase_date: date });
    expect(await batchRow(1)).toMatchObject({
      last_purchase_date: date,
      days_since_last_purchase: days,
      churn_risk_score: churn,
    });
  });

  test('the latest purchase counts', async () => {
    await makePurchase(db.pool, { customer_id: 1, purchase_date: '2026-11-15' });
    await makePurchase(db.pool, { customer_id: 1, purchase_date: '2024-01-01' });
    expect(await batchRow(1)).toMatchObject({
      last_purchase_date: '2026-11-15',
      days_since_last_purchase: 10,
      churn_risk_score: 1,
    });
  });

  test('the as-of date moves the date-dependent columns', async () => {
    await makePurchase(db.pool, { customer_id: 1, purchase_date: '2026-11-15' });
    expect(await batchRow(1, '2027-11-16')).toMatchObject({ days_since_last_purchase: 366, churn_risk_score: 5 });
  });

  test('a customer who never purchased has no churn score (not the lowest risk)', async () => {
    await makeCustomer(db.pool, { customer_id: 1 });
    await makeSession(db.pool, { customer_id: 1 });
    expect(await batchRow(1)).toMatchObject({
      last_purchase_date: null,
      days_since_last_purchase: null,
      churn_risk_score: null,
    });
  });
});

describe('age and tenure', () => {
  test.each([
    ['2027-02-28', 26], // non-leap year: a Feb 29 birthday is not yet completed on Feb 28
    ['2027-03-01', 27], // ... but on Mar 1
    ['2028-02-28', 27],
    ['2028-02-29', 28], // leap year: on the day
    ['2000-02-29', 0],
  ])('born 2000-02-29, as of %s: %i', async (asOf, age) => {
    await makeCustomer(db.pool, { customer_id: 1, date_of_birth: '2000-02-29' });
    expect(await batchRow(1, asOf)).toMatchObject({ age });
  });

  test.each([
    ['1990-11-25', 36], // birthday on the as-of date
    ['1990-11-26', 35], // birthday tomorrow
    ['1990-12-31', 35],
    ['1991-01-01', 35],
  ])('born %s, as of 2026-11-25: %i', async (dob, age) => {
    await makeCustomer(db.pool, { customer_id: 1, date_of_birth: dob });
    expect(await batchRow(1)).toMatchObject({ age });
  });

  test('no date of birth: age NULL', async () => {
    await makeCustomer(db.pool, { customer_id: 1, date_of_birth: null, registration_date: '2025-01-01' });
    expect(await batchRow(1)).toMatchObject({ age: null, customer_tenure_days: 693 }); // 365 + 328
  });

  test('tenure counts days from registration to the as-of date', async () => {
    await makeCustomer(db.pool, { customer_id: 1, registration_date: '2024-11-25' });
    await makeCustomer(db.pool, { customer_id: 2, registration_date: '2026-11-25' });
    await makeCustomer(db.pool, { customer_id: 3, registration_date: '2024-02-28' });
    const rows = await batch();
    expect(rows.get(1)).toMatchObject({ customer_tenure_days: 730 }); // 2025 and 2026 have 365 days
    expect(rows.get(2)).toMatchObject({ customer_tenure_days: 0 });
    expect(rows.get(3)).toMatchObject({ customer_tenure_days: 1001 }); // 366 (incl. 2024-02-29) + 365 + 270
  });
});

describe('customers with and without a customer record', () => {
  test('events but no record: record columns, age and tenure NULL', async () => {
    await makeSession(db.pool, { customer_id: 7, pages_viewed: 2, time_spent: 30, visit_date: '2026-11-02' });
    expect(await batchRow(7)).toEqual({
      customer_id: 7,
      first_name: null,
      last_name: null,
      email: null,
      phone_number: null,
      date_of_birth: null,
      registration_date: null,
      age: null,
      customer_tenure_days: null,
      total_orders: null,
      total_lifetime_value: null,
      average_order_value: null,
      last_purchase_date: null,
      days_since_last_purchase: null,
      favorite_category: null,
      favorite_brand: null,
      total_interactions: null,
      avg_satisfaction_score: null,
      resolved_interactions: null,
      campaigns_engaged: null,
      campaign_conversions: null,
      total_sessions: 1,
      avg_pages_per_session: 2,
      avg_time_per_session: 30,
      last_visit_date: '2026-11-02',
      customer_segment: 'Low Value',
      churn_risk_score: null,
      customer_lifetime_value_score: 1,
      engagement_score: 0, // (0 + 1 + 0) / 3
    });
  });

  test('a record but no events: counts NULL, Low Value, churn NULL', async () => {
    await makeCustomer(db.pool, {
      customer_id: 8,
      first_name: 'Alan',
      last_name: 'Turing',
      email: 'alan@example.com',
      phone_number: null,
      date_of_birth: '1912-06-23',
      registration_date: '2026-11-01',
    });
    expect(await batchRow(8)).toEqual({
      customer_id: 8,
      first_name: 'Alan',
      last_name: 'Turing',
      email: 'alan@example.com',
      phone_number: null,
      date_of_birth: '1912-06-23',
      registration_date: '2026-11-01',
      age: 114,
      customer_tenure_days: 24,
      total_orders: null,
      total_lifetime_value: null,
      average_order_value: null,
      last_purchase_date: null,
      days_since_last_purchase: null,
      favorite_category: null,
      favorite_brand: null,
      total_interactions: null,
      avg_satisfaction_score: null,
      resolved_interactions: null,
      campaigns_engaged: null,
      campaign_conversions: null,
      total_sessions: null,
      avg_pages_per_session: null,
      avg_time_per_session: null,
      last_visit_date: null,
      customer_segment: 'Low Value',
      churn_risk_score: null,
      customer_lifetime_value_score: 1,
      engagement_score: 0,
    });
  });
});

describe('service interactions', () => {
  test('resolved counts exactly "Resolved": 0 with interactions, NULL without', async () => {
    await makeInteraction(db.pool, { customer_id: 1, resolution_status: 'resolved' });
    await makeInteraction(db.pool, { customer_id: 1, resolution_status: 'Resolved ' });
    await makeInteraction(db.pool, { customer_id: 1, resolution_status: 'Pending' });
    await makeInteraction(db.pool, { customer_id: 2, resolution_status: 'Resolved' });
    await makeInteraction(db.pool, { customer_id: 2, resolution_status: 'Resolved' });
    await makeSession(db.pool, { customer_id: 3 });
    const rows = await batch();
    expect(rows.get(1)).toMatchObject({ total_interactions: 3, resolved_interactions: 0 });
    expect(rows.get(2)).toMatchObject({ total_interactions: 2, resolved_interactions: 2 });
    expect(rows.get(3)).toMatchObject({ total_interactions: null, resolved_interactions: null });
  });

  test('average satisfaction over the non-null scores only', async () => {
    await makeInteraction(db.pool, { customer_id: 1, satisfaction_score: 5 });
    await makeInteraction(db.pool, { customer_id: 1, satisfaction_score: null });
    await makeInteraction(db.pool, { customer_id: 1, satisfaction_score: 2 });
    await makeInteraction(db.pool, { customer_id: 2, satisfaction_score: null });
    await makeInteraction(db.pool, { customer_id: 3, satisfaction_score: 1 });
    await makeInteraction(db.pool, { customer_id: 3, satisfaction_score: 1 });
    await makeInteraction(db.pool, { customer_id: 3, satisfaction_score: 2 });
    const rows = await batch();
    expect(rows.get(1)).toMatchObject({ total_interactions: 3, avg_satisfaction_score: 3.5 });
    expect(rows.get(2)).toMatchObject({ total_interactions: 1, avg_satisfaction_score: null });
    expect(rows.get(3)!.avg_satisfaction_score as number).toBeCloseTo(4 / 3, 12);
  });
});

describe('campaign responses', () => {
  test('conversions count exactly "Conversion": 0 with responses, NULL without', async () => {
    await makeResponse(db.pool, { customer_id: 1, campaign_id: 1, response_type: 'conversion' });
    await makeResponse(db.pool, { customer_id: 1, campaign_id: 1, response_type: 'Click' });
    await makeResponse(db.pool, { customer_id: 2, campaign_id: 1, response_type: 'Conversion' });
    await makeResponse(db.pool, { customer_id: 2, campaign_id: 1, response_type: 'Conversion' });
    await makeSession(db.pool, { customer_id: 3 });
    const rows = await batch();
    expect(rows.get(1)).toMatchObject({ campaigns_engaged: 1, campaign_conversions: 0 });
    // Conversions count responses, campaigns are distinct.
    expect(rows.get(2)).toMatchObject({ campaigns_engaged: 1, campaign_conversions: 2 });
    expect(rows.get(3)).toMatchObject({ campaigns_engaged: null, campaign_conversions: null });
  });

  test('a response to a campaign missing from marketing_campaigns still counts', async () => {
    await makeCampaign(db.pool, { campaign_id: 1 });
    await makeResponse(db.pool, { customer_id: 1, campaign_id: 1 });
    await makeResponse(db.pool, { customer_id: 1, campaign_id: 777, response_type: 'Conversion' });
    await makeResponse(db.pool, { customer_id: 2, campaign_id: 778 });
    const rows = await batch();
    expect(rows.get(1)).toMatchObject({ campaigns_engaged: 2, campaign_conversions: 1 });
    expect(rows.get(2)).toMatchObject({ campaigns_engaged: 1, campaign_conversions: 0 });
  });
});

describe('web sessions', () => {
  test('counts, means and latest visit', async () => {
    await makeSession(db.pool, { customer_id: 1, visit_date: '2026-11-03', pages_viewed: 1, time_spent: 0.5 });
    await makeSession(db.pool, { customer_id: 1, visit_date: '2026-11-10', pages_viewed: 0, time_spent: 0 });
    await makeSession(db.pool, { customer_id: 1, visit_date: '2026-11-05', pages_viewed: 8, time_spent: 99.5 });
    expect(await batchRow(1)).toMatchObject({
      total_sessions: 3,
      avg_pages_per_session: 3,
      avg_time_per_session: 100 / 3,
      last_visit_date: '2026-11-10',
    });
  });
});

describe('engagement score', () => {
  test.each([
    [0, 0, 1, 0],
    [0, 0, 2, 0],
    [1, 1, 1, 1],
    [2, 2, 1, 1], // 5 / 3
    [3, 3, 2, 2], // 8 / 3
    [0, 3, 0, 1],
  ])('campaigns %i + sessions %i + interactions %i -> %i', async (campaigns, sessions, interactions, score) => {
    for (let i = 0; i < campaigns; i++) {
      // Two responses per campaign: campaigns count distinct ids, not responses.
      await makeResponse(db.pool, { customer_id: 1, campaign_id: 100 + i });
      await makeResponse(db.pool, { customer_id: 1, campaign_id: 100 + i });
    }
    for (let i = 0; i < sessions; i++) await makeSession(db.pool, { customer_id: 1 });
    for (let i = 0; i < interactions; i++) await makeInteraction(db.pool, { customer_id: 1 });
    expect(await batchRow(1)).toMatchObject({ engagement_score: score });
  });
});

describe('customer lifetime value score (NTILE 5)', () => {
  async function scores(): Promise<Record<number, unknown>> {
    const rows = await batch();
    return Object.fromEntries([...rows].map(([id, r]) => [id, r.customer_lifetime_value_score]));
  }

  test('non-buyers count as 0 and land lowest; ties go by customer_id', async () => {
    await makePurchase(db.pool, { customer_id: 1, total_amount: '50.00' });
    await makeCustomer(db.pool, { customer_id: 2 }); // never purchased
    await makePurchase(db.pool, { customer_id: 3, total_amount: '0.00' });
    await makePurchase(db.pool, { customer_id: 4, total_amount: '10.00' });
    await makeSession(db.pool, { customer_id: 5 }); // never purchased
    // Order: 2 (0), 3 (0), 5 (0), 4 (10), 1 (50). The seed's NULLS LAST would put 2 and 5 on top.
    expect(await scores()).toEqual({ 1: 5, 2: 1, 3: 2, 4: 4, 5: 3 });
  });

  test('equal lifetime values are ordered by customer_id', async () => {
    for (const id of [40, 10, 30, 50, 20]) await makePurchase(db.pool, { customer_id: id, total_amount: '100.00' });
    expect(await scores()).toEqual({ 10: 1, 20: 2, 30: 3, 40: 4, 50: 5 });
  });

  // NTILE(5) over N rows: the first N mod 5 buckets get one row more.
  test.each([
    [10, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]],
    [11, [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]],
    [12, [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5]],
    [13, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5]],
    [14, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5]],
    [4, [1, 2, 3, 4]],
    [1, [1]],
  ])('%i rows', async (n, expected) => {
    // Customer i has LTV (n + 1 - i) * 100, so ascending LTV is descending id: the order comes from
    // the value, not the id.
    for (let i = 1; i <= n; i++) {
      await makePurchase(db.pool, { customer_id: i, total_amount: `${(n + 1 - i) * 100}.00` });
    }
    const byValue = Object.entries(await scores())
      .sort(([a], [b]) => Number(b) - Number(a))
      .map(([, s]) => s);
    expect(byValue).toEqual(expected);
  });
});
