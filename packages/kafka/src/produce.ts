import type { Admin, CompressionTypes, Message, Producer, ProducerRecord } from 'kafkajs';
import { bounded } from './bounded';
import { MissingTopicsError } from './topics';

export interface ProduceAllOptions {
  /** Messages per produce request. */
  batchSize?: number;
  /**
   * Produce requests awaiting acknowledgement at once. More than 1 is faster but a retried request
   * can land after a later one, so use 1 when order within a partition matters to the data.
   */
  maxInFlight?: number;
  compression?: CompressionTypes;
  /** Called after each acknowledged request with the number of messages acknowledged so far. */
  onProgress?: (acknowledged: number, total: number) => void;
}

/**
 * Sends `messages` to `topic` in requests of `batchSize`, each acknowledged by all in-sync replicas
 * (acks -1), with at most `maxInFlight` requests outstanding so memory and broker load stay bounded.
 * Resolves with the number of messages sent; rejects with the first failure (after kafkajs's own
 * retries), once the requests already in flight have settled.
 */
export async function produceAll(
  producer: Producer,
  topic: string,
  messages: readonly Message[],
  options: ProduceAllOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  const maxInFlight = options.maxInFlight ?? 4;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be >= 1, got ${maxInFlight}`);
  }
  const total = messages.length;
  let next = 0;
  let acknowledged = 0;
  let failure: unknown;

  // Each lane sends one request at a time; `maxInFlight` lanes give the bound without a queue.
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < total) {
      const chunk = messages.slice(next, next + batchSize);
      next += chunk.length;
      try {
        await producer.send({ topic, messages: chunk as Message[], acks: -1, compression: options.compression });
      } catch (err) {
        failure ??= err;
        return;
      }
      acknowledged += chunk.length;
      options.onProgress?.(acknowledged, total);
    }
  };
  const lanes = Math.min(maxInFlight, Math.ceil(total / batchSize));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure;
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
