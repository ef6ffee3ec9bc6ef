// A/B of the batchGet read (bench/scripts/batch-body-ab.js, run after `npm run build`): A is the
// route's path (ProfileJsonReader.byIds, one row per profile, joined here with the missing ids), B the
// whole answer built by Postgres as one text (tried on 2026-12-02 and not kept: Postgres spends
// more; see docs/benchmarks.md). One connection, batches of 100 random
// ids of a 1,000,000-row customer_360 (as the serve bench loads it), run back to back; CPU per batch of
// this process (process.cpuUsage) and of its Postgres backend (/proc), alternating A and B.
// Usage: node bench/scripts/batch-body-ab.js [customers=1000000] [batches=400] [pairs=5]
const { batchIntoTable, createPool, ProfileJsonReader } = require('@cdp360/postgres');
const { profileColumns } = require('@cdp360/serve/dist/profile-view');
const { createWorld } = require('../dist/world');
const { loadFacts } = require('../dist/sql-facts');
const { treeCpuMs } = require('../dist/server-cpu');
const os = require('node:os');

const [customers = 1_000_000, batches = 400, pairs = 5] = process.argv.slice(2).map(Number);
const idOf = (k) => ((k * 997) % 1_000_000) + 1;
const randomIds = () => [
  ...new Set(Array.from({ length: 100 }, () => (Math.random() < 0.02 ? 2_000_000 + k() : idOf(k())))),
];
const k = () => Math.floor(Math.random() * customers);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const world = await createWorld({ partitions: 1, asOf: '2026-07-01' });
  const pool = createPool(world.databaseUrl, { applicationName: 'cdp-bench-ab', max: 1 });
  let db;
  try {
    await loadFacts(world.pool, { facts: customers * 2, customers });
    await batchIntoTable(world.pool, { asOf: '2026-07-01', table: 'customer_360' });
    await world.pool.query('VACUUM ANALYZE customer_360_rows');
    await world.pool.query('SELECT count(*) FROM customer_360');
    if (process.env.AB_HOLD) {
      // Keeps the database for manual queries until the file named by AB_HOLD is removed.
      console.log(`holding ${world.database} while ${process.env.AB_HOLD} exists`);
      require('node:fs').writeFileSync(process.env.AB_HOLD, world.database);
      while (require('node:fs').existsSync(process.env.AB_HOLD)) await new Promise((r) => setTimeout(r, 500));
    }
    db = await pool.connect();
    const backend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const reader = new ProfileJsonReader(profileColumns(true), 'pii');
    const A = async (ids) => {
      const rows = await reader.byIds(db, ids);
      const found = new Set(rows.map((s) => s.customerId));
      const missing = ids.filter((id) => !found.has(id));
      return `{"profiles":[${rows.map((p) => p.json).join(',')}],"missing":${JSON.stringify(missing)}}`;
    };
    const object = `json_build_object(${profileColumns(true)
      .map((c) => `'${c}', c.${c}${['total_lifetime_value', 'average_order_value'].includes(c) ? '::text' : ''}`)
      .join(', ')})::text`;
    const bSql = `WITH found AS (
        SELECT c.customer_id, ${object} AS json FROM customer_360 c WHERE c.customer_id = ANY($1::int4[]))
      SELECT '{"profiles":[' || coalesce((SELECT string_agg(json, ',' ORDER BY customer_id) FROM found), '')
          || '],"missing":[' || coalesce((SELECT string_agg(a.id::text, ',' ORDER BY a.ord)
               FROM unnest($1::int4[]) WITH ORDINALITY AS a(id, ord)
              WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.customer_id = a.id)), '')
          || ']}' AS body`;
    const B = async (ids) => (await db.query({ name: 'ab-b', text: bSql, values: [ids] })).rows[0].body;
    // Variants of B (AB_VARIANTS=1): C aggregates the objects of a sorted subquery (no sort in the
    // aggregate, no CTE); D is A without the version join.
    const cSql = `SELECT '{"profiles":[' || coalesce(string_agg(s.json, ','), '') || '],"missing":[' ||
        coalesce((SELECT string_agg(a.id::text, ',' ORDER BY a.ord) FROM unnest($1::int4[]) WITH ORDINALITY AS a(id, ord)
          WHERE NOT EXISTS (SELECT 1 FROM customer_360 x WHERE x.customer_id = a.id)), '') || ']}' AS body
      FROM (SELECT ${object} AS json FROM customer_360 c WHERE c.customer_id = ANY($1::int4[]) ORDER BY c.customer_id) s`;
    const C = async (ids) => (await db.query({ name: 'ab-c', text: cSql, values: [ids] })).rows[0].body;
    const dSql = `SELECT c.customer_id, ${object} AS json FROM customer_360 c WHERE c.customer_id = ANY($1::int4[]) ORDER BY c.customer_id`;
    const D = async (ids) => {
      const rows = (await db.query({ name: 'ab-d', text: dSql, values: [ids] })).rows;
      const found = new Set(rows.map((s) => s.customer_id));
      const missing = ids.filter((id) => !found.has(id));
      return `{"profiles":[${rows.map((p) => p.json).join(',')}],"missing":${JSON.stringify(missing)}}`;
    };
    // E: the profiles joined by Postgres and the missing ids in a second column, the braces added here.
    const eSql = `WITH found AS (SELECT c.customer_id, ${object} AS json FROM customer_360 c WHERE c.customer_id = ANY($1::int4[]))
      SELECT (SELECT string_agg(json, ',' ORDER BY customer_id) FROM found) AS profiles,
             (SELECT string_agg(a.id::text, ',' ORDER BY a.ord) FROM unnest($1::int4[]) WITH ORDINALITY AS a(id, ord)
               WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.customer_id = a.id)) AS missing`;
    const E = async (ids) => {
      const r = (await db.query({ name: 'ab-e', text: eSql, values: [ids] })).rows[0];
      return `{"profiles":[${r.profiles ?? ''}],"missing":[${r.missing ?? ''}]}`;
    };
    // F: the profiles joined in groups of 10 (rows of ~10-15 kB, not one of ~150 kB), the missing ids
    // in a last row.
    const fSql = `WITH found AS (SELECT c.customer_id, ${object} AS json, (row_number() OVER (ORDER BY c.customer_id) - 1) / 10 AS g
        FROM customer_360 c WHERE c.customer_id = ANY($1::int4[]))
      SELECT g, string_agg(json, ',' ORDER BY customer_id) AS part FROM found GROUP BY g
      UNION ALL
      SELECT -1, string_agg(a.id::text, ',' ORDER BY a.ord) FROM unnest($1::int4[]) WITH ORDINALITY AS a(id, ord)
        WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.customer_id = a.id)
      ORDER BY g DESC`;
    const F = async (ids) => {
      const rows = (await db.query({ name: 'ab-f', text: fSql, values: [ids] })).rows;
      const missing = rows.pop().part ?? '';
      return `{"profiles":[${rows
        .reverse()
        .map((r) => r.part)
        .join(',')}],"missing":[${missing}]}`;
    };
    const variants =
      process.env.AB_VARIANTS === '3'
        ? { A, B, F }
        : process.env.AB_VARIANTS === '1'
          ? { A, B, C, D }
          : process.env.AB_VARIANTS
            ? { A, B, E }
            : { A, B };
    // Same bytes, over batches with missing ids and an empty one.
    for (let i = 0; i < 200; i++) {
      const ids = i === 0 ? [] : i === 1 ? [2_000_001, 2_000_002] : randomIds();
      const a = await A(ids);
      for (const [name, fn] of Object.entries(variants)) {
        if ((await fn(ids)) !== a) throw new Error(`${name}: body differs for ids ${JSON.stringify(ids)}`);
      }
    }
    const plan = await db.query(
      `EXPLAIN (ANALYZE, BUFFERS) ${bSql.replaceAll('$1::int4[]', `'{${randomIds().join(',')}}'::int4[]`)}`,
    );
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    const measure = async (name, fn) => {
      for (let i = 0; i < 50; i++) await fn(randomIds());
      const ids = Array.from({ length: batches }, randomIds);
      const pg0 = treeCpuMs(backend, false);
      const flt = () =>
        Number(require('node:fs').readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
      const f0 = flt();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const b of ids) await fn(b);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const pg = treeCpuMs(backend, false) - pg0;
      const faults = (flt() - f0) / batches;
      return {
        name,
        faults,
        nodeUs: (c.user + c.system) / batches,
        pgUs: (pg * 1000) / batches,
        wallUs: (wall * 1000) / batches,
      };
    };
    const runs = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    for (let p = 0; p < pairs; p++) {
      const order = Object.entries(variants);
      for (const [name, fn] of p % 2 === 0 ? order : order.reverse()) {
        const r = await measure(name, fn);
        runs[name].push(r);
        console.log(
          `${name}: node ${r.nodeUs.toFixed(0)} µs, postgres ${r.pgUs.toFixed(0)} µs, wall ${r.wallUs.toFixed(0)} µs, ${r.faults.toFixed(1)} Postgres minor faults per batch`,
        );
      }
    }
    for (const f of ['nodeUs', 'pgUs', 'wallUs']) {
      const a = median(runs.A.map((r) => r[f]));
      const line = Object.keys(variants).map((n) => {
        const m = median(runs[n].map((r) => r[f]));
        return `${n} ${m.toFixed(0)}${n === 'A' ? '' : ` (${(m / a).toFixed(2)})`}`;
      });
      console.log(`median ${f}: ${line.join(', ')}`);
    }
    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    db?.release();
    await pool.end();
    await world.close();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
