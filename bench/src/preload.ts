import { topicNames } from '@cdp360/domain';
import { generateEvents, type WireMessage } from '@cdp360/generator';
import { createIdempotentProducer, produceAll } from '@cdp360/kafka';
import type { Message } from 'kafkajs';
import type { BenchWorld } from './world';

/** Messages the generator makes per customer with its default mix (measured: 22.3 at 10k customers). */
export const MESSAGES_PER_CUSTOMER = 22.3;
/** Customer ids of generated data are spread over this key space. */
export const ID_SPACE = 1_000_000;

export function toKafkaMessage(m: WireMessage): Message {
  return { key: m.key, value: m.value, headers: m.headers };
}

/**
 * Generates about `events` messages (the realistic mix: reference records, facts, duplicates,
 * invalid messages) over a 1M-customer key space and produces them to the world's input topics.
 * Returns the number of messages produced per topic kind.
 */
export async function preload(
  world: BenchWorld,
  events: number,
  seed: number,
  zipf = 0,
): Promise<{ total: number; byKind: Record<string, number>; ms: number }> {
  const started = Date.now();
  const names = topicNames(world.prefix).inputs;
  const producer = createIdempotentProducer(world.kafka);
  await producer.connect();
  const byKind: Record<string, number> = {};
  let total = 0;
  try {
    const customers = Math.max(50, Math.round(events / MESSAGES_PER_CUSTOMER));
    const gen = generateEvents({ customers, idSpace: Math.max(ID_SPACE, customers), seed, batchSize: 5000, zipf });
    let inFlight: Promise<unknown> = Promise.resolve();
    for (const batch of gen) {
      const byTopic = new Map<string, Message[]>();
      for (const m of batch) {
        let list = byTopic.get(names[m.kind]);
        if (!list) {
          list = [];
          byTopic.set(names[m.kind], list);
        }
        list.push(toKafkaMessage(m));
        byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
      }
      total += batch.length;
      // Generating the next batch overlaps sending this one.
      await inFlight;
      inFlight = produceAll(producer, byTopic);
    }
    await inFlight;
  } finally {
    await producer.disconnect();
  }
  return { total, byKind, ms: Date.now() - started };
}
