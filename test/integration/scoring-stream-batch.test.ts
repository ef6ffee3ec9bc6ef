import type { WireMessage } from '@cdp360/generator';
import { customerEvent, wireEvent } from '../helpers/events';
import { rowsOffTheirCutPoints, scoreOnceCli } from '../helpers/scoring';
import {
  createScenario,
  produceGenerated,
  produceWire,
  type Scenario,
  streamVersusBatch,
  updaterInProcess,
} from '../helpers/updater';

const AS_OF = '2026-07-01';

const customer = (id: number) => customerEvent(id, { date_of_birth: '1990-02-28', registration_date: '2025-03-01' });

let tx = 0;
const purchase = (id: number, amount: string, date = '2026-05-01') =>
  wireEvent('purchase', {
    transaction_id: `T-${id}-${++tx}`,
    customer_id: id,
    purchase_date: date,
    total_amount: amount,
    items: [{ product_id: 1, quantity: 1 }],
  });

const session = (id: number) =>
  wireEvent('web_session', {
    session_id: `S-${id}-${++tx}`,
    customer_id: id,
    visit_date: '2026-06-01',
    pages_viewed: 3,
    time_spent: 30,
  });

/**
 * Customers added one per round so that the table holds 5, 6, 7, 8, 9 rows (≡ 0..4 mod 5), with LTV
 * ties inside and across quintile boundaries: non-buyers (NULL, counted as 0) next to a real 0.00,
 * several customers at 100.00, and a customer whose LTV grows between runs.
 */
const ROUNDS: { rows: number; events: WireMessage[] }[] = [
  {
    rows: 5,
    events: [
      wireEvent('product', { product_id: 1, category: 'Books', brand: 'Acme', name: 'A book' }),
      session(1), // never buys: LTV NULL
      customer(2),
      purchase(2, '100.00'),
      customer(3),
      purchase(3, '60.00'),
      purchase(3, '40.00'), // 100.00 in two orders: a tie with 2
      customer(4), // record only
      customer(5),
      purchase(5, '50.00'),
    ],
  },
  { rows: 6, events: [customer(6), purchase(6, '100.00')] },
  { rows: 7, events: [customer(7), purchase(7, '0.00')] }, // a real 0.00 ties with the non-buyers
  { rows: 8, events: [customer(8), purchase(8, '300.00'), purchase(5, '250.00')] }, // 5 rises to 300.00
  { rows: 9, events: [customer(9), purchase(9, '100.00'), session(4)] },
];

describe('scoring: stream + one run = batch', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: AS_OF });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('gives the batch table in every column, quintile included, for 5..9 rows with LTV ties', async () => {
    let previousCuts = null as Awaited<ReturnType<typeof rowsOffTheirCutPoints>>['cuts'];
    for (const round of ROUNDS) {
      await produceWire(s, round.events);
      await updaterInProcess(s);
      const count = await s.db.pool.query<{ n: number; unscored: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE customer_lifetime_value_score IS NULL)::int AS unscored
           FROM customer_360`,
      );
      expect(count.rows[0]!.n).toBe(round.rows);
      // Before the first run nothing is scored; after it, the updater estimates new buyers' scores.
      if (previousCuts === null) expect(count.rows[0]!.unscored).toBe(round.rows);

      const output = await scoreOnceCli(s, AS_OF);
      expect(output).toMatch(/scoring run \d+ as of 2026-07-01: \d+ rows/);
      expect(output).toContain('customer_lifetime_value_score');

      const diff = await streamVersusBatch(s.db.pool, AS_OF, []);
      expect({ rows: round.rows, ...diff }).toMatchObject({
        rows: round.rows,
        missingInActual: 0,
        missingInExpected: 0,
        columns: [],
        equal: true,
      });
      expect(diff.rowsCompared).toBe(round.rows);

      // The run's cut points place every row in the bucket it got.
      const { cuts, off } = await rowsOffTheirCutPoints(s.db.pool);
      expect(cuts?.rows).toBe(round.rows);
      expect(cuts?.points.map((p) => p.bucket)).toEqual([2, 3, 4, 5]);
      expect(off).toEqual([]);
      previousCuts = cuts;
    }

    // A second run with nothing new writes nothing.
    const again = await scoreOnceCli(s, AS_OF);
    expect(again).toMatch(/: 9 rows, 0 row writes/);
  }, 180_000);

  it('estimates the quintile of a customer whose LTV changes between runs, and the next run makes it exact', async () => {
    const before = await s.db.pool.query(
      'SELECT customer_lifetime_value_score AS score FROM customer_360 WHERE customer_id = 7',
    );
    // 9 rows by (ltv, id): {1, 4} {7, 2} {3, 6} {9, 8} {5}.
    expect(before.rows[0].score).toBe(2);
    // Customer 7 (0.00) jumps above everyone; customer 1 (never bought) only browses: no LTV change.
    await produceWire(s, [purchase(7, '5000.00'), session(1)]);
    await updaterInProcess(s);
    const est = await s.db.pool.query<{ customer_id: number; score: number }>(
      'SELECT customer_id, customer_lifetime_value_score AS score FROM customer_360 WHERE customer_id IN (1, 7) ORDER BY 1',
    );
    expect(est.rows).toEqual([
      { customer_id: 1, score: 1 }, // the run's exact score stays
      { customer_id: 7, score: 5 }, // estimated from the cut points, before any run
    ]);
    await scoreOnceCli(s, AS_OF);
    const diff = await streamVersusBatch(s.db.pool, AS_OF, []);
    expect(diff.columns).toEqual([]);
    expect(diff.equal).toBe(true);
  }, 120_000);
});

describe('scoring: generated data set', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, asOf: AS_OF });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('after the stream is drained and one run, customer_360 equals the batch with nothing ignored', async () => {
    await produceGenerated(s, {
      customers: 2000,
      eventsPerCustomer: 6,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 23,
    });
    await updaterInProcess(s, { maxBytesPerPartition: 64 * 1024 });
    const before = await streamVersusBatch(s.db.pool, AS_OF, []);
    expect(before.columns.map((c) => c.column)).toEqual(['customer_lifetime_value_score']);

    await scoreOnceCli(s, AS_OF);
    const diff = await streamVersusBatch(s.db.pool, AS_OF, []);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [], equal: true });
    expect(diff.rowsCompared).toBeGreaterThan(1900);
    const runs = await s.db.pool.query('SELECT clv_rows, clv_changed, finished_at FROM scoring_runs');
    expect(runs.rows).toHaveLength(1);
    expect(Number(runs.rows[0].clv_changed)).toBe(diff.rowsCompared);
    expect(runs.rows[0].finished_at).not.toBeNull();
  }, 300_000);
});
