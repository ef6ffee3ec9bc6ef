// Prepares a persistent 1M-customer database for step A/B (as bench score prepares its own).
const { loadConfig } = require('@cdp360/config');
const { createPool, migrate, batchIntoTable } = require('@cdp360/postgres');
const { loadFacts } = require('../dist/sql-facts');
const pg = require('pg');
const DB = process.argv[2] || 'cdp_score2_ab';
const N = Number(process.argv[3] || 1000000);
(async () => {
  const base = loadConfig(process.env);
  const admin = new pg.Client({ connectionString: base.databaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const url = new URL(base.databaseUrl);
  url.pathname = `/${DB}`;
  const pool = createPool(url.toString(), { applicationName: 'score2-prep', max: 4 });
  await migrate(pool);
  const t0 = Date.now();
  const loaded = await loadFacts(pool, { facts: N * 5, customers: N });
  const batch = await batchIntoTable(pool, { asOf: '2026-07-01', table: 'customer_360' });
  await pool.query('VACUUM ANALYZE customer_360_rows');
  console.log(JSON.stringify({ loaded, rows: batch.rows, ms: Date.now() - t0 }));
  await pool.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
