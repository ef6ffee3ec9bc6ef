import { DEFAULT_TRIGGER_RULES } from '@cdp360/domain';
import { type ClvStepOptions, scoreClvQuintiles } from '@cdp360/postgres';
import { withDatabase } from '../helpers/database';
import { clearFacts } from '../helpers/facts';
import { tracedClient } from '../helpers/scoring';

// The CLV step finds where each quintile starts without NTILE: from the row count after one sort
// (`sort`), or by selecting the cut rows through bucket counts without sorting the table (`select`,
// a large table's path). Both are checked here against NTILE(5) itself, for counts around and below
// five where buckets are uneven or empty, for ties, and for each of the selection's two ways to write.

const db = withDatabase();

async function score(
  options: ClvStepOptions,
): Promise<{ cuts: unknown[]; result: Awaited<ReturnType<typeof scoreClvQuintiles>>; statements: string[] }> {
  const client = await db.pool.connect();
  // The statements the step sends, to tell which way it found the rows to write.
  const { traced, statements } = tracedClient(client);
  try {
    await client.query('BEGIN');
    const run = await client.query<{ id: number }>(
      "INSERT INTO scoring_runs (as_of, holder) VALUES ('2026-07-01', 'test') RETURNING run_id::int AS id",
    );
    const result = await scoreClvQuintiles(traced, run.rows[0]!.id, undefined, options);
    // As the run's record does: the cut points of the latest run with clv_rows are the estimate's.
    await client.query('UPDATE scoring_runs SET clv_rows = $2 WHERE run_id = $1', [run.rows[0]!.id, result.rows]);
    const cuts = (
      await client.query(
        'SELECT bucket, ltv::text, customer_id FROM scoring_clv_cut_points WHERE run_id = $1 ORDER BY bucket',
        [run.rows[0]!.id],
      )
    ).rows;
    await client.query('COMMIT');
    return { cuts, result, statements };
  } finally {
    client.release();
  }
}

/** The scores and cut points NTILE(5) gives over customer_360 as it stands. */
async function expected() {
  const r = await db.pool.query(
    `SELECT customer_id, ltv::numeric(14, 2)::text AS ltv, score, score IS DISTINCT FROM lag(score) OVER w AS first
     FROM (SELECT customer_id, COALESCE(total_lifetime_value, 0) AS ltv,
                  ntile(5) OVER (ORDER BY COALESCE(total_lifetime_value, 0), customer_id) AS score
           FROM customer_360) s
     WINDOW w AS (ORDER BY ltv, customer_id)`,
  );
  return {
    scores: new Map(r.rows.map((x) => [x.customer_id, x.score])),
    cuts: r.rows
      .filter((x) => x.first && x.score > 1)
      .map((x) => ({ bucket: x.score, ltv: x.ltv, customer_id: x.customer_id })),
  };
}

/** The quintiles the updater estimates for the rows matching `where`: those the latest cut points give. */
async function estimate(where: string) {
  await db.pool.query(
    `UPDATE customer_360_rows c SET customer_lifetime_value_score = 1 + (
       SELECT count(*) FROM scoring_clv_cut_points p
       WHERE p.run_id = (SELECT max(run_id) FROM scoring_runs WHERE clv_rows IS NOT NULL)
         AND (COALESCE(c.total_lifetime_value, 0), c.customer_id) >= (p.ltv, p.customer_id))
     WHERE ${where}`,
  );
}

async function stored() {
  const r = await db.pool.query('SELECT customer_id, customer_lifetime_value_score AS score FROM customer_360');
  return new Map(r.rows.map((x) => [x.customer_id, x.score]));
}

/** Scores, checks the table and the cut points against NTILE(5), and counts the rows whose quintile moved. */
async function scoreExactly(options: ClvStepOptions) {
  const before = await stored();
  const run = await score(options);
  const want = await expected();
  const after = await stored();
  expect(after).toEqual(want.scores);
  expect(run.cuts).toEqual(want.cuts);
  return { ...run, moved: [...after].filter(([id, s]) => before.get(id) !== s).length };
}

const methods: [string, ClvStepOptions][] = [
  ['sort', { method: 'sort' }],
  ['select', { method: 'select' }],
  ['select, written by one scan', { method: 'select', fewChanges: 0 }],
];

describe.each(methods)('%s', (_name, options) => {
  test.each([0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 23])('%i rows: scores and cut points as NTILE(5) gives them', async (n) => {
    await clearFacts(db.pool);
    // Ties on the lifetime value (and NULLs, counted as 0) so that customer_id decides the order.
    for (let i = 1; i <= n; i++) {
      await db.pool.query('INSERT INTO customer_360 (customer_id, total_lifetime_value) VALUES ($1, $2)', [
        (i * 7) % 31,
        i % 3 === 0 ? null : ((i * 13) % 4) * 10,
      ]);
    }
    const { cuts, result } = await score(options);
    const want = await expected();
    expect(await stored()).toEqual(want.scores);
    expect(cuts).toEqual(want.cuts);
    expect(result).toMatchObject({ rows: n, changed: n, cutPoints: Math.max(0, Math.min(n, 5) - 1) });
  });

  test('5,000 rows with heavy ties, then a day of changes: only the moved rows are written', async () => {
    await clearFacts(db.pool);
    // A third without purchases (NULL), many equal values, a few large ones; ids out of value order.
    await db.pool.query(
      `INSERT INTO customer_360 (customer_id, total_lifetime_value)
       SELECT (i * 7919) % 100003, CASE WHEN i % 3 = 0 THEN NULL WHEN i % 11 = 0 THEN 1000000 + i
                                        ELSE ((i * 31) % 40) * 12.5 END
       FROM generate_series(1, 5000) AS i`,
    );
    await db.pool.query('ANALYZE customer_360_rows');
    const first = await score(options);
    let want = await expected();
    expect(await stored()).toEqual(want.scores);
    expect(first.cuts).toEqual(want.cuts);
    expect(first.result).toMatchObject({ rows: 5000, changed: 5000, cutPoints: 4 });

    // New customers at the bottom shift every cut; some values rise past the top.
    await db.pool.query(
      `INSERT INTO customer_360 (customer_id, total_lifetime_value)
       SELECT 200000 + i, NULL FROM generate_series(1, 300) AS i`,
    );
    await db.pool.query(
      'UPDATE customer_360_rows SET total_lifetime_value = 2000000 WHERE customer_id % 97 = 0 AND total_lifetime_value IS NOT NULL',
    );
    const second = await scoreExactly(options);
    want = await expected();
    expect(second.moved).toBeGreaterThan(0);
    expect(second.result).toMatchObject({ rows: 5300, changed: second.moved, cutPoints: 4 });

    // Nothing moved since: nothing is written.
    const third = await score(options);
    expect(third.result).toMatchObject({ rows: 5300, changed: 0, cutPoints: 4 });
    expect(third.cuts).toEqual(want.cuts);

    // The updater's way between runs: changed values and new customers get the quintile the latest
    // cut points give them. Few enough that the starts stay in their regions: the selection then tells
    // the rows to write from the regions alone.
    await db.pool.query(
      `UPDATE customer_360_rows SET total_lifetime_value = COALESCE(total_lifetime_value, 0) + 40 WHERE customer_id % 197 = 0`,
    );
    await db.pool.query(
      `INSERT INTO customer_360 (customer_id, total_lifetime_value)
       SELECT 300000 + i, i * 1.5 FROM generate_series(1, 20) AS i`,
    );
    await estimate('customer_id % 197 = 0 OR customer_id > 300000');
    const fourth = await scoreExactly(options);
    want = await expected();
    expect(fourth.moved).toBeGreaterThan(0);
    expect(fourth.result).toMatchObject({ rows: 5320, changed: fourth.moved, cutPoints: 4 });
    if (options.method === 'select')
      expect(fourth.statements.some((q) => q.startsWith('SELECT customer_id, stored FROM ('))).toBe(false);

    // Quintiles set wrong by hand far from every cut (the top customers as quintile 1): the cut
    // points stay, but the rows outside the regions are no longer as the last run left them, so they
    // are looked for and corrected.
    await db.pool.query(
      'UPDATE customer_360_rows SET customer_lifetime_value_score = 1 WHERE total_lifetime_value > 1000000',
    );
    const fifth = await score(options);
    expect(await stored()).toEqual(want.scores);
    expect(fifth.result.changed).toBeGreaterThan(100);

    // Many new customers at the bottom, estimated as the updater would: every cut moves further than
    // its region reaches, so the rows between a cut's old and new place, outside the regions, are
    // looked for too.
    await db.pool.query(
      `INSERT INTO customer_360 (customer_id, total_lifetime_value) SELECT 400000 + i, 0.5 FROM generate_series(1, 600) AS i`,
    );
    await estimate('customer_id > 400000');
    const sixth = await scoreExactly(options);
    expect(sixth.result.changed).toBeGreaterThan(100);
  });
});

test('the quintile-changed triggers are the same whichever way the step finds and writes the quintiles', async () => {
  await clearFacts(db.pool);
  await db.pool.query(
    `INSERT INTO customer_360 (customer_id, total_lifetime_value)
     SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE ((i * 37) % 500) * 3.5 END FROM generate_series(1, 3000) AS i`,
  );
  await db.pool.query('ANALYZE customer_360_rows');
  await score({ method: 'sort' });
  await db.pool.query(
    `INSERT INTO customer_360 (customer_id, total_lifetime_value) SELECT 5000 + i, 2000 FROM generate_series(1, 200) AS i`,
  );
  const before = await stored();

  const triggersOf = async (options: ClvStepOptions) => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const run = await client.query<{ id: number }>(
        "INSERT INTO scoring_runs (as_of, holder) VALUES ('2026-07-02', 'test') RETURNING run_id::int AS id",
      );
      const result = await scoreClvQuintiles(
        client,
        run.rows[0]!.id,
        { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'score-test' },
        options,
      );
      const queued = await client.query(
        `SELECT customer_id, rule, old_value, new_value FROM profile_trigger_outbox ORDER BY customer_id, rule`,
      );
      await client.query('ROLLBACK');
      return { result, queued: queued.rows };
    } finally {
      client.release();
    }
  };
  const bySort = await triggersOf({ method: 'sort' });
  // A trigger for each customer whose quintile was set and moves (a first quintile raises none).
  const want = (await expected()).scores;
  const moved = [...want].filter(([id, s]) => before.get(id) != null && before.get(id) !== s);
  expect(moved.length).toBeGreaterThan(100);
  expect(bySort.queued).toHaveLength(moved.length);
  expect(bySort.result.triggersQueued).toBe(moved.length);
  for (const options of [{ method: 'select' }, { method: 'select', fewChanges: 0 }] as ClvStepOptions[]) {
    const other = await triggersOf(options);
    expect(other.queued).toEqual(bySort.queued);
    expect(other.result).toEqual(bySort.result);
  }
});
