import type { IHeaders, Producer } from 'kafkajs';
import { type BoundedSendOptions, sendBounded } from './produce';

/** A rejected message with where it came from and why. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  /** Stable reason code, e.g. `invalid_payload`. */
  code: string;
  /** Human-readable reason. */
  reason: string;
}

/** Headers added to a dead-lettered message; the original headers are kept as they were. */
export const DEAD_LETTER_HEADERS = {
  sourceTopic: 'cdp-dlq-source-topic',
  sourcePartition: 'cdp-dlq-source-partition',
  sourceOffset: 'cdp-dlq-source-offset',
  code: 'cdp-dlq-code',
  reason: 'cdp-dlq-reason',
} as const;

/**
 * Sends rejected messages, key and value byte for byte, to the dead-letter topic and resolves once
 * every replica in sync has them (acks = -1), so the source offsets can be committed after. Without
 * options it waits as long as kafkajs retries; with them, at most `timeoutMs` (see sendBounded).
 */
export async function sendDeadLetters(
  producer: Producer,
  topic: string,
  letters: readonly DeadLetter[],
  options: BoundedSendOptions = { timeoutMs: 5 * 60_000 },
): Promise<void> {
  if (letters.length === 0) return;
  await sendBounded(
    producer,
    {
      topic,
      messages: letters.map((l) => ({
        key: l.key,
        value: l.value,
        headers: {
          ...l.headers,
          [DEAD_LETTER_HEADERS.sourceTopic]: l.sourceTopic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(l.sourcePartition),
          [DEAD_LETTER_HEADERS.sourceOffset]: l.sourceOffset,
          [DEAD_LETTER_HEADERS.code]: l.code,
          [DEAD_LETTER_HEADERS.reason]: l.reason,
        },
      })),
    },
    options,
  );
}

/**
 * Writes a tombstone (the key, a null value) for each customer on the customers topic and resolves
 * once every replica in sync has them: a compacted copy of the topic then drops their records.
 */
export async function sendTombstones(
  producer: Producer,
  topic: string,
  customerIds: readonly number[],
  options: BoundedSendOptions = { timeoutMs: 5 * 60_000 },
): Promise<void> {
  if (customerIds.length === 0) return;
  await sendBounded(
    producer,
    { topic, messages: customerIds.map((id) => ({ key: String(id), value: null })) },
    options,
  );
}
