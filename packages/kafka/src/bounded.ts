/** A Kafka call did not finish within its bound. */
export class KafkaTimeoutError extends Error {
  readonly code = 'CDP_KAFKA_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what} did not finish within ${timeoutMs} ms`);
    this.name = 'KafkaTimeoutError';
  }
}

/**
 * Rejects with KafkaTimeoutError when `promise` has not settled after `timeoutMs`. kafkajs keeps
 * retrying some failures (an absent topic, a leader election) for minutes; the caller gets control back
 * in time (its Postgres transaction ends, its unit fails) and decides. A late result is ignored.
 */
export function bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaTimeoutError(what, timeoutMs)), timeoutMs);
  });
  promise.catch(() => {}); // a failure after the bound must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
