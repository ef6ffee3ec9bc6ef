// Jest globalSetup for the integration project: find the local stack and make sure it answers before
// any test starts, so a missing service fails in seconds with one clear message instead of as many
// time-outs as there are tests.
import { Cluster, Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import {
  loadStackEnv,
  pubsubEmulatorAvailable,
  pubsubUnavailableReason,
  STACK_ENV_FILE,
  STACK_UP_HINT,
  serviceUrls,
} from './services';

const CHECK_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000}s (${what})`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkKafka(brokers: string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cdp360-test-setup',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no brokers');
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function checkPostgres(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported through the rejected connect/ping below
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } finally {
    redis.disconnect();
  }
}

async function checkRedisCluster(nodes: string): Promise<void> {
  const cluster = new Cluster(
    nodes
      .split(',')
      .map((n) => ({ host: n.slice(0, n.lastIndexOf(':')), port: Number(n.slice(n.lastIndexOf(':') + 1)) })),
    { lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: () => null },
  );
  cluster.on('error', () => {}); // reported through the rejected connect below
  try {
    await cluster.connect();
    const info = String(await cluster.cluster('INFO'));
    if (!/cluster_state:ok/.test(info)) throw new Error(`cluster_state is not ok:\n${info}`);
  } finally {
    cluster.disconnect();
  }
}

async function checkPubSubEmulator(host: string): Promise<void> {
  const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

export default async function globalSetup(): Promise<void> {
  loadStackEnv();
  const urls = serviceUrls();
  const checks: Array<[string, string, () => Promise<void>]> = [
    ['Kafka', urls.kafkaBrokers.join(','), () => checkKafka(urls.kafkaBrokers)],
    ['Postgres', urls.databaseUrl, () => checkPostgres(urls.databaseUrl)],
    ['Redis', urls.redisUrl, () => checkRedis(urls.redisUrl)],
  ];
  const clusterNodes = process.env.CDP_TEST_REDIS_CLUSTER_NODES;
  if (clusterNodes) checks.push(['Redis Cluster', clusterNodes, () => checkRedisCluster(clusterNodes)]);
  if (urls.pubsubEmulatorHost) {
    const host = urls.pubsubEmulatorHost;
    checks.push(['Pub/Sub emulator', host, () => checkPubSubEmulator(host)]);
  }

  const results = await Promise.allSettled(checks.map(([name, , check]) => withTimeout(check(), name)));
  const failures = results.flatMap((result, i) => {
    if (result.status === 'fulfilled') return [];
    const [name, address] = checks[i]!;
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    return [`  - ${name} at ${address}: ${reason || 'connection failed'}`];
  });
  if (failures.length > 0) {
    throw new Error(
      [
        'Integration tests need the local service stack, and these services do not answer:',
        ...failures,
        `Start them: ${STACK_UP_HINT}. Addresses come from the environment, else ${STACK_ENV_FILE}, else the defaults.`,
      ].join('\n'),
    );
  }

  if (!pubsubEmulatorAvailable()) {
    console.warn(
      `\n!!! Pub/Sub emulator not available (${pubsubUnavailableReason()}): Pub/Sub integration tests will be SKIPPED.\n`,
    );
  }
}
