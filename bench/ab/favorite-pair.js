// Times favoritePair (the favourite category and brand of a row) on 20,000 generated customers of
// 5 to 44 product lines over a 5,000-product catalog: node bench/ab/favorite-pair.js [path to a built
// customer360.js], to compare two builds. Prints µs per call.
const path =
  process.argv[2] ?? require('node:path').resolve(__dirname, '../../packages/domain/dist/profile/customer360.js');
const { favoritePair } = require(path);
const cats = ['Electronics', 'Books', 'Home', 'Garden', 'Toys', 'Sports', 'Beauty', 'Food'];
const brands = ['Acme', 'Zed', 'Orion', 'Nova', 'Peak', 'Blue', 'Red', 'Gold', 'Iron', 'Leaf'];
const catalog = new Map();
for (let p = 1; p <= 5000; p++) catalog.set(p, { category: cats[p % 8], brand: brands[(p * 7) % 10] });
const lookup = (id) => catalog.get(id);
const customers = [];
let seed = 1;
const rnd = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
for (let c = 0; c < 20000; c++) {
  const m = new Map();
  const n = 5 + Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) m.set(1 + Math.floor(rnd() * 5000), 1 + Math.floor(rnd() * 3));
  customers.push(m);
}
let sink = 0;
for (let r = 0; r < 3; r++) for (const m of customers) sink += favoritePair(m, lookup) ? 1 : 0;
const t = process.hrtime.bigint();
for (let r = 0; r < 10; r++) for (const m of customers) sink += favoritePair(m, lookup) ? 1 : 0;
console.log((Number(process.hrtime.bigint() - t) / 10 / customers.length / 1000).toFixed(2), 'µs per call', sink);
