import { addDays } from '@cdp360/domain';
import { lockCustomer360Rows, refreshDateColumns, runBatch } from '@cdp360/postgres';
import pg from 'pg';
import { withDatabase } from '../helpers/database';
import { clearFacts, makeCustomer, makePurchase } from '../helpers/facts';
import { streamVersusBatch } from '../helpers/updater';

// customer_360 is a view over customer_360_rows (migration 010, docs/adr/0004-customer-360-view.md):
// the date step moves one date, and the view computes the date columns for it.

const D = '2026-03-01';
const db = withDatabase();

/** The last-purchase distances around each churn step, and birthdays on and around the as-of date. */
async function edgeCustomers(): Promise<number[]> {
  const ids: number[] = [];
  const births = ['2000-02-29', '1990-03-01', '1990-03-02', '1990-02-28', null];
  const distances = [0, 29, 30, 31, 89, 90, 91, 179, 180, 181, 364, 365, 366, 367, null];
  let id = 1;
  for (const birth of births) {
    for (const days of distances) {
      await makeCustomer(db.pool, { customer_id: id, date_of_birth: birth, registration_date: '2024-02-29' });
      if (days !== null) await makePurchase(db.pool, { customer_id: id, purchase_date: addDays(D, -days) });
      ids.push(id++);
    }
  }
  // A buyer with no customer record: no birth or registration date.
  await makePurchase(db.pool, { customer_id: id, purchase_date: addDays(D, -100) });
  ids.push(id);
  return ids;
}

async function moveDates(asOf: string): Promise<Awaited<ReturnType<typeof refreshDateColumns>>> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const r = await refreshDateColumns(client, asOf);
    await client.query('COMMIT');
    return r;
  } finally {
    client.release();
  }
}

async function row(id: number): Promise<Record<string, unknown>> {
  const { rows } = await db.pool.query(
    `SELECT age, customer_tenure_days, days_since_last_purchase, churn_risk_score FROM customer_360 WHERE customer_id = $1`,
    [id],
  );
  return rows[0];
}

beforeEach(async () => {
  await clearFacts(db.pool);
});

test('after a date step every row shows the batch values for its date; a row written later keeps its own', async () => {
  const ids = await edgeCustomers();
  const before = addDays(D, -1);
  await runBatch(db.pool, { asOf: before });
  expect((await streamVersusBatch(db.pool, before, [])).equal).toBe(true);

  for (const asOf of [D, addDays(D, 1), addDays(D, 366), addDays(D, -400)]) {
    const r = await moveDates(asOf);
    expect((await streamVersusBatch(db.pool, asOf, [])).equal).toBe(true);
    expect(r.rowsWritten).toBe(0);
  }
  // From D - 400 back to D: every buyer's days since purchase moves (70 with a customer record, one
  // without), and the tenure of the 75 with a registration date.
  const back = await moveDates(D);
  expect(back).toMatchObject({ daysSinceChanged: 71, tenureChanged: 75 });

  // A write after the step (a repair by hand through the view keeps the view's rule: its date columns
  // are not writable) goes to the table with a fresh number and shows as written.
  await expect(db.pool.query('UPDATE customer_360 SET age = 1 WHERE customer_id = 1')).rejects.toMatchObject({
    code: '0A000',
  });
  await db.pool.query(
    `UPDATE customer_360_rows SET days_since_last_purchase = 12345, dates_seq = nextval('customer_360_dates_seq')
     WHERE customer_id = 1`,
  );
  expect(await row(1)).toMatchObject({ days_since_last_purchase: 12345 });
  await moveDates(D);
  expect(await row(1)).toMatchObject({ days_since_last_purchase: 0 });
  expect(ids.length).toBe(76);
});

test("the step's counts are the rows whose shown values change, column by column", async () => {
  await edgeCustomers();
  await runBatch(db.pool, { asOf: D });
  const shown = async () => {
    const { rows } = await db.pool.query(
      `SELECT customer_id, age, customer_tenure_days, days_since_last_purchase, churn_risk_score FROM customer_360`,
    );
    return new Map(rows.map((r) => [r.customer_id, r]));
  };
  const columns = {
    ageChanged: 'age',
    tenureChanged: 'customer_tenure_days',
    daysSinceChanged: 'days_since_last_purchase',
    churnChanged: 'churn_risk_score',
  } as const;
  // Forward by a day, across birthdays and churn steps, the same day again, a year and more, and back; the first step
  // ever (every row stored), and rows rewritten between steps (stored again, as the updater does).
  const dates = [
    D,
    addDays(D, 1),
    addDays(D, 30),
    addDays(D, 30),
    addDays(D, 31),
    addDays(D, 366),
    addDays(D, 365 * 4),
    addDays(D, -59),
  ];
  for (const [i, asOf] of dates.entries()) {
    if (i % 2 === 1) {
      await db.pool.query(
        `UPDATE customer_360_rows SET days_since_last_purchase = days_since_last_purchase + 1, age = 7,
                dates_seq = nextval('customer_360_dates_seq')
         WHERE customer_id % 3 = $1`,
        [i % 3],
      );
    }
    const before = await shown();
    const r = await moveDates(asOf);
    const after = await shown();
    for (const [field, column] of Object.entries(columns)) {
      const moved = [...after].filter(([id, row]) => row[column] !== before.get(id)[column]).length;
      expect({ asOf, field, count: r[field as keyof typeof columns] }).toEqual({ asOf, field, count: moved });
    }
  }
});

test('before any date step the stored values stand', async () => {
  await edgeCustomers();
  await runBatch(db.pool, { asOf: '2020-01-01' });
  expect((await streamVersusBatch(db.pool, '2020-01-01', [])).equal).toBe(true);
});

describe('the date step and a writer that compares rows for triggers wait for each other', () => {
  async function waitingOnAdvisory(pid: number): Promise<boolean> {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`,
      [pid],
    );
    return rows[0].n > 0;
  }

  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition not reached within 5 s');
  }

  let writer: pg.Client;
  let scorer: pg.Client;
  beforeEach(async () => {
    await edgeCustomers();
    await runBatch(db.pool, { asOf: D });
    writer = new pg.Client({ connectionString: db.url });
    scorer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    await scorer.connect();
  });
  afterEach(async () => {
    await writer.end();
    await scorer.end();
  });

  test('a step started while a writer holds rows waits for its commit', async () => {
    await writer.query('BEGIN');
    await lockCustomer360Rows(writer, [1]);
    await scorer.query('BEGIN');
    const step = refreshDateColumns(scorer, addDays(D, 10));
    const scorerPid = (scorer as unknown as { processID: number }).processID;
    await until(() => waitingOnAdvisory(scorerPid));
    await writer.query('COMMIT');
    await step;
    await scorer.query('COMMIT');
    expect(await row(1)).toMatchObject({ days_since_last_purchase: 10 });
  });

  test('a writer that starts during a step waits for it and then reads the new dates', async () => {
    await scorer.query('BEGIN');
    await refreshDateColumns(scorer, addDays(D, 20));
    await writer.query('BEGIN');
    const read = lockCustomer360Rows(writer, [1], ['days_since_last_purchase']);
    const writerPid = (writer as unknown as { processID: number }).processID;
    await until(() => waitingOnAdvisory(writerPid));
    await scorer.query('COMMIT');
    expect((await read).get(1)).toMatchObject({ days_since_last_purchase: 20 });
    await writer.query('COMMIT');
  });
});
