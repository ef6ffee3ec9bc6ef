// Round trips through each service of the local stack (bash deploy/local/stack.sh up), with the client
// libraries the project uses. These pin the behaviour the adapters rely on, e.g. that kafkajs 2.2.4 can
// run a consumer group and rewind it on the pinned Kafka (docs/adr/0001-kafka-version.md).
import { createPubSub } from '@cdp360/pubsub';
import type { Message as PubSubMessage } from '@google-cloud/pubsub';
import { Redis } from 'ioredis';
import { type EachBatchPayload, Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { pubsubEmulatorAvailable, pubsubUnavailableReason, randomName, serviceUrls } from '../helpers/services';

const urls = serviceUrls();

/** Resolves when `done()` is true, polling; rejects after `timeoutMs` with `what` in the message. */
async function waitFor(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Kafka', () => {
  const kafka = new Kafka({ clientId: 'cdp360-stack-test', brokers: urls.kafkaBrokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const topic = randomName('stack-test');
  const groupId = randomName('stack-test-group');

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  test('keyed messages go through a consumer group; committed offsets, describe and rewind work', async () => {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent = Array.from({ length: 12 }, (_, i) => ({ key: `c:${i % 4}`, value: `event-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const high = await admin.fetchTopicOffsets(topic);
    expect(high.reduce((sum, p) => sum + Number(p.high), 0)).toBe(sent.length);

    // Consume with manual commits after each batch, as the updater does.
    const received: Array<{ key: string; value: string; partition: number }> = [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
        for (const message of batch.messages) {
          received.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            partition: batch.partition,
          });
          resolveOffset(message.offset);
        }
        await consumer.commitOffsets([
          { topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
        ]);
        await heartbeat();
      },
    });
    try {
      await waitFor(() => received.length >= sent.length, `${sent.length} messages`);
      const group = await admin.describeGroups([groupId]);
      expect(group.groups[0]).toMatchObject({ groupId, state: 'Stable' });
      expect(group.groups[0]?.members).toHaveLength(1);
    } finally {
      await consumer.disconnect();
    }

    expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    // Keyed: every message of one key lands in one partition.
    for (const key of new Set(sent.map((m) => m.key))) {
      expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
    }

    // Committed offsets equal the end of each partition (-1: nothing committed, for a partition no key hit).
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = Object.fromEntries(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    const ends = Object.fromEntries(high.map((p) => [p.partition, p.high === '0' ? '-1' : p.high]));
    expect(committedByPartition).toEqual(ends);

    // kafkajs resetOffsets({ earliest }) commits the sentinel -2, which a kafkajs consumer treats as "no
    // offset" and resolves with its own fromBeginning setting: a rewind must set real offsets instead.
    await admin.resetOffsets({ groupId, topic, earliest: true });
    const reset = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(reset[0]!.partitions.map((p) => p.offset)).toEqual(['-2', '-2', '-2']);

    // Rewind the group to the low watermarks and read everything again (the replay path), with a consumer
    // that does NOT ask for fromBeginning: only the committed offsets can make it start at 0.
    const low = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: low.map((p) => ({ partition: p.partition, offset: p.low })) });
    const replayed: string[] = [];
    const again = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await again.connect();
    await again.subscribe({ topics: [topic] });
    await again.run({
      eachMessage: async ({ message }) => {
        replayed.push(message.value?.toString() ?? '');
      },
    });
    try {
      await waitFor(() => replayed.length >= sent.length, 'the replayed messages');
    } finally {
      await again.disconnect();
    }
    expect(replayed.sort()).toEqual(sent.map((m) => m.value).sort());
  });
});

describe('Postgres', () => {
  const client = new pg.Client({ connectionString: urls.databaseUrl });
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  test('answers with its version', async () => {
    const { rows } = await client.query<{ version: string }>('SELECT version() AS version');
    expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
  });

  test('round-trips rows through a temporary table (batch insert with unnest)', async () => {
    const table = randomName('stack_test').replace(/-/g, '_');
    await client.query(`CREATE TEMP TABLE ${table} (id bigint PRIMARY KEY, amount numeric(14, 2) NOT NULL)`);
    await client.query(
      `INSERT INTO ${table} (id, amount) SELECT * FROM unnest($1::bigint[], $2::numeric[]) ON CONFLICT DO NOTHING`,
      [
        [1, 2, 2],
        ['10.50', '0.01', '99.99'],
      ],
    );
    const { rows } = await client.query<{ id: string; amount: string }>(`SELECT id, amount FROM ${table} ORDER BY id`);
    expect(rows).toEqual([
      { id: '1', amount: '10.50' },
      { id: '2', amount: '0.01' },
    ]);
  });
});

describe('Redis', () => {
  const redis = new Redis(urls.redisUrl, { lazyConnect: true });
  const prefix = randomName('stack-test');
  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    // Only our own keys: other suites use the same Redis concurrently.
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('SET/GET and a hash under a random key prefix, deleted afterwards', async () => {
    await redis.set(`${prefix}:string`, 'hello', 'EX', 60);
    await redis.hset(`${prefix}:{c:42}`, { purchases: '3', revenue_cents: '12345' });
    expect(await redis.get(`${prefix}:string`)).toBe('hello');
    expect(await redis.hgetall(`${prefix}:{c:42}`)).toEqual({ purchases: '3', revenue_cents: '12345' });
    expect(await redis.del(`${prefix}:string`, `${prefix}:{c:42}`)).toBe(2);
    expect(await redis.exists(`${prefix}:string`, `${prefix}:{c:42}`)).toBe(0);
  });
});

const pubsubAvailable = pubsubEmulatorAvailable();
const pubsubTitle = pubsubAvailable
  ? 'Pub/Sub emulator'
  : `SKIPPED: Pub/Sub emulator not available (${pubsubUnavailableReason()})`;
if (!pubsubAvailable) {
  console.warn(`!!! ${pubsubTitle}: install the Cloud SDK pubsub-emulator component, then run stack.sh up`);
}

(pubsubAvailable ? describe : describe.skip)(pubsubTitle, () => {
  const pubsub = createPubSub({ projectId: urls.pubsubProjectId, emulatorHost: urls.pubsubEmulatorHost });
  const topicName = randomName('stack-test-topic');
  const subscriptionName = randomName('stack-test-sub');

  afterAll(async () => {
    await pubsub
      .subscription(subscriptionName)
      .delete()
      .catch(() => {});
    await pubsub
      .topic(topicName)
      .delete()
      .catch(() => {});
    await pubsub.close();
  });

  test('publishes with an ordering key and receives the messages in order, acked', async () => {
    const [topic] = await pubsub.createTopic(topicName);
    const [subscription] = await topic.createSubscription(subscriptionName, {
      enableMessageOrdering: true,
      ackDeadlineSeconds: 10,
    });

    const publisher = pubsub.topic(topicName, { messageOrdering: true });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push(
        await publisher.publishMessage({
          data: Buffer.from(JSON.stringify({ n })),
          orderingKey: 'c:42',
          attributes: { type: 'stack-test' },
        }),
      );
    }
    await publisher.flush();

    const received: PubSubMessage[] = [];
    const errors: Error[] = [];
    subscription.on('message', (message: PubSubMessage) => {
      received.push(message);
      message.ack();
    });
    subscription.on('error', (error: Error) => errors.push(error));
    try {
      await waitFor(() => received.length >= 3 || errors.length > 0, 'three Pub/Sub messages');
    } finally {
      await subscription.close();
    }

    expect(errors).toEqual([]);
    expect(received.map((m) => JSON.parse(m.data.toString()).n)).toEqual([1, 2, 3]);
    expect(received.map((m) => m.id)).toEqual(ids);
    expect(received.every((m) => m.orderingKey === 'c:42' && m.attributes.type === 'stack-test')).toBe(true);
  });
});
