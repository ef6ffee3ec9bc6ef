import { createLogger } from '@cdp360/config';
import { Kafka } from 'kafkajs';
import { UpdaterEvents } from '../instrumentation';
import type { ProfilePipeline } from '../pipeline';
import type { SourceMessage } from '../source';
import { KafkaSource } from './kafka-source';

interface Batch {
  topic: string;
  partition: number;
  messages: SourceMessage[];
  lastOffset: string;
}

function batch(topic: string, partition: number, offsets: number[]): Batch {
  const stream = `${topic}/${partition}`;
  const messages = offsets.map(
    (o): SourceMessage => ({
      kind: 'web_session',
      topic,
      key: null,
      value: null,
      headers: {},
      stream,
      seq: o,
      position: { kind: 'kafka', partition, offset: String(o) },
    }),
  );
  return { topic, partition, messages, lastOffset: String(offsets[offsets.length - 1]) };
}

/** The source's choice of a unit's messages, with the last offsets it completed per stream. */
function sourceWith(completed: Record<string, number>) {
  // Nothing connects: kafkajs opens connections only when the consumer starts.
  const kafka = new Kafka({ clientId: 'unit', brokers: ['127.0.0.1:1'], logCreator: () => () => {} });
  const pipeline = { events: new UpdaterEvents() } as unknown as ProfilePipeline;
  const source = new KafkaSource(kafka, pipeline, createLogger({ level: 'silent', name: 'unit' }), {
    groupId: 'g',
    topicPrefix: '',
  });
  const internals = source as unknown as {
    completed: Map<string, number>;
    notYetApplied(batches: readonly Batch[]): SourceMessage[];
  };
  for (const [stream, offset] of Object.entries(completed)) internals.completed.set(stream, offset);
  return (batches: Batch[]) => internals.notYetApplied(batches).map((m) => `${m.stream}@${m.seq}`);
}

describe('a unit takes each position once, and none this process completed', () => {
  it('keeps every message of partitions with one batch each', () => {
    const take = sourceWith({});
    expect(take([batch('a', 0, [1, 2]), batch('a', 1, [1]), batch('b', 0, [7])])).toEqual([
      'a/0@1',
      'a/0@2',
      'a/1@1',
      'b/0@7',
    ]);
  });

  it('drops what a completed unit took, per partition', () => {
    const take = sourceWith({ 'a/0': 2, 'a/1': 0 });
    expect(take([batch('a', 0, [1, 2, 3]), batch('a', 1, [1, 2])])).toEqual(['a/0@3', 'a/1@1', 'a/1@2']);
  });

  it('takes a partition fetched twice into one unit once, in its first order', () => {
    const take = sourceWith({ 'a/0': 1 });
    expect(take([batch('a', 0, [1, 2, 3]), batch('a', 1, [5]), batch('a', 0, [2, 3, 4])])).toEqual([
      'a/0@2',
      'a/0@3',
      'a/1@5',
      'a/0@4',
    ]);
    // Nothing of that unit's bookkeeping is left for the next one.
    expect(take([batch('a', 0, [2, 3]), batch('a', 0, [3])])).toEqual(['a/0@2', 'a/0@3']);
  });
});
