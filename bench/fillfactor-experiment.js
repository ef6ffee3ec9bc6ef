#!/usr/bin/env node
// ADR 0003's measurement: a synthetic customer_360 of <rows> rows (no facts) at a given fillfactor, then
// the scorer's CLV step with every quintile NULL and its date step for the next day and the day after,
// each in a transaction with work_mem 256MB as the scorer runs them; prints times, HOT updates and the
// table's size. `npm run build && node bench/fillfactor-experiment.js 1000000 50` (run it under the
// bench lock). Uses a throwaway database scoring_ff_<fillfactor> on DATABASE_URL's server, dropped at
// the end.
const pg = require('pg');
const { migrate, scoreClvQuintiles, refreshDateColumns, withTransaction } = require('@cdp360/postgres');
(async () => {
  const n = Number(process.argv[2] ?? 1_000_000);
  const ff = Number(process.argv[3] ?? 50);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(ff) || ff < 10 || ff > 100)
    throw new Error('usage: fillfactor-experiment.js <rows> <fillfactor 10-100>');
  const db = `scoring_ff_${ff}`;
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const at = (name) => {
    const u = new URL(server);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: at(db), max: 2 });
  await migrate(pool);
  await pool.query(`ALTER TABLE customer_360 SET (fillfactor = ${ff})`);
  await pool.query(`INSERT INTO customer_360
    SELECT k::int4, 'First'||k, 'Last'||k, 'c'||k||'@example.com', '+1555'||lpad(k::text,7,'0'),
      date '1950-01-01' + (k*37 % 18000)::int4, date '2022-01-01' + (k % 1200)::int4, 0, 0,
      1 + k % 5, (k*7919 % 5000000)/100.0, 10.00, date '2025-07-01' + (k % 365)::int4, 0,
      'Category '||(k%12), 'Brand '||(k%40), k%4, 3.5, k%3, k%5, k%2, k%20, 4.5, 100.5,
      date '2025-07-01' + (k % 365)::int4, 'Low Value', NULL, NULL, k % 7
    FROM generate_series(1::int8, ${n}) k`);
  const q = (c, sql) => c.query(sql);
  // Dates as of the first day (so the first run's date step changes nothing), as the batch leaves them.
  await withTransaction(pool, (c) => refreshDateColumns(c, '2026-07-01'));
  await pool.query('VACUUM ANALYZE customer_360');
  const size = async () => (await pool.query("SELECT pg_size_pretty(pg_table_size('customer_360')) s")).rows[0].s;
  console.log('size', await size());
  const hot = async () =>
    (await pool.query("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname='customer_360'")).rows[0];
  await pool.query("INSERT INTO scoring_runs (as_of, holder) VALUES ('2026-07-01', 'syn')");
  let t = performance.now();
  const clv = await withTransaction(pool, async (c) => {
    await q(c, "SET LOCAL work_mem='256MB'");
    return scoreClvQuintiles(c, 1);
  });
  console.log('clv', Math.round(performance.now() - t), clv);
  t = performance.now();
  const d = await withTransaction(pool, async (c) => {
    await q(c, "SET LOCAL work_mem='256MB'");
    return refreshDateColumns(c, '2026-07-02');
  });
  console.log('dates next day', Math.round(performance.now() - t), d.rowsWritten);
  t = performance.now();
  const d2 = await withTransaction(pool, async (c) => {
    await q(c, "SET LOCAL work_mem='256MB'");
    return refreshDateColumns(c, '2026-07-03');
  });
  console.log('dates day after', Math.round(performance.now() - t), d2.rowsWritten);
  await new Promise((r) => setTimeout(r, 700));
  console.log('hot', await hot(), 'size', await size());
  await pool.end();
  const drop = new pg.Client({ connectionString: server });
  await drop.connect();
  await drop.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await drop.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
