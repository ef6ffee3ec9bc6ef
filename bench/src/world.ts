import { randomBytes } from 'node:crypto';
import { type Config, createLogger, type Logger, loadConfig } from '@cdp360/config';
import { cdpTopicSpecs, createKafka, ensureTopics } from '@cdp360/kafka';
import { createPool, migrate } from '@cdp360/postgres';
import type { Kafka } from 'kafkajs';
import pg from 'pg';

/**
 * An isolated world for one benchmark run on the shared local stack: its own database (created with
 * a random name, migrated, dropped after), topic prefix, consumer group and Redis key namespace, so a
 * run never touches anyone else's data and never needs a FLUSHALL.
 */
export interface BenchWorld {
  id: string;
  database: string;
  databaseUrl: string;
  pool: pg.Pool;
  prefix: string;
  group: string;
  redisNamespace: string;
  config: Config;
  kafka: Kafka;
  logger: Logger;
  /** Environment for a child `cdp` process in this world. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostOf(hostPort: string): string {
  const i = hostPort.lastIndexOf(':');
  return i < 0 ? hostPort : hostPort.slice(0, i);
}

/** Benchmarks create and drop databases and topics: only ever against a stack on this machine. */
export function assertLoopback(config: Config): void {
  const hosts = [
    ...config.kafka.brokers.map(hostOf),
    new URL(config.databaseUrl).hostname,
    ...(config.redisCluster ? config.redisCluster.nodes.map((n) => n.host) : [new URL(config.redisUrl).hostname]),
  ];
  const remote = hosts.filter((h) => !LOOPBACK.has(h));
  if (remote.length > 0) {
    throw new Error(`benchmarks run only against a local stack; not loopback: ${remote.join(', ')}`);
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'cdp-bench-admin' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createWorld(options: { partitions?: number; asOf?: string; logLevel?: string } = {}) {
  const base = loadConfig(process.env);
  assertLoopback(base);
  const id = randomBytes(4).toString('hex');
  const database = `cdp_bench_${id}`;
  const url = new URL(base.databaseUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  // The name is built here from hex digits only, so it is safe in the statement (no parameters there).
  await adminQuery(base.databaseUrl, `CREATE DATABASE ${database}`);
  const pool = createPool(databaseUrl, { applicationName: 'cdp-bench', max: 4 });
  const prefix = `bench${id}.`;
  const group = `cdp-bench-${id}`;
  const redisNamespace = `bench${id}:`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    CDP_TOPIC_PREFIX: prefix,
    CDP_GROUP_ID: group,
    CDP_AS_OF: options.asOf ?? '2026-07-01',
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'cdp-bench' });
  const kafka = createKafka({ ...config.kafka, clientId: `cdp-bench-${id}`, logger });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const admin = kafka.admin();
    try {
      await admin.connect();
      const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (ours.length > 0) await admin.deleteTopics({ topics: ours });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(group));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    } finally {
      await admin.disconnect();
    }
    await pool.end();
    await adminQuery(base.databaseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  };
  try {
    await migrate(pool);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, { topics: cdpTopicSpecs(prefix), partitions: options.partitions ?? 3 });
    } finally {
      await admin.disconnect();
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const world: BenchWorld = {
    id,
    database,
    databaseUrl,
    pool,
    prefix,
    group,
    redisNamespace,
    config,
    kafka,
    logger,
    env,
    close,
  };
  return world;
}

/** Deletes every Redis key of the namespace (never a FLUSHALL: the server is shared). */
export async function dropNamespace(config: Config, namespace: string): Promise<void> {
  const { connectRedis, deleteKeys } = await import('@cdp360/redis');
  const redis = connectRedis(config, { connectionName: 'cdp-bench-cleanup' });
  try {
    await deleteKeys(redis, `${namespace}*`);
  } finally {
    await redis.quit();
  }
}
