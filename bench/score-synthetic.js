#!/usr/bin/env node
// Scoring benchmark over synthetic customer_360 rows: `npm run build && node bench/score-synthetic.js
// [customers=1000000]`. Makes a throwaway database on DATABASE_URL's server, fills customer_360 with
// generate_series (no facts: the favourites sweep scans every customer and finds nothing to change),
// then times three runs of the scorer (what `cdp score --once` runs): the first (every quintile and
// date column written), the same day again (steady state, nothing written) and the next day (every
// tenure changes). Writes bench/results/<date>-score-synthetic.json.
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const pg = require('pg');
const { createLogger, loadConfig } = require('@cdp360/config');
const { createPool, migrate } = require('@cdp360/postgres');
const { scoreOnce } = require('@cdp360/scorer');

const customers = Number(process.argv[2] ?? 1_000_000);
const AS_OF = '2026-07-01';
const NEXT_DAY = '2026-07-02';

// Deterministic pseudo-random columns from the id; LTV in whole tens so that many customers tie, one
// in five never bought (NULL LTV, no purchase date).
const FILL_SQL = `INSERT INTO customer_360 (customer_id, first_name, last_name, email, date_of_birth, registration_date,
  total_orders, total_lifetime_value, average_order_value, last_purchase_date, total_sessions,
  customer_segment, engagement_score)
SELECT i, 'First', 'Last', 'c' || i || '@example.com',
  DATE '1950-01-01' + (hashint4(i) & 16383),
  DATE '2020-01-01' + (hashint4(i + 7) & 2047),
  CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + (hashint4(i + 1) & 7) END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ((hashint4(i + 2) & 1023) * 10)::numeric(14, 2) END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ((hashint4(i + 2) & 1023) * 10 / (1 + (hashint4(i + 1) & 7)))::numeric(14, 2) END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE DATE '2025-01-01' + (hashint4(i + 3) & 511) END,
  1 + (hashint4(i + 4) & 15),
  'Low Value',
  0
FROM generate_series(1, $1::int) AS i`;

async function main() {
  const config = loadConfig();
  const name = `cdp_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: config.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(config.databaseUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 2 });
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench-score' });
  try {
    await migrate(pool);
    const t0 = performance.now();
    await pool.query(FILL_SQL, [customers]);
    await pool.query('VACUUM ANALYZE customer_360');
    const fillMs = Math.round(performance.now() - t0);
    process.stderr.write(`${customers} synthetic customer_360 rows in ${(fillMs / 1000).toFixed(1)} s\n`);
    const cfg = { ...config, databaseUrl: url.toString() };
    const runs = [];
    for (const [label, asOf] of [
      ['first run', AS_OF],
      ['same day again', AS_OF],
      ['next day', NEXT_DAY],
    ]) {
      const r = await scoreOnce({ config: cfg, logger, asOf, holder: 'bench-score-synthetic' });
      if (!r.ran) throw new Error('lease held in a fresh database');
      const { report } = r;
      process.stderr.write(
        `${label}: ${(report.durationMs / 1000).toFixed(2)} s (clv ${report.clv.ms} ms, favourites ${report.favorites.ms} ms, dates ${report.dates.ms} ms; ${report.rowsWritten} row writes)\n`,
      );
      runs.push({ label, asOf, ...report });
    }
    const result = {
      scenario: 'score-synthetic',
      command: `node bench/score-synthetic.js ${customers}`,
      startedAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        load1: os.loadavg()[0],
      },
      postgres: (await pool.query('SELECT version()')).rows[0].version,
      customers,
      fillMs,
      runs,
    };
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${new Date().toISOString().slice(0, 10)}-score-synthetic.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${JSON.stringify({ customers, runs: runs.map((r) => ({ label: r.label, ms: r.durationMs, rowsWritten: r.rowsWritten })) })}\nwritten ${file}\n`,
    );
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
