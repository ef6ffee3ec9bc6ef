import { createLogger, loadConfig } from '@cdp360/config';
import { KAFKA_FETCH_BYTES_PER_PARTITION, KAFKA_UNIT_MESSAGES, missingNodeFlags, runUpdater } from '@cdp360/updater';
import type { Command } from 'commander';
import { checkServices, transportService } from '../startup-checks';
import { calendarDate, nonNegativeInt, positiveInt, transportName } from './arguments';
import { countersTable } from './counters-table';

export function registerUpdaterCommand(program: Command): void {
  program
    .command('updater')
    .description(
      'run the streaming profile updater: Kafka topics or Pub/Sub subscriptions -> Redis aggregates -> customer_360',
    )
    .option('--transport <name>', 'kafka or pubsub (default: CDP_TRANSPORT, else kafka)', transportName)
    .option(
      '--group <id>',
      'consumer group id; on Pub/Sub the subscriptions are <group>.<topic> (default: CDP_GROUP_ID, else cdp-updater)',
    )
    .option('--topic-prefix <prefix>', 'topic name prefix (default: CDP_TOPIC_PREFIX)')
    .option(
      '--as-of <date>',
      'fixed UTC date for the date-dependent columns (default: CDP_AS_OF, else today)',
      calendarDate,
    )
    .option(
      '--until-idle',
      'exit 0 once everything is consumed and committed (Kafka: the group lag is 0; Pub/Sub: nothing held, nothing received for the quiet period, nothing left to pull)',
    )
    .option('--redis-namespace <prefix>', 'prefix of every Redis key', 'cdp:')
    .option('--stats-interval <seconds>', 'how often to log the counters (0: never)', nonNegativeInt, 30)
    .option(
      '--max-unit-messages <n>',
      `messages per unit of work before it starts without lingering (default: Kafka ${KAFKA_UNIT_MESSAGES}, Pub/Sub 5000)`,
      positiveInt,
    )
    .option(
      '--max-bytes-per-partition <bytes>',
      'Kafka fetch size per partition',
      positiveInt,
      KAFKA_FETCH_BYTES_PER_PARTITION,
    )
    .option(
      '--ack-deadline <seconds>',
      'Pub/Sub: the lease the client asks for and keeps extending while a unit is held (10-600)',
      positiveInt,
      60,
    )
    .option(
      '--idle-quiet <seconds>',
      'Pub/Sub: quiet period before --until-idle may exit; above --ack-deadline to wait out leases of a crashed consumer',
      nonNegativeInt,
      2,
    )
    .action(
      async (opts: {
        group?: string;
        topicPrefix?: string;
        asOf?: string;
        untilIdle?: boolean;
        redisNamespace: string;
        statsInterval: number;
        maxUnitMessages?: number;
        maxBytesPerPartition: number;
        transport?: string;
        ackDeadline: number;
        idleQuiet: number;
      }) => {
        const env = { ...process.env };
        if (opts.group !== undefined) env.CDP_GROUP_ID = opts.group;
        if (opts.topicPrefix !== undefined) env.CDP_TOPIC_PREFIX = opts.topicPrefix;
        if (opts.asOf !== undefined) env.CDP_AS_OF = opts.asOf;
        if (opts.transport !== undefined) env.CDP_TRANSPORT = opts.transport;
        const config = loadConfig(env);
        await checkServices(config, ['postgres', 'redis', transportService(config.transport)]);
        const logger = createLogger({ level: config.logLevel, name: 'cdp-updater' });
        const missing = missingNodeFlags();
        if (missing.length > 0) {
          logger.info(
            { missing },
            'node was started without the flags cdp runs with (the cdp bin and the image pass them); the updater works, with about 10 % more CPU per event',
          );
        }
        const summary = await runUpdater({
          config,
          logger,
          untilIdle: opts.untilIdle,
          redisNamespace: opts.redisNamespace,
          statsIntervalMs: opts.statsInterval * 1000,
          handleSignals: true,
          maxUnitMessages: opts.maxUnitMessages,
          maxBytesPerPartition: opts.maxBytesPerPartition,
          pubsub: { ackDeadlineSeconds: opts.ackDeadline, idleQuietMs: opts.idleQuiet * 1000 },
        });
        process.stderr.write(
          `updater stopped (${summary.reason}) after ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.units} units\n${countersTable(summary.counters)}`,
        );
        // Everything is committed and closed. A send abandoned during a broker outage (its unit was
        // retried) may still be retrying inside kafkajs for minutes; it has nothing left to do, so it
        // must not keep the process from exiting.
        setTimeout(() => {
          logger.debug('exiting with background Kafka retries still pending');
          process.exit(0);
        }, 2_000).unref();
      },
    );
}
