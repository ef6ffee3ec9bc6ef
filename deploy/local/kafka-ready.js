#!/usr/bin/env node
// Readiness check for the local Kafka broker, used by deploy/local/stack.sh.
// "Ready" means more than an open port: metadata answers AND a full round trip works (create a
// topic, produce one message, consume it back through a consumer group, delete the topic), which
// also creates __consumer_offsets so the first test does not pay for it.
// Usage: node deploy/local/kafka-ready.js [brokers=127.0.0.1:9092] [timeoutSeconds=60] [--metadata-only]
// Exit 0 when ready, 1 with the last error on stderr otherwise. With CDP_READY_SASL_USERNAME,
// CDP_READY_SASL_PASSWORD and CDP_READY_SSL_CA_FILE set, it connects with TLS and SCRAM-SHA-512.

const path = require('node:path');
const crypto = require('node:crypto');

const root = path.resolve(__dirname, '..', '..');
let kafkajs;
try {
  // kafkajs is a dependency of the @cdp360/kafka workspace; npm hoists it to the root.
  kafkajs = require(require.resolve('kafkajs', { paths: [root, path.join(root, 'packages', 'kafka')] }));
} catch (err) {
  console.error(`kafka-ready: cannot load kafkajs (${err.message}); run \`npm ci\` at the repo root first`);
  process.exit(1);
}
const { Kafka, logLevel } = kafkajs;

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const metadataOnly = process.argv.includes('--metadata-only');
const brokers = (args[0] || process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const timeoutMs = Number(args[1] || 60) * 1000;
const deadline = Date.now() + timeoutMs;

const fs = require('node:fs');
const security = process.env.CDP_READY_SASL_USERNAME
  ? {
      ssl: { ca: [fs.readFileSync(process.env.CDP_READY_SSL_CA_FILE)] },
      sasl: {
        mechanism: 'scram-sha-512',
        username: process.env.CDP_READY_SASL_USERNAME,
        password: process.env.CDP_READY_SASL_PASSWORD,
      },
    }
  : {};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const remaining = () => Math.max(0, deadline - Date.now());

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), remaining());
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function attempt(kafka) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no brokers');
    if (metadataOnly) return;

    const suffix = crypto.randomBytes(6).toString('hex');
    const topic = `cdp360-ready-${suffix}`;
    const groupId = `cdp360-ready-${suffix}`;
    const value = `ready-${suffix}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    try {
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = new Promise((resolve) => {
        consumer.run({
          eachMessage: async ({ message }) => {
            if (message.value && message.value.toString() === value) resolve();
          },
        });
      });
      await withTimeout(received, 'consume the round-trip message');
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  let lastError;
  while (remaining() > 0) {
    const kafka = new Kafka({
      clientId: 'cdp360-kafka-ready',
      brokers,
      ...security,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      requestTimeout: 10000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    });
    try {
      await withTimeout(attempt(kafka), metadataOnly ? 'metadata' : 'topic round trip');
      return;
    } catch (err) {
      lastError = err;
      await sleep(Math.min(1000, remaining()));
    }
  }
  throw lastError || new Error('timed out');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`kafka-ready: Kafka at ${brokers.join(',')} is not ready: ${err?.message}`);
    process.exit(1);
  },
);
