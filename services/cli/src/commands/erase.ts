import { loadConfig } from '@cdp360/config';
import { INT4_MAX } from '@cdp360/domain';
import { openErasureRequests } from '@cdp360/serve';
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
      const transport = opts.transport ?? config.transport;
      if (opts.tombstone && transport === 'pubsub')
        throw new InvalidArgumentError('--tombstone needs Kafka (Pub/Sub topics are not compacted)');
      const { logger } = cliKafka(config, 'cdp-erase');
      const requests = openErasureRequests(config, logger, {
        transport: transport as 'kafka' | 'pubsub',
        prefix: opts.prefix,
        clientId: 'cdp-erase',
      });
      const unique = [...new Set(ids)];
      try {
        await requests.send({
          customerIds: unique,
          reason: opts.reason,
          requestedBy: opts.requestedBy,
          requestId: opts.requestId,
          tombstone: opts.tombstone,
        });
      } finally {
        await requests.close();
      }
      for (const id of unique) process.stdout.write(`requested  ${id}\n`);
    });
}
