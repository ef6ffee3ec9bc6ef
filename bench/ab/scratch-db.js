// A fresh database for one bench/ab harness run, migrated by the checkout under test and dropped
// afterwards: runs `fn(pool)` and returns what it returns.
const path = require('node:path');

async function withScratchDatabase(root, label, poolSize, fn) {
  const { migrate } = require(path.join(root, 'packages/postgres/dist/index.js'));
  const pg = require(path.join(root, 'node_modules/pg'));
  const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const name = `cdp_ab_${label}_${process.pid}`;
  const admin = new pg.Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new pg.Pool({ connectionString: url.toString(), max: poolSize });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}

module.exports = { withScratchDatabase };
