import { type Config, createLogger, type Logger } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { createKafka } from '@cdp360/kafka';
import { openPipeline } from './context';
import { groupLag } from './kafka/group-lag';
import { KafkaDeadLetterSink, KafkaSource, KafkaTriggerSink } from './kafka/kafka-source';
import type { Counters } from './stats';

export interface UpdaterOptions {
  config: Config;
  logger?: Logger;
  /** Exit once the group has committed every message of every input partition. */
  untilIdle?: boolean;
  /** Redis key namespace (tests isolate themselves with a random one). */
  redisNamespace?: string;
  /** How often the counters are logged, ms (0: never). */
  statsIntervalMs?: number;
  /** Resolves to stop the updater gracefully (besides SIGTERM/SIGINT when handleSignals). */
  stopSignal?: Promise<unknown>;
  handleSignals?: boolean;
  maxUnitMessages?: number;
  /** kafkajs fetch size per partition, bytes (small values make many small units: tests). */
  maxBytesPerPartition?: number;
}

export interface UpdaterSummary {
  counters: Counters;
  units: number;
  durationMs: number;
  reason: 'idle' | 'signal' | 'stopped';
}

const IDLE_POLL_MS = 250;
const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Runs the streaming profile updater on Kafka until idle (with untilIdle), a signal, or stopSignal.
 * Shutdown finishes the unit in progress, commits its offsets and leaves the group.
 */
export async function runUpdater(options: UpdaterOptions): Promise<UpdaterSummary> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'cdp-updater' });
  const started = Date.now();
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: 'cdp-updater', logger });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  const names = topicNames(config.topicPrefix);
  const ctx = openPipeline({
    config,
    logger,
    deadLetters: new KafkaDeadLetterSink(producer, names.deadLetter),
    triggerSink: new KafkaTriggerSink(producer, names.profileTriggers),
    redisNamespace: options.redisNamespace,
    applicationName: 'cdp-updater',
  });
  const { pipeline } = ctx;
  const source = new KafkaSource(kafka, pipeline, logger, {
    groupId: config.groupId,
    topicPrefix: config.topicPrefix,
    maxUnitMessages: options.maxUnitMessages,
    maxBytesPerPartition: options.maxBytesPerPartition,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
  });

  let stopRequested: (reason: UpdaterSummary['reason']) => void = () => {};
  const stopped = new Promise<UpdaterSummary['reason']>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    stopRequested('signal');
  };
  if (options.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  options.stopSignal?.then(() => stopRequested('stopped'));

  let statsTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.all([producer.connect(), admin.connect()]);
    await pipeline.start();
    logger.info(
      { group: config.groupId, topics: source.topics, catalog: pipeline.catalogSize, asOf: pipeline.asOfDate() },
      'updater started',
    );
    await source.start();
    const interval = options.statsIntervalMs ?? 30_000;
    if (interval > 0) {
      statsTimer = setInterval(() => logger.info({ counters: source.counters.totals() }, 'progress'), interval);
    }
    if (options.untilIdle) {
      const poll = async () => {
        try {
          if (!source.busy && Date.now() - source.lastActivity >= IDLE_POLL_MS) {
            const { lag } = await groupLag(admin, config.groupId, source.topics);
            if (lag === 0 && !source.busy) {
              stopRequested('idle');
              return;
            }
          }
        } catch (err) {
          logger.warn({ err }, 'could not read the group lag; trying again');
        }
        idleTimer = setTimeout(poll, IDLE_POLL_MS);
      };
      idleTimer = setTimeout(poll, IDLE_POLL_MS);
    }
    const reason = await stopped;
    return await finish(reason);
  } catch (err) {
    await shutdown().catch(() => {});
    throw err;
  }

  async function shutdown(): Promise<void> {
    clearInterval(statsTimer);
    clearTimeout(idleTimer);
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    // Disconnecting the consumer waits for the unit in progress (and its commit), then leaves the group.
    await source.stop().catch((err) => logger.warn({ err }, 'consumer disconnect failed'));
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    await ctx.close();
    clearTimeout(deadline);
  }

  async function finish(reason: UpdaterSummary['reason']): Promise<UpdaterSummary> {
    await shutdown();
    const summary = { counters: source.counters, units: source.units, durationMs: Date.now() - started, reason };
    logger.info(
      { reason, units: summary.units, counters: source.counters.toJSON(), durationMs: summary.durationMs },
      'updater stopped',
    );
    return summary;
  }
}
