import { type Config, createLogger, type Logger } from '@cdp360/config';
import { createRegistry, type MetricsServer, startMetricsServer } from '@cdp360/metrics';
import { isCluster, type RedisClient } from '@cdp360/redis';
import { openPipeline } from './context';
import { DependencyWatch } from './dependency-watch';
import { KafkaTransport } from './kafka/kafka-transport';
import { instrumentUpdater } from './metrics';
import { PubSubTransport, type PubSubTransportOptions } from './pubsub/pubsub-transport';
import type { Counters } from './stats';
import type { Transport } from './transport';

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
  /** Pub/Sub tuning (config.transport = pubsub): leases, flow control, idle quiet period, test hooks. */
  pubsub?: PubSubTransportOptions;
}

export interface UpdaterSummary {
  counters: Counters;
  units: number;
  durationMs: number;
  reason: 'idle' | 'signal' | 'stopped';
}

const IDLE_POLL_MS = 250;
const SHUTDOWN_DEADLINE_MS = 10_000;
const OUTBOX_POLL_MS = 5_000;

/** The broker adapter config.transport names. */
export function createTransport(options: UpdaterOptions, logger: Logger): Transport {
  const { config } = options;
  if (config.transport === 'pubsub') {
    return new PubSubTransport(config, logger, { maxUnitMessages: options.maxUnitMessages, ...options.pubsub });
  }
  return new KafkaTransport(config, logger, {
    maxUnitMessages: options.maxUnitMessages,
    maxBytesPerPartition: options.maxBytesPerPartition,
  });
}

/**
 * Runs the streaming profile updater on the configured transport (Kafka or Pub/Sub) until idle (with
 * untilIdle), a signal, or stopSignal. Shutdown finishes the unit in progress, commits its positions
 * (offsets, acks) and leaves.
 */
export async function runUpdater(options: UpdaterOptions): Promise<UpdaterSummary> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'cdp-updater' });
  const started = Date.now();
  const source = createTransport(options, logger);
  const ctx = openPipeline({
    config,
    logger,
    deadLetters: source.deadLetters,
    triggerSink: source.triggers,
    tombstones: source.tombstones,
    redisNamespace: options.redisNamespace,
    applicationName: 'cdp-updater',
    watched: true,
  });
  const { pipeline } = ctx;
  // Postgres and Redis lost while running: readiness and one log line per outage and recovery; failed
  // units wait for the service instead of being retried into the outage. Redis is asked on a connection
  // of the watch's own: on the updater's, a PING waits behind the unit's pipelines, and over a slow
  // link that wait would read as an outage.
  const probeRedis: RedisClient = isCluster(ctx.redis) ? ctx.redis.duplicate() : ctx.redis.duplicate();
  probeRedis.on('error', () => {}); // its outages are the watch's to report
  const watch = new DependencyWatch(
    { db: ctx.db, redis: probeRedis, kafka: source.probe ? () => source.probe!() : undefined },
    pipeline.events,
    logger,
  );
  source.watch = watch;

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
  let failure: Error | null = null;
  source.failed?.then((err) => {
    failure = err;
    stopRequested('stopped');
  });

  let metrics: MetricsServer | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let outboxTimer: NodeJS.Timeout | undefined;
  try {
    if (config.metricsPort !== undefined) {
      const registry = createRegistry('updater');
      const ready = instrumentUpdater(registry, pipeline.events);
      metrics = await startMetricsServer({ port: config.metricsPort, registry, ready });
      logger.info({ metricsPort: metrics.port }, 'metrics on /metrics, /healthz, /readyz');
    }
    await source.connect();
    await pipeline.start();
    logger.info({ ...source.describe(), catalog: pipeline.catalogSize, asOf: pipeline.asOfDate() }, 'updater started');
    watch.start();
    await source.start(pipeline);
    // Triggers queued without a unit of this updater (by the scorer, a rebuild, or an updater that
    // crashed before publishing) go out within a few seconds.
    outboxTimer = setInterval(() => {
      if (watch.down.length > 0) return; // they wait in Postgres until it is back
      pipeline.publishTriggers().catch(async (err) => {
        if (!(await watch.explains(err))) logger.warn({ err }, 'publishing queued triggers failed');
      });
    }, OUTBOX_POLL_MS);
    const interval = options.statsIntervalMs ?? 30_000;
    if (interval > 0) {
      statsTimer = setInterval(() => logger.info({ counters: source.counters.totals() }, 'progress'), interval);
    }
    if (options.untilIdle) {
      const poll = async () => {
        try {
          if (await source.idle()) {
            stopRequested('idle');
            return;
          }
        } catch (err) {
          logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'could not tell whether the source is idle; trying again',
          );
        }
        idleTimer = setTimeout(poll, IDLE_POLL_MS);
      };
      idleTimer = setTimeout(poll, IDLE_POLL_MS);
    }
    const reason = await stopped;
    if (failure) throw failure;
    return await finish(reason);
  } catch (err) {
    await shutdown().catch(() => {});
    throw err;
  }

  async function shutdown(): Promise<void> {
    pipeline.events.setState({ stopping: true });
    clearInterval(statsTimer);
    clearTimeout(idleTimer);
    clearInterval(outboxTimer);
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    // Stopping waits for the unit in progress (and its commit), then leaves.
    watch.stop();
    probeRedis.disconnect();
    await source.stop().catch((err) => logger.warn({ err }, 'stopping the source failed'));
    await source.close();
    await ctx.close();
    await metrics?.close();
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
