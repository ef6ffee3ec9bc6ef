import type { Admin, CompressionTypes, Message, Producer, ProducerRecord, TopicMessages } from 'kafkajs';
import { bounded } from './bounded';
import { MissingTopicsError } from './topics';

export interface ProduceAllOptions {
  /** Messages per topic in one produce request. */
  batchSize?: number;
  compression?: CompressionTypes;
  /** Called after each acknowledged request with the number of messages acknowledged so far. */
  onProgress?: (acknowledged: number, total: number) => void;
}

/**
 * Sends every topic's messages, in the order given, in produce requests carrying up to `batchSize`
 * messages of each topic, each acknowledged by all in-sync replicas (acks -1), one request at a time.
 * Resolves with the number of messages sent; rejects with the first failure (after kafkajs's retries).
 *
 * `producer` must come from createIdempotentProducer and carry nothing else meanwhile. kafkajs retries
 * a whole broker request when any partition in it fails or the connection drops after the broker wrote
 * it; only the broker's de-duplication by producer sequence keeps such a retry from writing the
 * partitions that did succeed twice, and kafkajs hands a failed request's sequence numbers to whichever
 * send comes next, so a second request in flight could be mistaken for the retried one.
 */
export async function produceAll(
  producer: Producer,
  topics: ReadonlyMap<string, readonly Message[]>,
  options: ProduceAllOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  let total = 0;
  for (const list of topics.values()) total += list.length;
  let acknowledged = 0;
  for (let at = 0; acknowledged < total; at += batchSize) {
    const topicMessages: TopicMessages[] = [];
    let count = 0;
    for (const [topic, list] of topics) {
      if (at >= list.length) continue;
      const messages = list.slice(at, at + batchSize) as Message[];
      topicMessages.push({ topic, messages });
      count += messages.length;
    }
    await producer.sendBatch({ topicMessages, acks: -1, compression: options.compression });
    acknowledged += count;
    options.onProgress?.(acknowledged, total);
  }
  return acknowledged;
}

export interface BoundedSendOptions {
  /** What the messages are compressed with (KAFKA_COMPRESSION). */
  compression?: CompressionTypes;
  /** The most one send may take, retries included (KAFKA_PUBLISH_TIMEOUT_MS). */
  timeoutMs: number;
  /** When given, a failed send asks it whether the topic still exists, to say so. */
  admin?: Admin;
  /** For the error message. */
  brokers?: readonly string[];
}

/**
 * One acks=all send that settles within `timeoutMs`. When it fails or times out and the topic is gone,
 * it rejects with MissingTopicsError (the deployment is broken: say what to do); otherwise with the
 * send's own error or KafkaTimeoutError.
 */
export async function sendBounded(
  producer: Producer,
  record: Omit<ProducerRecord, 'acks' | 'compression' | 'timeout'>,
  options: BoundedSendOptions,
): Promise<void> {
  const what = `publishing ${record.messages.length} message(s) to ${record.topic}`;
  try {
    await bounded(
      producer.send({ ...record, acks: -1, compression: options.compression, timeout: options.timeoutMs }),
      options.timeoutMs,
      what,
    );
  } catch (err) {
    if (options.admin) {
      const topics = await bounded(options.admin.listTopics(), 5_000, 'listing topics').catch(() => null);
      if (topics && !topics.includes(record.topic)) {
        throw new MissingTopicsError([record.topic], options.brokers ?? [], 'while running');
      }
    }
    throw err;
  }
}
