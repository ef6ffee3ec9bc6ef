import type { CompressionTypes, Message, Producer } from 'kafkajs';

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
