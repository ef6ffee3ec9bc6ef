import type { DecodeErrorCode, InputKind } from '@cdp360/domain';

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
}

export function sourceId(m: Pick<SourceMessage, 'stream' | 'seq'>): string {
  return `${m.stream}/${m.seq}`;
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
