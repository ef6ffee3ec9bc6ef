// CPU per message of decodeMessage over the 89,285 messages of 4,000 generated customers (invalid ones
// included, as Buffers): node bench/ab/decode.js [root of a built checkout], to compare two builds
// (run them in turn, several times). Prints the median of 5 rounds after one warm-up, in ns.
const path = require('node:path');
const root = process.argv[2] ?? path.resolve(__dirname, '../..');
const { generateEvents } = require(path.join(root, 'packages/generator/dist/index.js'));
const { decodeMessage } = require(path.join(root, 'packages/domain/dist/index.js'));
const messages = [...generateEvents({ customers: 4000, seed: 5, batchSize: 5000 })]
  .flat()
  .slice(0, 100_000)
  .map((m) => ({ kind: m.kind, key: Buffer.from(m.key ?? ''), value: Buffer.from(m.value) }));
const rounds = [];
let accepted = 0;
for (let r = 0; r < 6; r++) {
  const t0 = process.cpuUsage();
  accepted = 0;
  for (const m of messages) if (decodeMessage(m.kind, m.key, m.value).ok) accepted++;
  const t = process.cpuUsage(t0);
  if (r > 0) rounds.push(((t.user + t.system) * 1000) / messages.length);
}
rounds.sort((a, b) => a - b);
console.log(
  `${root}: ${rounds[2].toFixed(0)} ns per message (rounds ${rounds.map((x) => x.toFixed(0)).join(' ')}; ${accepted} of ${messages.length} accepted)`,
);
