import { type Config, createLogger, type Logger, loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { cdpTopicSpecs, createKafka, ensureTopics, listTopics } from '@cdp360/kafka';
import { createPubSub, ensureTopology } from '@cdp360/pubsub';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { checkServices, transportService } from '../startup-checks';
import { transportName } from './arguments';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/**
 * The CLI's logger writes to stderr so stdout stays for the command's output; kafkajs chatter is
 * kept to warnings unless LOG_LEVEL asks for more.
 */
export function cliKafka(config: Config, clientId: string): { kafka: ReturnType<typeof createKafka>; logger: Logger } {
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  const logger = createLogger({ level, name: 'cdp', destination: pino.destination(2) });
  return { kafka: createKafka({ ...config.kafka, clientId, logger }), logger };
}

export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('topics of the event contract (Kafka or Pub/Sub)');

  topics
    .command('create')
    .description(
      "create the missing input, trigger and dead-letter topics, and on Pub/Sub the group's subscriptions (existing ones are left alone)",
    )
    .option('--transport <name>', 'kafka or pubsub (default: CDP_TRANSPORT, else kafka)', transportName)
    .option('--partitions <n>', 'Kafka: partitions of each created topic', positiveInt, 3)
    .option('--prefix <prefix>', 'topic name prefix (default: CDP_TOPIC_PREFIX)')
    .option('--group <id>', 'Pub/Sub: the group whose subscriptions <group>.<topic> to create (default: CDP_GROUP_ID)')
    .option('--ack-deadline <seconds>', 'Pub/Sub: ack deadline of created subscriptions (10-600)', positiveInt, 60)
    .option(
      '--dead-letter-retention-days <days>',
      'Kafka: how long the created dead-letter topic keeps messages (default: CDP_DEAD_LETTER_RETENTION_DAYS, else 7)',
      positiveInt,
    )
    .action(
      async (opts: {
        partitions: number;
        prefix?: string;
        transport?: 'kafka' | 'pubsub';
        group?: string;
        ackDeadline: number;
        deadLetterRetentionDays?: number;
      }) => {
        const config = loadConfig();
        const prefix = opts.prefix ?? config.topicPrefix;
        const transport = opts.transport ?? config.transport;
        await checkServices(config, [transportService(transport)]);
        if (transport === 'pubsub') {
          const names = topicNames(prefix);
          const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
          try {
            const result = await ensureTopology(pubsub, {
              inputTopics: Object.values(names.inputs),
              outputTopics: [names.deadLetter, names.profileTriggers],
              groupId: opts.group ?? config.groupId,
              ackDeadlineSeconds: opts.ackDeadline,
            });
            for (const name of result.created) process.stdout.write(`created  ${name}\n`);
            for (const name of result.existing) process.stdout.write(`exists   ${name}\n`);
          } finally {
            await pubsub.close();
          }
          return;
        }
        const { kafka } = cliKafka(config, 'cdp-topics');
        const admin = kafka.admin();
        await admin.connect();
        try {
          const days = opts.deadLetterRetentionDays ?? config.erasure.deadLetterRetentionDays;
          const result = await ensureTopics(admin, {
            topics: cdpTopicSpecs(prefix, days * 24 * 60 * 60 * 1000),
            partitions: opts.partitions,
          });
          for (const name of result.created) process.stdout.write(`created  ${name}\n`);
          for (const name of result.existing) process.stdout.write(`exists   ${name}\n`);
        } finally {
          await admin.disconnect();
        }
      },
    );

  topics
    .command('list')
    .description('list topics with their partition counts')
    .option('--prefix <prefix>', 'only topics starting with this prefix (default: CDP_TOPIC_PREFIX)')
    .action(async (opts: { prefix?: string }) => {
      const config = loadConfig();
      await checkServices(config, ['kafka']);
      const { kafka } = cliKafka(config, 'cdp-topics');
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const t of await listTopics(admin, opts.prefix ?? config.topicPrefix)) {
          process.stdout.write(`${t.name}\t${t.partitions}\n`);
        }
      } finally {
        await admin.disconnect();
      }
    });
}
