import { createHash, randomBytes } from 'node:crypto';
import { createLogger, loadConfig } from '@cdp360/config';
import { INPUT_TOPICS, topicNames } from '@cdp360/domain';
import { EXPECT_INVALID_HEADER, generateEvents, type WireMessage } from '@cdp360/generator';
import {
  cdpTopicSpecs,
  createKafka,
  DEAD_LETTER_RETENTION_MS,
  ensureTopics,
  INPUT_RETENTION_MS,
  listTopics,
} from '@cdp360/kafka';
import { type Admin, ConfigResourceTypes, type Kafka } from 'kafkajs';
import { runCdp } from '../helpers/cdp-process';

// Generates a small data set to a real broker through `cdp generate --to kafka` and reads it back.
const prefix = `tgen${randomBytes(4).toString('hex')}.`;
const options = { customers: 150, days: 30, seed: 5, duplicateRate: 0.05, invalidRate: 0.05 };
const names = topicNames(prefix);

let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
  kafka = createKafka({ ...loadConfig().kafka, clientId: 'generator-test', logger });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await admin.disconnect();
});

/** Sorted digests of (key, value bytes, headers): equal multisets mean the broker kept every byte. */
function fingerprint(
  messages: Array<{ key: string | null; value: Buffer; headers: Record<string, string> }>,
): string[] {
  return messages
    .map((m) => {
      const h = createHash('sha256');
      h.update(`${m.key}\0`);
      h.update(m.value);
      h.update(`\0${JSON.stringify(Object.entries(m.headers).sort())}`);
      return h.digest('hex');
    })
    .sort();
}

describe('cdp generate --to kafka', () => {
  it('creates the topics, produces every message keyed as the contract says, and the broker gives them back byte for byte', async () => {
    const args = Object.entries({
      customers: options.customers,
      days: options.days,
      seed: options.seed,
      'duplicate-rate': options.duplicateRate,
      'invalid-rate': options.invalidRate,
    }).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const out = await runCdp(
      ['generate', ...args, '--to', 'kafka', '--prefix', prefix, '--partitions', '2'],
      process.env,
    );
    expect(out).toMatch(/messages to Kafka topics/);

    // The same options in-process give the same bytes: that is what the broker must hold.
    const gen = generateEvents(options);
    const expected = [...gen].flat();
    const manifest = gen.manifest;
    expect(manifest.totals.invalid).toBeGreaterThan(10);
    expect(manifest.totals.duplicates).toBeGreaterThan(10);

    const topics = await listTopics(admin, prefix);
    expect(topics).toEqual(
      cdpTopicSpecs(prefix)
        .map((s) => ({ name: s.name, partitions: 2 }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );

    // Log end offsets count what was written, per topic.
    for (const t of INPUT_TOPICS) {
      const offsets = await admin.fetchTopicOffsets(names.inputs[t.kind]);
      const written = offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
      expect({ topic: t.topic, written }).toEqual({ topic: t.topic, written: manifest.topics[t.topic]!.messages });
    }

    // Read everything back and compare contents; one key always lands on one partition.
    const total = manifest.totals.messages;
    const got = new Map<string, Array<{ key: string | null; value: Buffer; headers: Record<string, string> }>>();
    const partitionOfKey = new Map<string, number>();
    let keyOnTwoPartitions = 0;
    let received = 0;
    const consumer = kafka.consumer({ groupId: `tgen-${randomBytes(4).toString('hex')}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: INPUT_TOPICS.map((t) => names.inputs[t.kind]), fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received} of ${total} messages read back`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ topic, partition, message }) => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
              const key = message.key === null ? null : message.key.toString('utf8');
              if (key !== null) {
                const seen = partitionOfKey.get(`${topic}\0${key}`);
                if (seen !== undefined && seen !== partition) keyOnTwoPartitions++;
                partitionOfKey.set(`${topic}\0${key}`, partition);
              }
              let list = got.get(topic);
              if (!list) {
                list = [];
                got.set(topic, list);
              }
              list.push({ key, value: message.value ?? Buffer.alloc(0), headers });
              if (++received === total) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }

    expect(keyOnTwoPartitions).toBe(0);
    for (const t of INPUT_TOPICS) {
      const mine = expected.filter((m: WireMessage) => m.kind === t.kind);
      const back = got.get(names.inputs[t.kind]) ?? [];
      const counts = manifest.topics[t.topic]!;
      expect({ topic: t.topic, n: back.length }).toEqual({ topic: t.topic, n: counts.messages });
      expect(back.filter((m) => m.headers[EXPECT_INVALID_HEADER] !== undefined).length).toBe(counts.invalid);
      const want = mine.map((m) => ({
        key: m.key,
        value: typeof m.value === 'string' ? Buffer.from(m.value) : m.value,
        headers: m.headers ?? {},
      }));
      expect(fingerprint(back)).toEqual(fingerprint(want));
    }
  });
});

describe('ensureTopics', () => {
  it('creates missing topics with their retention, and leaves existing ones alone', async () => {
    const p = `tens${randomBytes(4).toString('hex')}.`;
    const specs = cdpTopicSpecs(p);
    const first = await ensureTopics(admin, { topics: specs.slice(0, 3), partitions: 1 });
    expect(first).toEqual({ created: specs.slice(0, 3).map((s) => s.name), existing: [] });

    const second = await ensureTopics(admin, { topics: specs, partitions: 4 });
    expect(second.existing).toEqual(specs.slice(0, 3).map((s) => s.name));
    expect(second.created).toEqual(specs.slice(3).map((s) => s.name));

    const listed = await listTopics(admin, p);
    expect(listed.find((t) => t.name === specs[0]!.name)!.partitions).toBe(1); // not touched
    expect(listed.find((t) => t.name === names.deadLetter.replace(prefix, p))!.partitions).toBe(4);

    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: `${p}cdp.purchases.v1`, configNames: ['retention.ms'] },
        { type: ConfigResourceTypes.TOPIC, name: `${p}cdp.dead-letter.v1`, configNames: ['retention.ms'] },
      ],
    });
    const retention = Object.fromEntries(resources.map((r) => [r.resourceName, r.configEntries[0]!.configValue]));
    expect(retention[`${p}cdp.purchases.v1`]).toBe(String(INPUT_RETENTION_MS));
    expect(retention[`${p}cdp.dead-letter.v1`]).toBe(String(DEAD_LETTER_RETENTION_MS));

    await admin.deleteTopics({ topics: specs.map((s) => s.name) });
  });
});
