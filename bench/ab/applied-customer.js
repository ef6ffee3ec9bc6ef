// Times parseAppliedCustomer (one customer's reply from apply-customers.lua: outcomes, 15 state fields,
// campaigns, 5 to 44 product id / count pairs) over 5,000 replies: node bench/ab/applied-customer.js
// [path to a built aggregate-state.js], to compare two builds. Prints µs per call.
const { parseAppliedCustomer } = require(
  process.argv[2] ?? require('node:path').resolve(__dirname, '../../packages/redis/dist/aggregate-state.js'),
);
// A typical reply: outcomes, 15 state fields, campaigns, 25 product pairs.
const state = [
  '42',
  '7',
  '123456',
  '2026-06-01',
  '3',
  '11',
  '4',
  '2026-05-02',
  '5',
  '2',
  '30',
  '120',
  '3600.5',
  '2026-06-30',
  JSON.stringify({
    customerId: 7,
    firstName: 'A',
    lastName: 'B',
    email: 'a@b.c',
    phoneNumber: null,
    dateOfBirth: '1990-01-01',
    registrationDate: '2020-01-01',
  }),
];
const texts = [];
for (let c = 0; c < 5000; c++) {
  const products = [];
  const n = 5 + (c % 40);
  for (let i = 0; i < n; i++) products.push(String(1 + ((c * 31 + i * 97) % 5000)), String(1 + (i % 3)));
  texts.push(['1', ...state, '3', ...products].join('\n'));
}
let sink = 0;
for (let r = 0; r < 5; r++) for (const t of texts) sink += parseAppliedCustomer(7, t).state.productLines.size;
const t0 = process.hrtime.bigint();
for (let r = 0; r < 20; r++) for (const t of texts) sink += parseAppliedCustomer(7, t).state.productLines.size;
console.log((Number(process.hrtime.bigint() - t0) / 20 / texts.length / 1000).toFixed(2), 'µs per call', sink);
