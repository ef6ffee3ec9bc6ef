#!/usr/bin/env node
// Compatibility probe: kafkajs (as installed) against a live broker. Exercises the APIs cdp360 uses
// (produce, idempotent and transactional producers, a consumer group with manual commits, admin offsets
// and groups), prints OK/FAIL per step and the API versions kafkajs negotiated. Evidence for
// docs/adr/0001-kafka-version.md; rerun it when Kafka or kafkajs is upgraded:
//   bash deploy/local/stack.sh up && node deploy/local/kafka-compat.js [127.0.0.1:9092]
// Exit code 1 when any step failed.

const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
const { Kafka, logLevel } = require(
  require.resolve('kafkajs', { paths: [root, path.join(root, 'packages', 'kafka')] }),
);
const apis = new Map();
const problems = [];
const logCreator =
  () =>
  ({ level, log }) => {
    const m = /^Request (\w+)\(key: (\d+), version: (\d+)\)/.exec(log.message || '');
    if (m) apis.set(m[1], `${m[1]}(key ${m[2]}) v${m[3]}`);
    if (level <= logLevel.WARN || /UNSUPPORTED|not support/i.test(JSON.stringify(log)))
      problems.push(`${log.message} ${log.error || ''}`);
  };
const kafka = new Kafka({
  clientId: 'compat',
  brokers: [process.argv[2] || '127.0.0.1:9092'],
  logLevel: logLevel.DEBUG,
  logCreator,
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const step = async (name, fn) => {
  try {
    const r = await fn();
    console.log(`OK   ${name}`, r === undefined ? '' : JSON.stringify(r));
    return r;
  } catch (e) {
    console.log(`FAIL ${name}: ${e.name}: ${e.message}`);
    process.exitCode = 1;
  }
};
(async () => {
  const s = Date.now().toString(36);
  const topic = `compat-${s}`;
  const groupId = `compat-g-${s}`;
  const admin = kafka.admin();
  await admin.connect();
  await step('admin.describeCluster', async () => (await admin.describeCluster()).brokers.length);
  await step('admin.createTopics (3 partitions)', () =>
    admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }),
  );
  await step(
    'admin.fetchTopicMetadata',
    async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length,
  );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await step(
    'producer.send (idempotent, keyed, acks=all)',
    async () =>
      (
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: 30 }, (_, i) => ({ key: `c${i % 7}`, value: `m${i}`, headers: { h: 'x' } })),
        })
      ).length,
  );
  const tx = kafka.producer({ transactionalId: `compat-tx-${s}`, idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  await step('transactional producer send+commit', async () => {
    const t = await tx.transaction();
    await t.send({ topic, messages: [{ key: 'tx', value: 'tx' }] });
    await t.commit();
  });
  await tx.disconnect();
  await step('admin.fetchTopicOffsets', async () =>
    (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`).join(','),
  );
  await step('admin.fetchTopicOffsetsByTimestamp', async () =>
    (await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60000))
      .map((p) => `${p.partition}:${p.offset}`)
      .join(','),
  );
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 10000, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  let heartbeats = 0;
  const last = {};
  consumer.on(consumer.events.HEARTBEAT, () => heartbeats++);
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        n++;
        resolveOffset(m.offset);
        last[batch.partition] = m.offset;
      }
      await heartbeat();
      await consumer.commitOffsets([
        { topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
      ]);
    },
  });
  for (let i = 0; i < 100 && n < 31; i++) await sleep(100);
  await sleep(2000);
  console.log(
    `${n >= 31 ? 'OK  ' : 'FAIL'} consumer group join/sync/fetch (eachBatch) received=${n}/31 (incl. 1 transactional), heartbeats=${heartbeats}`,
  );
  if (n < 31 || heartbeats < 1) process.exitCode = 1;
  await step('admin.describeGroups (while running)', async () => {
    const g = (await admin.describeGroups([groupId])).groups[0];
    return `${g.state} members=${g.members.length} protocol=${g.protocol}`;
  });
  await step('admin.listGroups', async () => (await admin.listGroups()).groups.some((g) => g.groupId === groupId));
  await consumer.disconnect();
  await step('admin.fetchOffsets (committed)', async () =>
    (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions
      .map((p) => `${p.partition}:${p.offset}`)
      .join(','),
  );
  await step('admin.resetOffsets (earliest)', () => admin.resetOffsets({ groupId, topic, earliest: true }));
  await step('admin.fetchOffsets after reset', async () =>
    (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions
      .map((p) => `${p.partition}:${p.offset}`)
      .join(','),
  );
  await step('admin.setOffsets', () =>
    admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] }),
  );
  const c2 = kafka.consumer({ groupId: `${groupId}-b` });
  await c2.connect();
  await c2.subscribe({ topics: [topic] });
  let m2 = 0;
  await c2.run({
    eachMessage: async () => {
      m2++;
    },
  });
  c2.seek({ topic, partition: 0, offset: '0' });
  for (let i = 0; i < 100 && m2 === 0; i++) await sleep(100);
  console.log(`${m2 > 0 ? 'OK  ' : 'FAIL'} consumer.seek + eachMessage autoCommit received=${m2}`);
  if (m2 === 0) process.exitCode = 1;
  await c2.disconnect();
  await step('admin.deleteGroups', () => admin.deleteGroups([groupId, `${groupId}-b`]));
  await step('admin.createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }));
  await step('admin.describeConfigs', async () => {
    const r = await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
    return r.resources[0].configEntries.length;
  });
  await step('admin.deleteTopics', () => admin.deleteTopics({ topics: [topic] }));
  await producer.disconnect();
  await admin.disconnect();
  console.log('negotiated API versions:', [...apis.values()].sort().join(', '));
  console.log(`client warnings/errors logged: ${problems.length}`);
  for (const p of problems.slice(0, 10)) console.log('  ', p);
})().catch((e) => {
  console.log('FATAL', e);
  process.exit(1);
});
