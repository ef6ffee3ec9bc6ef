import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger, RedisClusterConfig, RedisTlsFiles } from '@cdp360/config';
import { Cluster, Redis } from 'ioredis';
import { defineScripts } from './scripts';
import { slotOf } from './shard-layout';

/** A standalone Redis connection or a Redis Cluster client: what every part of the system takes. */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}

export interface RedisClientOptions {
  connectionName?: string;
  /** CA and client certificate for a rediss:// URL (Config.redisTls). */
  tls?: RedisTlsFiles;
  /** Where connection errors go; without one they are dropped (never left unhandled). */
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Connection errors at debug only: the process reports outages itself (the updater's watch). */
  quietOutages?: boolean;
}

/**
 * The `tls` option of ioredis for `url`: undefined for redis:// (plaintext), the files' contents
 * for rediss:// (an empty object: the system's CAs).
 */
export function redisTlsOptions(url: string, files: RedisTlsFiles = {}): ConnectionOptions | undefined {
  if (!url.startsWith('rediss://')) return undefined;
  const tls: ConnectionOptions = {};
  if (files.caFile) tls.ca = readFileSync(files.caFile, 'utf8');
  if (files.certFile) tls.cert = readFileSync(files.certFile, 'utf8');
  if (files.keyFile) tls.key = readFileSync(files.keyFile, 'utf8');
  return tls;
}

/**
 * Without a listener ioredis prints "Unhandled error event" with a stack for every failed reconnect.
 * Commands in flight fail on their own; the log gets one warning per outage.
 */
function reportConnectionErrors(redis: RedisClient, logger: RedisClientOptions['logger'], quiet = false): void {
  let reported = quiet;
  redis.on('error', (err: Error) => {
    if (reported) {
      logger?.debug({ err: err.message }, 'redis connection error');
      return;
    }
    reported = true;
    logger?.warn({ err: err.message }, 'redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    reported = quiet;
  });
}

/** A Redis client for the updater: commands fail fast instead of queueing forever while disconnected. */
export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: options.connectionName ?? 'cdp360',
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    tls: redisTlsOptions(url, options.tls),
  });
  reportConnectionErrors(redis, options.logger, options.quietOutages);
  defineScripts(redis);
  return redis;
}

/**
 * A Redis Cluster client with the same fail-fast settings on every node. Reads and writes go to the
 * masters only (`scaleReads: 'master'`): a replica may lag, and the aggregates are read back to derive
 * rows.
 */
export function createRedisCluster(cluster: RedisClusterConfig, options: RedisClientOptions = {}): Cluster {
  const client = new Cluster(cluster.nodes, {
    scaleReads: 'master',
    enableOfflineQueue: true,
    clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    // A master that restarts keeps its connection object (and its place in the slot map) while it is
    // away, and the map is relearnt now and then even when nothing was redirected.
    clusterNodeRetryStrategy: (times) => Math.min(times * 100, 2000),
    slotsRefreshInterval: 5000,
    redisOptions: {
      connectionName: options.connectionName ?? 'cdp360',
      maxRetriesPerRequest: 3,
      username: cluster.username,
      password: cluster.password,
      tls: cluster.tls ? {} : undefined,
    },
  });
  reportConnectionErrors(client, options.logger, options.quietOutages);
  defineScripts(client);
  return client;
}

/** The client the configuration asks for: a cluster client when REDIS_CLUSTER_NODES is set. */
export function connectRedis(
  config: { redisUrl: string; redisCluster?: RedisClusterConfig | undefined; redisTls?: RedisTlsFiles },
  options: Omit<RedisClientOptions, 'tls'> = {},
): RedisClient {
  return config.redisCluster
    ? createRedisCluster(config.redisCluster, options)
    : createRedis(config.redisUrl, { ...options, tls: config.redisTls });
}

/**
 * The servers that hold data: the client itself when standalone, each master of a cluster (after the
 * client has learnt the slot map).
 */
export async function dataNodes(redis: RedisClient): Promise<Redis[]> {
  if (!isCluster(redis)) return [redis];
  if (redis.slots.length === 0 || redis.status !== 'ready') await redis.ping();
  return redis.nodes('master');
}

/** The node's address as the cluster's slot map names it. */
export function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/**
 * Deletes every key matching `pattern` (never a FLUSHALL: the server may be shared), scanning each
 * master of a cluster; `onlyNodes` limits it to some masters (addresses as in the slot map).
 */
export async function deleteKeys(redis: RedisClient, pattern: string, onlyNodes?: ReadonlySet<string>): Promise<void> {
  const cluster = isCluster(redis);
  for (const node of await dataNodes(redis)) {
    if (onlyNodes && !onlyNodes.has(nodeAddress(node))) continue;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (!cluster) {
        await node.unlink(...keys);
        continue;
      }
      // A command's keys must share a slot in a cluster: one UNLINK per slot, pipelined to this node.
      const bySlot = new Map<number, string[]>();
      for (const k of keys) {
        const s = slotOf(k);
        const list = bySlot.get(s);
        if (list) list.push(k);
        else bySlot.set(s, [k]);
      }
      const p = node.pipeline();
      for (const list of bySlot.values()) p.unlink(...list);
      for (const [err] of (await p.exec()) ?? []) if (err) throw err;
    } while (cursor !== '0');
  }
}
