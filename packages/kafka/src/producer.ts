import { type ICustomPartitioner, type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * Java-client placement by key (murmur2); a message without a key goes by the same hash of its value
 * instead of kafkajs' round robin. kafkajs places a request's messages again each time it retries
 * the request, and the broker takes an idempotent producer's retry for the duplicate it is only when
 * every partition gets the same messages as the first time: a round robin hands the keyless ones to
 * other partitions, and the broker then refuses the retry (OUT_OF_ORDER_SEQUENCE_NUMBER).
 */
export const StablePartitioner: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }) =>
    (message.key === null || message.key === undefined) &&
    (message.partition === null || message.partition === undefined)
      ? byKey({ topic, partitionMetadata, message: { ...message, key: message.value ?? '' } })
      : byKey({ topic, partitionMetadata, message });
};

/**
 * The producer of dead letters and triggers: idempotent with one request in flight, so a retried send
 * neither duplicates nor reorders what it carries.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Our topics must exist (the updater checks at start): never ask a broker that allows it to create one.
    allowAutoTopicCreation: false,
    // Java-client compatible (murmur2) placement by key, keyless messages by value (see StablePartitioner).
    createPartitioner: StablePartitioner,
  });
}

/** Broker answers that leave an idempotent producer's sequence numbers wrong for good. */
const STALE_PRODUCER_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

function isStaleProducerError(err: unknown): boolean {
  for (
    let e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined, i = 0;
    e && i < 8;
    i++
  ) {
    if (typeof e.type === 'string' && STALE_PRODUCER_ERRORS.has(e.type)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/**
 * An idempotent producer that replaces itself when the broker no longer accepts its sequence numbers.
 * A broker that crashed (or a send that timed out and went on in the background) can answer
 * OUT_OF_ORDER_SEQUENCE_NUMBER; kafkajs calls that non-retriable and keeps its producer id and
 * sequences, so every later send would fail the same way. The failed send still rejects (its caller
 * retries its unit of work); the next send goes through a new producer with a new producer id.
 */
export function createRecoveringProducer(kafka: Kafka, onReplace?: (err: unknown) => void): Producer {
  let current = createIdempotentProducer(kafka);
  let connected = false;
  const wrapper = new Proxy(current, {
    get(_target, prop) {
      if (prop === 'send') {
        return async (record: Parameters<Producer['send']>[0]) => {
          const producer = current;
          try {
            return await producer.send(record);
          } catch (err) {
            if (isStaleProducerError(err) && producer === current) {
              onReplace?.(err);
              current = createIdempotentProducer(kafka);
              producer.disconnect().catch(() => {});
              if (connected) await current.connect().catch(() => {});
            }
            throw err;
          }
        };
      }
      if (prop === 'connect') {
        return async () => {
          connected = true;
          await current.connect();
        };
      }
      if (prop === 'disconnect') {
        return async () => {
          connected = false;
          await current.disconnect();
        };
      }
      const value = (current as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
  return wrapper;
}
