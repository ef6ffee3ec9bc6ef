// EXPLAIN (ANALYZE, BUFFERS) of a step's statement, in a transaction rolled back.
// node bench/ab/explain.js <db> <old|new> <dates|fav> <asOf>
const pg = require('pg');
const { loadConfig } = require('@cdp360/config');
const { DEFAULT_TRIGGER_RULES } = require('@cdp360/domain');
const [db, which, step, asOf] = process.argv.slice(2);
const m = which === 'old' ? require('./baseline/dist/scoring') : require('../../packages/postgres/dist/scoring');
(async () => {
  const base = loadConfig(process.env);
  const url = new URL(base.databaseUrl);
  url.pathname = `/${db}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('VACUUM customer_360_rows');
  await client.query('BEGIN');
  await client.query("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off");
  const proxy = {
    query: async (text, params) => {
      if (/^\s*WITH/.test(text)) {
        const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
        console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
        return { rows: [{}] };
      }
      return client.query(text, params);
    },
  };
  const triggers = { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'score-ab' };
  if (step === 'dates') await m.refreshDateColumns(proxy, asOf, triggers);
  else await m.sweepFavorites(proxy, null, triggers);
  await client.query('ROLLBACK');
  await client.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
