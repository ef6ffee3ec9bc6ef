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
  /** Where the message sits in its source, in that source's own terms (dead-letter headers). */
  position: MessagePosition;
}

/**
 * A message's place in its source, as each source really has it: nothing is filled in for what a
 * source lacks (Pub/Sub has no partition or offset, a file no offset).
 */
export type MessagePosition =
  /** Kafka: stream = `topic/partition`, seq = the offset. */
  | { kind: 'kafka'; partition: number; offset: string }
  /**
   * Pub/Sub, which has no ordered offsets: the message id, unique in `stream` (`pubsub:<topic>`) and
   * kept on redelivery and after a seek. The message is identified by `stream/messageId@seq` and
   * guarded in Redis by a per-message marker instead of the stream's watermark; `seq` is its publish
   * time in microseconds (the log order for latest-wins ties, and how long the marker must be kept).
   */
  | { kind: 'pubsub'; messageId: string }
  /** An NDJSON directory: the message's line among its topic's messages (= seq, 1-based). */
  | { kind: 'file'; line: number };

/** The message's identity: the `src` of what it records, so a redelivery finds its own. */
export function sourceId(m: Pick<SourceMessage, 'stream' | 'seq' | 'position'>): string {
  const p = m.position;
  return p.kind === 'pubsub' ? `${m.stream}/${p.messageId}@${m.seq}` : `${m.stream}/${m.seq}`;
}

/** How the Redis apply of the message is guarded: a watermark per stream, or a marker per message. */
export function sourcePosition(m: Pick<SourceMessage, 'stream' | 'seq' | 'position'>): SourcePosition {
  return m.position.kind === 'pubsub'
    ? { stream: m.stream, seq: m.seq, marker: sourceId(m) }
    : { stream: m.stream, seq: m.seq };
}

/**
 * Why a message went to the dead-letter topic: a decode code, or `database_rejected` when Postgres
 * refused what it carries (a constraint, a trigger; the reason gives the SQLSTATE).
 */
export type DeadLetterCode = DecodeErrorCode | 'database_rejected';

export interface Rejected {
  message: SourceMessage;
  code: DeadLetterCode;
  reason: string;
}

/** Where rejected messages go, untouched, with the reason. Resolves once they are durable. */
export interface DeadLetterSink {
  send(rejected: readonly Rejected[]): Promise<void>;
}
