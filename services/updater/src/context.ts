import { type Config, type Logger, loadTriggerRules } from '@cdp360/config';
import { createPool } from '@cdp360/postgres';
import { AggregateStore, connectRedis, type RedisClient, RedisKeys } from '@cdp360/redis';
import type { TriggerSink } from '@cdp360/trigger-outbox';
import type { Pool } from 'pg';
import { ProfilePipeline, type TombstoneSink } from './pipeline';
import type { DeadLetterSink } from './source';

export interface PipelineContext {
  db: Pool;
  redis: RedisClient;
  store: AggregateStore;
  pipeline: ProfilePipeline;
  close(): Promise<void>;
}

/** The Postgres pool, Redis client and pipeline of one process, whatever feeds it. */
export function openPipeline(options: {
  config: Config;
  logger: Logger;
  deadLetters: DeadLetterSink;
  /**
   * Personalization triggers: 'queue' evaluates and queues them in Postgres for an updater to send;
   * omitted: none are evaluated.
   */
  triggerSink?: TriggerSink | 'queue';
  redisNamespace?: string;
  applicationName: string;
  tombstones?: TombstoneSink;
  /** A DependencyWatch reports outages of Postgres and Redis: the clients log theirs at debug only. */
  watched?: boolean;
}): PipelineContext {
  const { config, logger } = options;
  const rules = options.triggerSink ? loadTriggerRules(config.triggersFile) : undefined;
  const db = createPool(config.databaseUrl, {
    applicationName: options.applicationName,
    max: 8,
    logger,
    quietIdleErrors: options.watched,
  });
  const redis = connectRedis(config, {
    connectionName: options.applicationName,
    logger: logger.child({ component: 'redis' }),
    quietOutages: options.watched,
  });
  const store = new AggregateStore(redis, new RedisKeys(options.redisNamespace));
  const pipeline = new ProfilePipeline({
    db,
    store,
    deadLetters: options.deadLetters,
    logger,
    asOf: config.asOf,
    tombstones: options.tombstones,
    triggers:
      options.triggerSink && rules
        ? { sink: options.triggerSink === 'queue' ? undefined : options.triggerSink, rules }
        : undefined,
  });
  return {
    db,
    redis,
    store,
    pipeline,
    close: async () => {
      await Promise.allSettled([db.end(), redis.quit()]);
    },
  };
}
