import { Decoder as ZstdDecoder, Encoder as ZstdEncoder } from '@toondepauw/node-zstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';

/** What we produce with (KAFKA_COMPRESSION); every one of them is also read. */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The kafkajs compression type of a KAFKA_COMPRESSION value. */
export function compressionType(name: KafkaCompression): CompressionTypes {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}

/**
 * A record batch whose records could not be decompressed. kafkajs throws it from the fetch, so the
 * consumer learns of it as a crash; the transport names the partition and offset.
 */
export class KafkaDecodeError extends Error {
  readonly code = 'CDP_KAFKA_UNDECODABLE';
  constructor(
    readonly codec: string,
    cause: unknown,
  ) {
    super(
      `a ${codec} record batch could not be decompressed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'KafkaDecodeError';
  }
}

/**
 * The framing the Java client writes around snappy (xerial snappy-java's SnappyOutputStream): an
 * 8-byte magic, two int32 versions, then [int32 length][raw snappy block] chunks. Other producers
 * (librdkafka, kafkajs codecs) write one raw snappy block; both occur on the same topic.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export async function snappyDecompress(buffer: Buffer): Promise<Buffer> {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return (await snappyUncompress(buffer)) as Buffer;
  }
  const chunks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new RangeError(`xerial snappy chunk header cut off at byte ${at}`);
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > buffer.length) {
      throw new RangeError(`xerial snappy chunk of ${length} bytes at byte ${at} runs past the end (${buffer.length})`);
    }
    chunks.push((await snappyUncompress(buffer.subarray(at, at + length))) as Buffer);
    at += length;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** Raw snappy on produce: what librdkafka writes for record batches, and what the Java client reads. */
const snappyCodec: Codec = {
  compress: (encoder) => snappyCompress(encoder.buffer),
  decompress: snappyDecompress,
};

/** Kafka's lz4 for record batches v1+ is the standard LZ4 frame format (KIP-57). */
const lz4Codec: Codec = {
  compress: (encoder) => lz4CompressFrame(encoder.buffer),
  decompress: (buffer) => lz4DecompressFrame(buffer),
};

/** zstd frames; the Java client streams them, so the content size is often absent from the header. */
const ZSTD_LEVEL = 3; // the zstd and Java client default
const zstdCodec: Codec = {
  compress: (encoder) => new ZstdEncoder(ZSTD_LEVEL).encode(encoder.buffer),
  decompress: (buffer) => new ZstdDecoder().decode(buffer),
};

function guarded(codec: string, c: Codec): () => Codec {
  const wrapped: Codec = {
    compress: c.compress,
    decompress: async (buffer) => {
      try {
        return await c.decompress(buffer);
      } catch (err) {
        throw new KafkaDecodeError(codec, err);
      }
    },
  };
  return () => wrapped;
}

/**
 * Registers snappy, lz4 and zstd with kafkajs (gzip is built in), for every client of this process.
 * kafkajs keeps codecs in one module-level table, so this is process-wide and idempotent (createKafka
 * calls it). `only` leaves the codecs it does not name as kafkajs has them out of the box, i.e. not
 * implemented (KAFKA_CODECS: what a consumer without a codec does); a codec once registered stays.
 */
export function registerKafkaCodecs(only?: readonly KafkaCompression[]): void {
  const table = CompressionCodecs as unknown as Record<number, () => Codec>;
  const codecs: Array<[KafkaCompression, CompressionTypes, Codec]> = [
    ['snappy', CompressionTypes.Snappy, snappyCodec],
    ['lz4', CompressionTypes.LZ4, lz4Codec],
    ['zstd', CompressionTypes.ZSTD, zstdCodec],
  ];
  for (const [name, type, codec] of codecs) {
    if (only && !only.includes(name)) continue;
    table[type] = guarded(name, codec);
  }
}

/**
 * The decode failure behind a kafkajs consumer crash, or null for other crashes: one of our codecs
 * failing (KafkaDecodeError), or kafkajs lacking the batch's codec (KafkaJSNotImplemented).
 */
export function undecodableCause(err: unknown): Error | null {
  for (let e = err as { name?: string; cause?: unknown; originalError?: unknown } | undefined; e; ) {
    if (e instanceof KafkaDecodeError || e.name === 'KafkaJSNotImplemented') return e as Error;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return null;
}

/** The updater stopped at a record batch it cannot decode. */
export class UndecodableBatchError extends Error {
  readonly code = 'CDP_KAFKA_UNDECODABLE';
  readonly exitCode = 3;
  constructor(
    cause: Error,
    readonly at: readonly { topic: string; partition: number; offset: string }[],
  ) {
    const where =
      at.length === 0
        ? 'an input partition (the group offsets could not be read)'
        : at.length === 1
          ? `${at[0]!.topic} partition ${at[0]!.partition} offset ${at[0]!.offset}`
          : `one of ${at
              .slice(0, 5)
              .map((p) => `${p.topic} partition ${p.partition} offset ${p.offset}`)
              .join('; ')}${at.length > 5 ? ` and ${at.length - 5} more` : ''}`;
    super(
      `cannot decode the record batch at ${where}: ${cause.message}. Consuming stopped (retrying would fail the same way). Fix: make the codec available (snappy, lz4 and zstd are built in; check KAFKA_CODECS and that the optional native package of this platform is installed), or if the batch is corrupt, move the group past it with \`cdp replay --to <topic:partition:offset>\``,
    );
    this.name = 'UndecodableBatchError';
  }
}
