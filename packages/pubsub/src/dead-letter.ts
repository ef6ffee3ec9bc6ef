import type { Topic } from '@google-cloud/pubsub';
import { type KeyedMessage, publishKeyed } from './publish';

/** A rejected Pub/Sub message with where it came from and why. */
export interface PubSubDeadLetter {
  orderingKey: string | null;
  data: Buffer;
  attributes: Record<string, string>;
  sourceTopic: string;
  sourceSubscription: string;
  sourceMessageId: string;
  /** Stable reason code, e.g. `invalid_payload`. */
  code: string;
  /** Human-readable reason. */
  reason: string;
}

/** Attributes added to a dead-lettered message; the original attributes are kept as they were. */
export const DEAD_LETTER_ATTRIBUTES = {
  sourceTopic: 'cdp-dlq-source-topic',
  sourceSubscription: 'cdp-dlq-source-subscription',
  sourceMessageId: 'cdp-dlq-source-message-id',
  code: 'cdp-dlq-code',
  reason: 'cdp-dlq-reason',
} as const;

/** Pub/Sub attribute values are limited to 1,024 bytes. */
const MAX_ATTRIBUTE_BYTES = 1024;

function clip(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_ATTRIBUTE_BYTES) return text;
  let s = text.slice(0, MAX_ATTRIBUTE_BYTES);
  while (Buffer.byteLength(s, 'utf8') > MAX_ATTRIBUTE_BYTES - 3) s = s.slice(0, -1);
  return `${s}...`;
}

/**
 * Publishes rejected messages, data byte for byte and with their ordering key, to the dead-letter
 * topic; resolves once the service stored them all, so the originals may be acknowledged after.
 */
export async function publishDeadLetters(topic: Topic, letters: readonly PubSubDeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const messages: KeyedMessage[] = letters.map((l) => ({
    orderingKey: l.orderingKey,
    data: l.data,
    attributes: {
      ...l.attributes,
      [DEAD_LETTER_ATTRIBUTES.sourceTopic]: l.sourceTopic,
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: l.sourceSubscription,
      [DEAD_LETTER_ATTRIBUTES.sourceMessageId]: l.sourceMessageId,
      [DEAD_LETTER_ATTRIBUTES.code]: l.code,
      [DEAD_LETTER_ATTRIBUTES.reason]: clip(l.reason),
    },
  }));
  await publishKeyed(topic, messages);
}
