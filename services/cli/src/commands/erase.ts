import { randomUUID } from 'node:crypto';
import { loadConfig } from '@cdp360/config';
import { erasureRequestMessage, INT4_MAX, topicNames } from '@cdp360/domain';
import { Partitioners, sendTombstones } from '@cdp360/kafka';
import { createPubSub, orderedTopic, publishKeyed } from '@cdp360/pubsub';
import { type Command, InvalidArgumentError } from 'commander';
import { transportName } from './arguments';
import { cliKafka } from './topics';

function customerId(value: string, previous: number[] = []): number[] {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > INT4_MAX) {
    throw new InvalidArgumentError(`expected customer ids 1..${INT4_MAX}, got ${JSON.stringify(value)}`);
  }
  return [...previous, Number(value)];
}

function boundedText(max: number) {
  return (value: string): string => {
    if ([...value].length > max) throw new InvalidArgumentError(`expected at most ${max} characters`);
    return value;
  };
}

interface EraseOptions {
  reason?: string;
  requestedBy?: string;
  requestId?: string;
  tombstone?: boolean;
  transport?: string;
  prefix?: string;
}

/**
 * `cdp erase`: sends one erasure request per customer to the erasure-requests topic, where the
 * updater applies it like any event (exactly once in effect, by its CloudEvents id). With
 * --tombstone, also writes a tombstone for each customer's key on the customers topic (Kafka).
 */
export function registerEraseCommand(program: Command): void {
  program
    .command('erase')
    .description(
      'erase customers: their facts, record, Redis state and customer_360 row are deleted, and anything of theirs that arrives later is suppressed (the updater applies the request)',
    )
    .argument('<customer_id...>', 'customer ids', (v: string, prev?: number[]) => customerId(v, prev))
    .option(
      '--reason <text>',
      'why (kept in the audit table: no personal data; at most 256 characters)',
      boundedText(256),
    )
    .option('--requested-by <who>', 'who asked (a ticket or operator id; at most 128 characters)', boundedText(128))
    .option(
      '--request-id <id>',
      'request id (the CloudEvents id is <id>:<customer_id>; send again with the same id and nothing changes); default: a new UUID',
      boundedText(100),
    )
    .option('--tombstone', 'Kafka: also write a tombstone for each customer on the customers topic')
    .option('--transport <name>', 'kafka or pubsub (default: CDP_TRANSPORT, else kafka)', transportName)
    .option('--prefix <prefix>', 'topic name prefix (default: CDP_TOPIC_PREFIX)')
    .action(async (ids: number[], opts: EraseOptions) => {
      const config = loadConfig();
      const names = topicNames(opts.prefix ?? config.topicPrefix);
      const topic = names.inputs.erasure_request;
      const base = opts.requestId ?? randomUUID();
      const now = new Date();
      const messages = [...new Set(ids)].map((id) =>
        erasureRequestMessage({
          customerId: id,
          requestId: `${base}:${id}`,
          reason: opts.reason,
          requestedBy: opts.requestedBy,
          time: now,
        }),
      );
      if ((opts.transport ?? config.transport) === 'pubsub') {
        if (opts.tombstone)
          throw new InvalidArgumentError('--tombstone needs Kafka (Pub/Sub topics are not compacted)');
        const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
        try {
          await publishKeyed(
            orderedTopic(pubsub, topic),
            messages.map((m) => ({ orderingKey: m.key, data: m.value })),
          );
        } finally {
          await pubsub.close();
        }
      } else {
        const { kafka } = cliKafka(config, 'cdp-erase');
        const producer = kafka.producer({
          allowAutoTopicCreation: false,
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await producer.connect();
        try {
          await producer.send({ topic, acks: -1, messages });
          if (opts.tombstone) await sendTombstones(producer, names.inputs.customer, [...new Set(ids)]);
        } finally {
          await producer.disconnect();
        }
      }
      for (const m of messages) process.stdout.write(`requested  ${m.key}\n`);
    });
}
