// A/B of recording facts: the updater's CPU (this process) and the wall time per fact of
// recordSessions and recordPurchases, in units of 20,000 facts into a fresh database migrated by the
// checkout under test, 1,000 of each unit already recorded (a redelivery's share). Run builds in turn:
//   node bench/ab/facts.js [root of a built checkout]
// Prints the medians of 6 units after one warm-up unit, in µs per fact.
const path = require('node:path');
const root = path.resolve(process.argv[2] ?? path.join(__dirname, '../..'));
const { recordPurchases, recordSessions } = require(path.join(root, 'packages/postgres/dist/index.js'));
const { withScratchDatabase } = require('./scratch-db');

const UNIT = 20_000;
const UNITS = 7;

function session(i) {
  return {
    data: {
      kind: 'web_session',
      sessionId: `S-ab-${i.toString(36)}`,
      customerId: 1 + (i % 100_000),
      visitDate: '2026-11-30',
      pagesViewed: 1 + (i % 20),
      timeSpent: (i % 600) + 0.5,
    },
    src: `cdp.web-sessions.v1/${i % 3}/${i}`,
  };
}

function purchase(i) {
  const lines = 1 + (i % 4);
  return {
    data: {
      kind: 'purchase',
      transactionId: `T-ab-${i.toString(36)}`,
      customerId: 1 + (i % 100_000),
      purchaseDate: '2026-11-30',
      totalCents: 1999 * lines,
      items: Array.from({ length: lines }, (_, k) => ({
        productId: 1 + ((i + k) % 5000),
        quantity: 1,
        amountCents: 1999,
      })),
    },
    src: `cdp.purchases.v1/${i % 3}/${i}`,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

withScratchDatabase(root, 'facts', 2, async (db) => {
  const out = {};
  for (const [kind, make, record] of [
    ['sessions', session, recordSessions],
    ['purchases', purchase, recordPurchases],
  ]) {
    const cpu = [];
    const wall = [];
    let next = 0;
    for (let u = 0; u < UNITS; u++) {
      // 1,000 of the unit's facts were recorded before (the end of the previous unit again).
      const from = Math.max(0, next - 1000);
      const facts = Array.from({ length: UNIT }, (_, k) => make(from + k));
      next = from + UNIT;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const outcomes = await record(db, facts);
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const fresh = outcomes.filter((o) => o === 'new').length;
      if (fresh !== (u === 0 ? UNIT : UNIT - 1000)) throw new Error(`unit ${u}: ${fresh} new`);
      if (u > 0) {
        cpu.push(((c.user + c.system) / UNIT) * 1);
        wall.push((t * 1000) / UNIT);
      }
    }
    out[kind] = { cpuUs: median(cpu).toFixed(2), wallUs: median(wall).toFixed(2) };
  }
  console.log(`${root}: ${JSON.stringify(out)}`);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
