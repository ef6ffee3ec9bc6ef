import { Redis } from 'ioredis';
import { defineScripts } from './scripts';

/** A Redis client for the updater: commands fail fast instead of queueing forever while disconnected. */
export function createRedis(url: string, options: { connectionName?: string } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: options.connectionName ?? 'cdp360',
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  defineScripts(redis);
  return redis;
}
