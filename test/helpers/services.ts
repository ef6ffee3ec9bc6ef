import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Written by `bash deploy/local/stack.sh up`. */
export const STACK_ENV_FILE = resolve(__dirname, '..', '..', '.stack', 'env');
export const STACK_UP_HINT = 'run `bash deploy/local/stack.sh up` (or `npm run stack:up`) first';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PUBSUB_PROJECT_ID = 'cdp360-local';

const STACK_VARIABLES = [
  'KAFKA_BROKERS',
  'DATABASE_URL',
  'REDIS_URL',
  'PUBSUB_EMULATOR_HOST',
  'PUBSUB_PROJECT_ID',
  'PUBSUB_EMULATOR_UNAVAILABLE',
  'CDP_TEST_REDIS_CLUSTER_NODES',
  'CDP_TEST_REDIS_CLUSTER_UNAVAILABLE',
  'CDP_TEST_KAFKA_SASL_BROKERS',
  'CDP_TEST_KAFKA_SASL_MECHANISM',
  'CDP_TEST_KAFKA_SASL_USERNAME',
  'CDP_TEST_KAFKA_SASL_PASSWORD',
  'CDP_TEST_KAFKA_SSL_CA_FILE',
  'CDP_TEST_KAFKA_SASL_UNAVAILABLE',
] as const;

/**
 * Copies the stack's addresses from `.stack/env` into process.env, for each variable the environment
 * does not set already (an explicit environment wins), so `npx jest` works without sourcing the file.
 * Returns the names it set. Only `export NAME='value'` lines are read; the file is ours, not a shell.
 */
export function loadStackEnv(file = STACK_ENV_FILE): string[] {
  if (!existsSync(file)) return [];
  const set: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (!match) continue;
    const name = match[1]!;
    const value = match[2]!;
    if (!(STACK_VARIABLES as readonly string[]).includes(name) || process.env[name] !== undefined) continue;
    process.env[name] = value;
    set.push(name);
  }
  return set;
}

export interface ServiceUrls {
  kafkaBrokers: string[];
  databaseUrl: string;
  redisUrl: string;
  /** host:port of the Pub/Sub emulator, undefined when there is none. */
  pubsubEmulatorHost: string | undefined;
  pubsubProjectId: string;
}

/** The addresses of the local stack: environment, else `.stack/env`, else the defaults. */
export function serviceUrls(): ServiceUrls {
  loadStackEnv();
  const env = process.env;
  return {
    kafkaBrokers: (env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS).split(',').map((b) => b.trim()),
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
    pubsubEmulatorHost: env.PUBSUB_EMULATOR_HOST || undefined,
    pubsubProjectId: env.PUBSUB_PROJECT_ID || DEFAULT_PUBSUB_PROJECT_ID,
  };
}

/**
 * Whether Pub/Sub tests can run. True when an emulator address is configured: a configured emulator that
 * does not answer is a failure (global setup checks it), never a reason to skip.
 */
export function pubsubEmulatorAvailable(): boolean {
  return serviceUrls().pubsubEmulatorHost !== undefined;
}

/** Why Pub/Sub tests skip, for the loud skip message. */
export function pubsubUnavailableReason(): string {
  loadStackEnv();
  return (
    process.env.PUBSUB_EMULATOR_UNAVAILABLE ||
    (existsSync(STACK_ENV_FILE)
      ? 'PUBSUB_EMULATOR_HOST is not set'
      : `PUBSUB_EMULATOR_HOST is not set and there is no .stack/env: ${STACK_UP_HINT}`)
  );
}

/**
 * A unique name for a test's own topic, consumer group, subscription or key prefix, so tests never
 * share state with each other or with concurrent runs. Starts with the prefix (use a letter first:
 * Pub/Sub names must), then time and randomness; only [a-z0-9-] are added.
 */
export function randomName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The environment that points a `cdp` process (or loadConfig) at the stack's SASL_SSL listener. Throws,
 * saying why, when the stack has none: those tests fail loudly instead of skipping.
 */
export function saslKafkaEnv(): Record<string, string> {
  loadStackEnv();
  const env = process.env;
  if (!env.CDP_TEST_KAFKA_SASL_BROKERS) {
    throw new Error(
      `the local stack has no Kafka SASL_SSL listener: ${env.CDP_TEST_KAFKA_SASL_UNAVAILABLE ?? 'CDP_TEST_KAFKA_SASL_BROKERS is not set'}; ${STACK_UP_HINT} with a broker started by this version of stack.sh`,
    );
  }
  return {
    KAFKA_BROKERS: env.CDP_TEST_KAFKA_SASL_BROKERS,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: env.CDP_TEST_KAFKA_SSL_CA_FILE ?? '',
    KAFKA_SASL_MECHANISM: env.CDP_TEST_KAFKA_SASL_MECHANISM ?? 'scram-sha-512',
    KAFKA_SASL_USERNAME: env.CDP_TEST_KAFKA_SASL_USERNAME ?? '',
    KAFKA_SASL_PASSWORD: env.CDP_TEST_KAFKA_SASL_PASSWORD ?? '',
  };
}
