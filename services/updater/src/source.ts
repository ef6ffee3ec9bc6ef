import type { DecodeErrorCode, InputKind } from '@cdp360/domain';
import type { SourcePosition } from '@cdp360/redis';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/**
 * A message as any transport hands it to the pipeline. The pipeline never learns which broker it
 * came from; it only needs the bytes and a position.
 */
export interface SourceMessage {
  kind: InputKind;
  /** The actual topic name (with any deployment prefix). */
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, HeaderValue>;
  /**
   * The ordered stream the message belongs to (Kafka: `topic/partition`) and its sequence in it
   * (Kafka: the offset). `stream/seq` identifies the message: a redelivery has the same, a producer's
   * re-send of the same business id another.
   */
  stream: string;
  seq: number;
  /** Transport position details for dead-letter headers (Kafka: partition and offset). */
  partition: number;
  offset: string;
  /**
   * Set by transports without ordered offsets (Pub/Sub): the message id, unique in `stream`. The
   * message is then identified by `stream/messageId@seq` and guarded in Redis by a per-message marker
   * instead of the stream's watermark; `seq` is its publish time in microseconds (the log order for
   * latest-wins ties, and how long the marker must be kept).
   */
  messageId?: string;
}

/** The message's identity: the `src` of what it records, so a redelivery finds its own. */
export function sourceId(m: Pick<SourceMessage, 'stream' | 'seq' | 'messageId'>): string {
  return m.messageId === undefined ? `${m.stream}/${m.seq}` : `${m.stream}/${m.messageId}@${m.seq}`;
}

/** How the Redis apply of the message is guarded: a watermark per stream, or a marker per message. */
export function sourcePosition(m: Pick<SourceMessage, 'stream' | 'seq' | 'messageId'>): SourcePosition {
  return m.messageId === undefined
    ? { stream: m.stream, seq: m.seq }
    : { stream: m.stream, seq: m.seq, marker: sourceId(m) };
}

export interface Rejected {
  message: SourceMessage;
  code: DecodeErrorCode;
  reason: string;
}

/** Where rejected messages go, untouched, with the reason. Resolves once they are durable. */
export interface DeadLetterSink {
  send(rejected: readonly Rejected[]): Promise<void>;
}
