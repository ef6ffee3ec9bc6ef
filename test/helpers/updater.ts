import { randomBytes } from 'node:crypto';
import { type Config, createLogger, loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { type GeneratorOptions, generateEvents, type Manifest, type WireMessage } from '@cdp360/generator';
import { cdpTopicSpecs, createIdempotentProducer, createKafka, ensureTopics, produceAll } from '@cdp360/kafka';
import { batchIntoTable, type Customer360Diff, diffCustomer360 } from '@cdp360/postgres';
import { runUpdater, type UpdaterSummary } from '@cdp360/updater';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { createTestDatabase, type TestDatabase } from './database';

export const quietLogger = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });

/** An isolated world for one updater scenario: its own database, topics, consumer group and Redis keys. */
export interface Scenario {
  db: TestDatabase;
  prefix: string;
  group: string;
  redisNamespace: string;
  config: Config;
  kafka: Kafka;
  asOf: string;
  /** Environment for a child `cdp` process in this scenario. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** What every scenario has, whatever the transport: ids, a database of its own, the child environment. */
export type ScenarioBase = Pick<Scenario, 'db' | 'prefix' | 'group' | 'redisNamespace' | 'config' | 'asOf' | 'env'> & {
  id: string;
};

/** A random id, a fresh migrated database, and the environment (and config) a `cdp` child runs with. */
export async function scenarioBase(asOf = '2026-07-01', extraEnv: Record<string, string> = {}): Promise<ScenarioBase> {
  const id = randomBytes(4).toString('hex');
  const prefix = `t${id}.`;
  const group = `cdp-test-${id}`;
  const db = await createTestDatabase();
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    CDP_TOPIC_PREFIX: prefix,
    CDP_GROUP_ID: group,
    CDP_AS_OF: asOf,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...extraEnv,
  };
  return { id, db, prefix, group, redisNamespace: `t${id}:`, config: loadConfig(env), asOf, env };
}

export async function createScenario(
  options: {
    partitions?: number;
    asOf?: string;
    /** Consumer session timeout of child updaters, ms (short: a killed member's partitions move fast). */
    sessionTimeoutMs?: number;
    /** More environment for the config and child processes (e.g. REDIS_CLUSTER_NODES, the SASL_SSL listener's settings). */
    env?: Record<string, string>;
  } = {},
): Promise<Scenario> {
  const base = await scenarioBase(options.asOf, {
    ...(options.sessionTimeoutMs ? { CDP_KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs) } : {}),
    ...options.env,
  });
  const { id, prefix, group, config, db } = base;
  const kafka = createKafka({ ...config.kafka, clientId: `test-${id}`, logger: quietLogger() });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { topics: cdpTopicSpecs(prefix), partitions: options.partitions ?? 3 });
  } finally {
    await admin.disconnect();
  }
  return {
    ...base,
    kafka,
    close: async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        if (ours.length > 0) await admin.deleteTopics({ topics: ours });
        await admin.deleteGroups([group]).catch(() => {});
      } finally {
        await admin.disconnect();
      }
      await db.drop();
    },
  };
}

/** Produces messages to the scenario's topics, each topic's log in the order given (duplicates after their originals). */
export async function produceWire(s: Scenario, messages: readonly WireMessage[]): Promise<void> {
  const names = topicNames(s.prefix).inputs;
  const producer = createIdempotentProducer(s.kafka);
  await producer.connect();
  try {
    const byTopic = new Map<string, WireMessage[]>();
    for (const m of messages) {
      const t = names[m.kind];
      const list = byTopic.get(t) ?? [];
      list.push(m);
      byTopic.set(t, list);
    }
    await produceAll(producer, byTopic);
  } finally {
    await producer.disconnect();
  }
}

/** Generates a data set into the scenario's topics; returns its manifest. */
export async function produceGenerated(s: Scenario, options: GeneratorOptions): Promise<Manifest> {
  const gen = generateEvents(options);
  for (const batch of gen) await produceWire(s, batch);
  return gen.manifest;
}

export function updaterInProcess(
  s: Scenario,
  extra: { stopSignal?: Promise<unknown>; maxUnitMessages?: number; maxBytesPerPartition?: number } = {},
): Promise<UpdaterSummary> {
  return runUpdater({
    maxUnitMessages: extra.maxUnitMessages,
    maxBytesPerPartition: extra.maxBytesPerPartition,
    config: s.config,
    logger: quietLogger(),
    untilIdle: extra.stopSignal === undefined,
    stopSignal: extra.stopSignal,
    redisNamespace: s.redisNamespace,
    statsIntervalMs: 0,
  });
}

/** The batch recompute into customer_360_batch, compared with the streamed customer_360. */
export async function streamVersusBatch(
  pool: pg.Pool,
  asOf: string,
  ignore: readonly string[] = ['customer_lifetime_value_score'],
): Promise<Customer360Diff> {
  await pool.query('DROP TABLE IF EXISTS customer_360_batch');
  await batchIntoTable(pool, { asOf, table: 'customer_360_batch', create: true });
  return diffCustomer360(pool, { actual: 'customer_360', expected: 'customer_360_batch', ignore });
}
