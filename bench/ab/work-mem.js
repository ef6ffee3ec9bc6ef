// The full favourites sweep at each given work_mem, each on a fresh connection in a rolled-back
// transaction: wall time, temp bytes spilled, the backend's peak resident set (VmHWM).
// node bench/ab/work-mem.js <db> <work_mem> [<work_mem> ...]   (after npm run build; db from prep.js)
const fs = require('node:fs');
const pg = require('pg');
const { loadConfig } = require('@cdp360/config');
const m = require('../../packages/postgres/dist/scoring');
const { DEFAULT_TRIGGER_RULES } = require('@cdp360/domain');
(async () => {
  const [db, ...mems] = process.argv.slice(2);
  for (const mem of mems) {
    const url = new URL(loadConfig(process.env).databaseUrl);
    url.pathname = `/${db}`;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
    const temp = async () =>
      Number(
        (await c.query('SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()')).rows[0]
          .temp_bytes,
      );
    await c.query('VACUUM customer_360_rows');
    await c.query(`BEGIN; SET LOCAL work_mem = '${mem}'; SET LOCAL jit = off`);
    const t0 = performance.now();
    const b0 = await temp();
    const r = await m.sweepFavorites(c, null, { rules: DEFAULT_TRIGGER_RULES, profileVersion: 'x' });
    const ms = performance.now() - t0;
    const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
    await c.query('ROLLBACK');
    await new Promise((res) => setTimeout(res, 1000));
    console.log(
      mem,
      Math.round(ms),
      'ms',
      'temp',
      (((await temp()) - b0) / 1e9).toFixed(2),
      'GB',
      'peak',
      Math.round(hwm / 1024),
      'MiB',
      'written',
      r.rowsWritten,
    );
    await c.end();
  }
})();
