import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compress as snappyBlock } from 'snappy';
import {
  KafkaDecodeError,
  registerKafkaCodecs,
  snappyDecompress,
  UndecodableBatchError,
  undecodableCause,
} from './codecs';

interface TestCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const codecOf = (type: CompressionTypes): TestCodec =>
  (CompressionCodecs as unknown as Record<number, () => TestCodec>)[type]!();

const records = Buffer.from('cdp360 record batch '.repeat(5000));

/** The Java client's snappy framing (xerial snappy-java): magic, versions, then length-prefixed blocks. */
async function xerialFrame(data: Buffer, blockSize: number): Promise<Buffer> {
  const parts: Buffer[] = [Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1])];
  for (let at = 0; at < data.length; at += blockSize) {
    const block = await snappyBlock(data.subarray(at, at + blockSize));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

describe('Kafka codecs', () => {
  beforeAll(() => registerKafkaCodecs());

  it.each([
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
    ['gzip', CompressionTypes.GZIP],
  ])('%s round-trips a record buffer through kafkajs', async (_name, type) => {
    const codec = codecOf(type);
    const packed = await codec.compress({ buffer: records });
    expect(packed.length).toBeLessThan(records.length / 5);
    expect(await codec.decompress(packed)).toEqual(records);
  });

  it('snappy reads both the xerial framing (Java) and one raw block (librdkafka, ours)', async () => {
    expect(await snappyDecompress(await xerialFrame(records, 32 * 1024))).toEqual(records);
    expect(await snappyDecompress(await snappyBlock(records))).toEqual(records);
  });

  it('a corrupt batch fails as KafkaDecodeError, found behind the kafkajs crash', async () => {
    const lz4 = codecOf(CompressionTypes.LZ4);
    const err = await lz4.decompress(Buffer.from('not an lz4 frame')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaDecodeError);
    const crash = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNonRetriableError', cause: err });
    expect(undecodableCause(crash)).toBe(err);
    expect(undecodableCause(new Error('other'))).toBeNull();
    const missing = Object.assign(new Error('LZ4 compression not implemented'), { name: 'KafkaJSNotImplemented' });
    expect(undecodableCause({ name: 'KafkaJSNonRetriableError', originalError: missing })).toBe(missing);
  });

  it('the stall error names topic, partition, offset and the fix', () => {
    const cause = new Error('LZ4 compression not implemented');
    const one = new UndecodableBatchError(cause, [{ topic: 'cdp.purchases.v1', partition: 2, offset: '417' }]);
    expect(one.message).toContain(
      'cannot decode the record batch at cdp.purchases.v1 partition 2 offset 417: LZ4 compression not implemented',
    );
    expect(one.message).toContain('KAFKA_CODECS');
    expect(one.exitCode).toBe(3);
    const many = new UndecodableBatchError(
      cause,
      Array.from({ length: 7 }, (_, i) => ({ topic: 't', partition: i, offset: '0' })),
    );
    expect(many.message).toMatch(/at one of t partition 0 offset 0; .* and 2 more/);
  });
});
