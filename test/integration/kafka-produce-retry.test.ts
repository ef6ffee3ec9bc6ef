import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createIdempotentProducer, produceAll } from '@cdp360/kafka';
import { type Admin, Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { sleep } from '../helpers/cdp-process';
import { serviceUrls } from '../helpers/services';

/** Kafka's API key of Produce requests (the int16 after a request's 4-byte size). */
const PRODUCE = 0;

/**
 * A kafkajs client whose first Produce request reaches the broker but whose answer never comes back:
 * the connection stops reading right after the request is written, and `cut()` resets it, as a
 * network that fails between a broker's write and its reply would. kafkajs then retries the request.
 */
function clientLosingFirstProduceReply(brokers: string[]) {
  let armed = true;
  let victim: Socket | undefined;
  let written: () => void;
  const requestWritten = new Promise<void>((resolve) => {
    written = resolve;
  });
  const kafka = new Kafka({
    clientId: 'test-produce-retry',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 5 },
    socketFactory: ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      const write = socket.write.bind(socket) as (chunk: Buffer, encoding?: BufferEncoding) => boolean;
      socket.write = ((chunk: Buffer, encoding?: BufferEncoding) => {
        if (armed && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE) {
          armed = false;
          victim = socket;
          socket.pause(); // the reply stays in the kernel's buffer, unseen
          const ok = write(chunk, encoding);
          written();
          return ok;
        }
        return write(chunk, encoding);
      }) as typeof socket.write;
      return socket;
    },
  });
  return {
    kafka,
    requestWritten,
    cut: () => victim?.destroy(Object.assign(new Error('connection reset (test fault)'), { code: 'ECONNRESET' })),
  };
}

async function written(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
}

describe('produceAll: a request retried after the broker wrote it', () => {
  const { kafkaBrokers } = serviceUrls();
  const admin = new Kafka({
    clientId: 'test-produce-retry-admin',
    brokers: kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  const topics: string[] = [];

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  });

  /**
   * Produces two topics' messages through a producer whose first reply is lost; returns how many each
   * topic's log holds once produceAll resolved.
   */
  async function produceThroughLostReply(makeProducer: (kafka: Kafka) => Producer): Promise<number[]> {
    const names = [0, 1].map(() => `tretry${randomBytes(4).toString('hex')}`);
    topics.push(...names);
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
    const byTopic = new Map<string, Message[]>(
      // One message in seven has no key (as an invalid event may have): kafkajs places those anew on a retry
      // (15 in the first request of each topic: an odd count, so a round robin over two partitions moves them).
      names.map((t, i) => [
        t,
        Array.from({ length: 150 + i * 50 }, (_, j) => ({ key: j % 7 === 0 ? null : `k${j}`, value: `${t}-${j}` })),
      ]),
    );
    const fault = clientLosingFirstProduceReply(kafkaBrokers);
    const producer = makeProducer(fault.kafka);
    await producer.connect();
    try {
      const done = produceAll(producer, byTopic, { batchSize: 100 });
      await fault.requestWritten;
      // The broker has appended the first request's messages before the connection goes.
      const firstRequest = 100 + 100;
      for (
        let i = 0;
        (await Promise.all(names.map((t) => written(admin, t)))).reduce((a, b) => a + b) < firstRequest;
        i++
      ) {
        if (i > 200) throw new Error('the broker never appended the first request');
        await sleep(50);
      }
      fault.cut();
      expect(await done).toBe(150 + 200);
    } finally {
      await producer.disconnect();
    }
    return Promise.all(names.map((t) => written(admin, t)));
  }

  it('the fault itself: a plain producer writes the retried request twice', async () => {
    const counts = await produceThroughLostReply((kafka) => kafka.producer({ allowAutoTopicCreation: false }));
    expect(counts).toEqual([150 + 100, 200 + 100]);
  }, 60_000);

  it("the project's idempotent producer: every message once", async () => {
    const counts = await produceThroughLostReply(createIdempotentProducer);
    expect(counts).toEqual([150, 200]);
  }, 60_000);
});
