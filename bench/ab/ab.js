// Step A/B on a persistent database (bench/ab/prep.js makes one): the baseline statements (a copy of
// packages/postgres/dist built from the commit to compare against, in bench/ab/baseline/dist, not
// committed) and the current build alternating, each trial in a transaction rolled back, VACUUM
// customer_360 before each; wall time and the Postgres backend's CPU (/proc/<pid>/stat).
// node bench/ab/ab.js <db> <dates|fav|clv> <asOf|-> <pairs> [--check [--light]] [--only a|b] [--no-triggers] [--null-scores] [--readers <n>]
// (--readers: fav only, both arms from the current build: a the one statement, b the reads split over n connections)
// (--light: the digests of the cut points and the outbox only, for tables too large to digest row by row)
const fs = require('node:fs');
const os = require('node:os');
const pg = require('pg');
const { loadConfig } = require('@cdp360/config');
const { DEFAULT_TRIGGER_RULES } = require('@cdp360/domain');
const [db, step, asOf, pairsArg, ...flags] = process.argv.slice(2);
const check = flags.includes('--check');
const light = flags.includes('--light');
const only = flags.includes('--only') ? flags[flags.indexOf('--only') + 1] : null;
const noTriggers = flags.includes('--no-triggers');
const nullScores = flags.includes('--null-scores');
const readers = flags.includes('--readers') ? Number(flags[flags.indexOf('--readers') + 1]) : 0;
const arms = {
  a: require(readers ? '../../packages/postgres/dist/scoring' : './baseline/dist/scoring'),
  b: require('../../packages/postgres/dist/scoring'),
};
const ticks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms at 100 Hz
};
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};
(async () => {
  const base = loadConfig(process.env);
  const url = new URL(base.databaseUrl);
  url.pathname = `/${db}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const pid = (await client.query('SELECT pg_backend_pid() AS p')).rows[0].p;
  const pool = readers ? new pg.Pool({ connectionString: url.toString(), max: readers }) : null;
  const triggers = noTriggers ? undefined : { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'score-ab' };
  const out = { a: [], b: [] };
  const pairs = Number(pairsArg);
  const order = [];
  for (let i = 0; i < pairs; i++) order.push(...(i % 2 === 0 ? ['a', 'b'] : ['b', 'a']));
  process.stderr.write(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  for (const arm of order) {
    if (only && arm !== only) continue;
    await client.query('VACUUM customer_360_rows');
    await client.query('BEGIN');
    await client.query("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off");
    let runId = null;
    if (step === 'clv') {
      // The run the cut points belong to; with --null-scores every quintile starts NULL (a first run).
      runId = (
        await client.query(
          "INSERT INTO scoring_runs (as_of, holder) VALUES ('2026-07-01', 'ab') RETURNING run_id::int AS id",
        )
      ).rows[0].id;
      if (nullScores) await client.query('UPDATE customer_360_rows SET customer_lifetime_value_score = NULL');
    }
    const c0 = ticks(pid);
    const t0 = performance.now();
    const m = arms[arm];
    let r;
    if (step === 'dates') r = await m.refreshDateColumns(client, asOf, triggers);
    else if (step === 'fav')
      r = await m.sweepFavorites(client, null, triggers, arm === 'b' && pool ? { readers: pool, parts: readers } : {});
    else r = await m.scoreClvQuintiles(client, runId, triggers);
    const ms = performance.now() - t0;
    const cpu = ticks(pid) - c0;
    let digest = null;
    if (check) {
      digest = (
        await client.query(`SELECT
        ${
          light
            ? "'-'"
            : `(SELECT md5(string_agg(concat_ws(',', customer_id, age, customer_tenure_days, days_since_last_purchase,
           churn_risk_score, favorite_category, favorite_brand, total_orders, customer_lifetime_value_score), ';'
           ORDER BY customer_id)) FROM customer_360)`
        } AS t,
        (SELECT md5(COALESCE(string_agg(concat_ws(',', bucket, ltv, customer_id), ';' ORDER BY bucket), ''))
           FROM scoring_clv_cut_points WHERE run_id = (SELECT max(run_id) FROM scoring_runs)) AS k,
        (SELECT md5(COALESCE(string_agg(concat_ws(',', idempotency_key, customer_id, rule, profile_version, column_name,
           old_value, new_value), ';' ORDER BY idempotency_key), '')) FROM profile_trigger_outbox) AS o`)
      ).rows[0];
    }
    await client.query('ROLLBACK');
    if (typeof r.revision === 'bigint') r.revision = r.revision.toString();
    out[arm].push({ ms, cpu });
    process.stderr.write(
      `${arm} ${ms.toFixed(0)} ms cpu ${cpu} ms ${JSON.stringify(r)}${digest ? ` ${digest.t} ${digest.k} ${digest.o}` : ''}\n`,
    );
  }
  for (const arm of ['a', 'b']) {
    if (out[arm].length === 0) continue;
    process.stderr.write(
      `${arm}: median ${median(out[arm].map((x) => x.ms)).toFixed(0)} ms, cpu ${median(out[arm].map((x) => x.cpu))} ms (n=${out[arm].length})\n`,
    );
  }
  if (out.a.length && out.b.length)
    process.stderr.write(
      `ratio a/b wall ${(median(out.a.map((x) => x.ms)) / median(out.b.map((x) => x.ms))).toFixed(2)}\n`,
    );
  process.stderr.write(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  await client.end();
  await pool?.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
