// The updater's cost per customer_360 row, as a unit's second stage pays it: ProfilePipeline's
// writeRows (derive the rows, lock and read the old ones, upsert, evaluate the default trigger rules
// and queue what they raise, in one transaction) over synthetic states of customers with 5 to 44
// product lines on a 5,000-product catalog, in a fresh database migrated by the checkout under test.
// Each round writes every customer once more with one more order (so every row changes), in calls of
// ROWS rows. Prints the medians over rounds 2..7 of this process's CPU and the wall time, per row:
//   ROWS=400 node bench/ab/rows.js [root of a built checkout]
const path = require('node:path');
const root = path.resolve(process.argv[2] ?? path.join(__dirname, '../..'));
const { DEFAULT_TRIGGER_RULES, emptyProfileState } = require(path.join(root, 'packages/domain/dist/index.js'));
const { ProfilePipeline } = require(path.join(root, 'services/updater/dist/pipeline.js'));
const { createLogger } = require(path.join(root, 'packages/config/dist/index.js'));
const { withScratchDatabase } = require('./scratch-db');

const ROWS = Number(process.env.ROWS || 400);
const CUSTOMERS = Number(process.env.CUSTOMERS || 20_000);
const ROUNDS = 7;
const cats = ['Electronics', 'Books', 'Home', 'Garden', 'Toys', 'Sports', 'Beauty', 'Food'];
const brands = ['Acme', 'Zed', 'Orion', 'Nova', 'Peak', 'Blue', 'Red', 'Gold', 'Iron', 'Leaf'];

function state(id, round) {
  const s = emptyProfileState(id);
  s.version = BigInt(1000 * round + 1);
  s.orders = 1 + round;
  s.lifetimeValueCents = BigInt(1999 * (1 + round) + (id % 997) * 100);
  s.lastPurchaseDate = '2026-11-01';
  const lines = 5 + (id % 40);
  for (let k = 0; k < lines; k++) s.productLines.set(1 + ((id * 31 + k * 7) % 5000), 1 + (k % 3));
  s.interactions = 2;
  s.satisfactionSum = 7;
  s.satisfactionCount = 2;
  s.resolvedInteractions = 1;
  s.responses = 4;
  s.conversions = 1;
  s.campaignsEngaged = 3;
  s.sessions = 9 + round;
  s.pagesViewedSum = 40 + round;
  s.timeSpentSum = 12.5;
  s.lastVisitDate = '2026-11-30';
  s.record = {
    kind: 'customer',
    customerId: id,
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `ada.${id}@example.com`,
    phoneNumber: '+44 20 7946 0000',
    dateOfBirth: '1990-06-15',
    registrationDate: '2020-01-02',
  };
  return s;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

withScratchDatabase(root, 'rows', 4, async (db) => {
  await db.query(
    `INSERT INTO product_catalog (product_id, category, brand, name, event_time, src, src_seq)
     SELECT p, ($1::text[])[1 + p % 8], ($2::text[])[1 + (p * 7) % 10], 'P' || p, '2026-01-01T00:00:00Z', 'ab', p
       FROM generate_series(1, 5000) p`,
    [cats, brands],
  );
  const pipeline = new ProfilePipeline({
    db,
    store: null,
    deadLetters: { send: async () => {} },
    logger: createLogger({ level: 'silent', name: 'ab' }),
    asOf: '2026-12-01',
    triggers: { rules: DEFAULT_TRIGGER_RULES },
  });
  await pipeline.catalog.refresh();
  const cpu = [];
  const wall = [];
  let triggers = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const states = Array.from({ length: CUSTOMERS }, (_, i) => state(i + 1, round));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < states.length; i += ROWS) {
      const r = await pipeline.writeRows(states.slice(i, i + ROWS));
      if (r.rows !== Math.min(ROWS, states.length - i)) throw new Error(`round ${round}: ${r.rows} rows written`);
      triggers += r.triggers;
    }
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (round > 0) {
      cpu.push((c.user + c.system) / CUSTOMERS);
      wall.push((t * 1000) / CUSTOMERS);
    }
  }
  console.log(
    `${root} (${ROWS} rows a call): ${median(cpu).toFixed(1)} µs CPU and ${median(wall).toFixed(1)} µs wall per row (${triggers} triggers)`,
  );
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
