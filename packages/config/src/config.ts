import { readFileSync } from 'node:fs';
import { parseDateLike } from '@cdp360/domain';
import { z } from 'zod';

import { ConfigError } from './config-error';
import { databaseConnectionUrl } from './database-url';
import { redisTlsFiles } from './redis-tls';

export { ConfigError } from './config-error';

const hostPort = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

/** The seed nodes of a Redis Cluster and the connection settings every node shares. */
export interface RedisClusterConfig {
  nodes: { host: string; port: number }[];
  username: string | undefined;
  password: string | undefined;
  /** From rediss:// entries: TLS to every node. */
  tls: boolean;
}

/**
 * REDIS_CLUSTER_NODES: comma-separated `host:port` entries, or redis:// / rediss:// URLs (for a user,
 * password or TLS). The client uses one set of connection options for all nodes, so URL entries must
 * agree on scheme, user and password; plain `host:port` entries take those of the URLs. Returns
 * undefined when the value is not of that form.
 */
export function parseRedisClusterNodes(raw: string): RedisClusterConfig | undefined {
  const entries = raw.split(',').map((e) => e.trim());
  if (entries.length === 0 || entries.some((e) => e === '')) return undefined;
  const nodes: { host: string; port: number }[] = [];
  let shared: { scheme: string; username: string; password: string } | undefined;
  for (const entry of entries) {
    let host: string;
    let port: number;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      if (!/^rediss?:\/\//.test(entry) || !URL.canParse(entry)) return undefined;
      const u = new URL(entry);
      if (u.port === '' || (u.pathname !== '' && u.pathname !== '/') || u.search !== '') return undefined;
      const mine = {
        scheme: u.protocol,
        username: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
      };
      if (shared && JSON.stringify(shared) !== JSON.stringify(mine)) return undefined;
      shared = mine;
      host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      port = Number(u.port);
    } else {
      if (!hostPort.test(entry)) return undefined;
      const at = entry.lastIndexOf(':');
      host = entry.slice(0, at).replace(/^\[(.*)\]$/, '$1');
      port = Number(entry.slice(at + 1));
    }
    if (host === '' || !(port > 0 && port < 65536)) return undefined;
    nodes.push({ host, port });
  }
  return {
    nodes,
    username: shared?.username || undefined,
    password: shared?.password || undefined,
    tls: shared?.scheme === 'rediss:',
  };
}

const boolean = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((s) => s === 'true');

const milliseconds = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max)
    .transform(Number);

const KAFKA_CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Each variable: its schema, and the expected form shown when a value is refused. */
const variables = {
  KAFKA_BROKERS: {
    expected: 'a comma-separated list of host:port, e.g. localhost:9092',
    schema: z
      .string()
      .default('localhost:9092')
      .transform((s) => s.split(',').map((b) => b.trim()))
      .refine((list) => list.length > 0 && list.every((b) => hostPort.test(b))),
  },
  KAFKA_COMPRESSION: {
    expected: 'none, gzip, snappy, lz4 or zstd (what the updater produces triggers and dead letters with)',
    schema: z.enum(KAFKA_CODEC_NAMES).default('none'),
  },
  KAFKA_CODECS: {
    expected:
      'a comma-separated subset of snappy,lz4,zstd: the optional codecs to load (unset: all; gzip is always there)',
    schema: z
      .string()
      .optional()
      .transform((s) => (s === undefined ? undefined : s.split(',').map((c) => c.trim())))
      .refine((list) => list === undefined || list.every((c) => ['snappy', 'lz4', 'zstd'].includes(c))),
  },
  KAFKA_PUBLISH_TIMEOUT_MS: {
    expected: 'milliseconds between 1000 and 300000 that one publish of triggers or dead letters may take, e.g. 15000',
    schema: milliseconds(15_000, 1_000, 300_000),
  },
  KAFKA_SSL: {
    expected: 'true or false (TLS to the brokers)',
    schema: boolean('false'),
  },
  KAFKA_SSL_CA_FILE: {
    expected:
      'the path of a PEM file with the CA certificate(s) the brokers are checked against (unset: the system CAs)',
    schema: z.string().optional(),
  },
  KAFKA_SSL_CERT_FILE: {
    expected: 'the path of a PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)',
    schema: z.string().optional(),
  },
  KAFKA_SSL_KEY_FILE: {
    expected: 'the path of the PEM private key of KAFKA_SSL_CERT_FILE',
    schema: z.string().optional(),
  },
  KAFKA_SASL_MECHANISM: {
    expected: 'plain, scram-sha-256 or scram-sha-512 (unset: no SASL)',
    schema: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  },
  KAFKA_SASL_USERNAME: {
    expected: 'the SASL user name (with KAFKA_SASL_MECHANISM)',
    schema: z.string().optional(),
  },
  KAFKA_SASL_PASSWORD: {
    expected: 'the SASL password (with KAFKA_SASL_MECHANISM)',
    schema: z.string().optional(),
  },
  CDP_CREATE_TOPICS: {
    expected: 'true or false: whether the updater creates missing topics at start (false: it refuses to start)',
    schema: boolean('false'),
  },
  DATABASE_URL: {
    expected: 'a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/test',
    schema: z
      .string()
      .default('postgres://postgres@127.0.0.1:5432/test')
      .refine((s) => /^postgres(ql)?:\/\/./.test(s) && URL.canParse(s)),
  },
  REDIS_URL: {
    expected: 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    schema: z
      .string()
      .default('redis://127.0.0.1:6379')
      .refine((s) => /^rediss?:\/\/./.test(s) && URL.canParse(s)),
  },
  REDIS_CLUSTER_NODES: {
    expected:
      'a comma-separated list of Redis Cluster nodes as host:port (or redis:// / rediss:// URLs with the same user, password and scheme), e.g. 10.0.0.1:6379,10.0.0.2:6379 (unset for a single Redis at REDIS_URL)',
    schema: z
      .string()
      .optional()
      .refine((s) => s === undefined || parseRedisClusterNodes(s) !== undefined)
      .transform((s) => (s === undefined ? undefined : parseRedisClusterNodes(s))),
  },
  DATABASE_SSL_CA_FILE: {
    expected: "the path of a PEM file with the CA certificate(s) that signed the Postgres server's certificate",
    schema: z.string().optional(),
  },
  REDIS_TLS_CA_FILE: {
    expected: "the path of a PEM file with the CA certificate(s) that signed the Redis server's certificate",
    schema: z.string().optional(),
  },
  REDIS_TLS_CERT_FILE: {
    expected: 'the path of a PEM client certificate for Redis (with REDIS_TLS_KEY_FILE)',
    schema: z.string().optional(),
  },
  REDIS_TLS_KEY_FILE: {
    expected: 'the path of the PEM private key of REDIS_TLS_CERT_FILE',
    schema: z.string().optional(),
  },
  CDP_STARTUP_TIMEOUT_MS: {
    expected: 'milliseconds from 0 to 600000 that a command waits at start for each service to answer, e.g. 10000',
    schema: z
      .string()
      .default('10000')
      .refine((s) => /^\d+$/.test(s) && Number(s) <= 600_000)
      .transform(Number),
  },
  PUBSUB_EMULATOR_HOST: {
    expected: 'host:port of the Pub/Sub emulator, e.g. 127.0.0.1:8085 (unset for real Google Cloud)',
    schema: z
      .string()
      .optional()
      .refine((s) => s === undefined || hostPort.test(s)),
  },
  PUBSUB_PROJECT_ID: {
    expected: 'a Google Cloud project id (6-30 lowercase letters, digits, hyphens), e.g. cdp360-local',
    schema: z
      .string()
      .default('cdp360-local')
      .refine((s) => /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(s)),
  },
  CDP_AS_OF: {
    expected: 'a date YYYY-MM-DD (unset for today in UTC)',
    schema: z
      .string()
      .optional()
      .refine((s) => s === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(s) && parseDateLike(s) !== null)),
  },
  CDP_GROUP_ID: {
    expected: 'a consumer group id of 1-200 characters from [A-Za-z0-9._-]',
    schema: z
      .string()
      .default('cdp-updater')
      .refine((s) => /^[A-Za-z0-9._-]{1,200}$/.test(s)),
  },
  CDP_TOPIC_PREFIX: {
    expected: 'a topic name prefix from [A-Za-z0-9._-], at most 100 characters (empty for none)',
    schema: z
      .string()
      .default('')
      .refine((s) => /^[A-Za-z0-9._-]{0,100}$/.test(s)),
  },
  CDP_KAFKA_SESSION_TIMEOUT_MS: {
    expected: 'milliseconds between 6000 and 300000 (the broker bounds it), e.g. 30000',
    schema: z
      .string()
      .default('30000')
      .refine((s) => /^\d+$/.test(s) && Number(s) >= 6000 && Number(s) <= 300_000)
      .transform(Number),
  },
  CDP_TRIGGERS_FILE: {
    expected: 'the path of a JSON trigger rules file (unset for the default rules)',
    schema: z.string().optional(),
  },
  CDP_HTTP_PORT: {
    expected: 'a TCP port 0-65535 for cdp serve (0 picks a free one), e.g. 8080',
    schema: z
      .string()
      .default('8080')
      .refine((s) => /^\d{1,5}$/.test(s) && Number(s) <= 65_535)
      .transform(Number),
  },
  CDP_METRICS_PORT: {
    expected: 'a TCP port 0-65535 for /metrics, /healthz and /readyz (0 picks a free one; unset for none)',
    schema: z
      .string()
      .optional()
      .refine((s) => s === undefined || (/^\d{1,5}$/.test(s) && Number(s) <= 65_535))
      .transform((s) => (s === undefined ? undefined : Number(s))),
  },
  CDP_API_KEYS_FILE: {
    expected: 'the path of a JSON file of API keys [{"name","sha256","scopes"}] (cdp apikey create writes entries)',
    schema: z.string().optional(),
  },
  CDP_RATE_LIMIT: {
    expected: 'requests per second allowed to each API key, a positive integer, e.g. 1000',
    schema: z
      .string()
      .default('1000')
      .refine((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 10_000_000)
      .transform(Number),
  },
  CDP_ERASURE_TOMBSTONES: {
    expected: 'true or false: write a tombstone for an erased customer on the customers topic (Kafka)',
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((s) => s === 'true'),
  },
  CDP_DEAD_LETTER_RETENTION_DAYS: {
    expected: 'whole days 1..3650 the dead-letter topic keeps messages (cdp topics create), e.g. 7',
    schema: z
      .string()
      .default('7')
      .refine((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 3650)
      .transform(Number),
  },
  CDP_TRANSPORT: {
    expected: 'kafka or pubsub',
    schema: z.enum(['kafka', 'pubsub']).default('kafka'),
  },
  LOG_LEVEL: {
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
} as const;

type Variables = typeof variables;
type Values = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export type KafkaCodecName = (typeof KAFKA_CODEC_NAMES)[number];

/** TLS to the brokers: PEM contents read from the files named by the variables. */
export interface KafkaTls {
  ca?: string;
  cert?: string;
  /** Not enumerable: a logged or serialized config never shows it. */
  key?: string;
}

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  /** Not enumerable: a logged or serialized config never shows it. */
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  /** Consumer group session timeout: how long a crashed member holds its partitions, ms. */
  sessionTimeoutMs: number;
  /** What triggers and dead letters are produced with. */
  compression: KafkaCodecName;
  /** The optional codecs to load; undefined for all. */
  codecs: Array<'snappy' | 'lz4' | 'zstd'> | undefined;
  /** How long one publish (triggers, dead letters) may take before it counts as failed, ms. */
  publishTimeoutMs: number;
  /** TLS settings, or false for plaintext. */
  ssl: KafkaTls | false;
  sasl: KafkaSasl | undefined;
  /** Create missing topics at updater start instead of refusing to start. */
  createTopics: boolean;
}

export interface Config {
  kafka: KafkaConfig;
  /**
   * The Postgres URL every client connects with: DATABASE_URL, with DATABASE_SSL_CA_FILE as its
   * `sslrootcert` and libpq's meaning of `sslmode` (see database-url.ts).
   */
  databaseUrl: string;
  redisUrl: string;
  /** Set when REDIS_CLUSTER_NODES is: then every Redis client is a cluster client and REDIS_URL is not used. */
  redisCluster: RedisClusterConfig | undefined;
  /** TLS files for a rediss:// REDIS_URL (all absent: the system's CAs, no client certificate). */
  redisTls: { caFile?: string; certFile?: string; keyFile?: string };
  /** How long a command waits at start for each service it needs, ms (CDP_STARTUP_TIMEOUT_MS). */
  startupTimeoutMs: number;
  pubsub: { emulatorHost: string | undefined; projectId: string };
  /** Fixed as-of date, or undefined for "today in UTC" at the time of each computation. */
  asOf: string | undefined;
  groupId: string;
  topicPrefix: string;
  transport: 'kafka' | 'pubsub';
  /** JSON file with personalization trigger rules; undefined for the defaults. */
  triggersFile: string | undefined;
  /** Privacy: tombstones for erased customers (Kafka), and how long dead letters are kept. */
  erasure: { tombstones: boolean; deadLetterRetentionDays: number };
  logLevel: Values['LOG_LEVEL'];
  /** cdp serve's HTTP port. */
  httpPort: number;
  /** Port of the metrics and health endpoints; undefined for none. */
  metricsPort: number | undefined;
  /** JSON file of API key digests for cdp serve. */
  apiKeysFile: string | undefined;
  /** Requests per second per API key. */
  rateLimitPerSecond: number;
}

/**
 * Builds the configuration from an environment (process.env by default). Empty strings count as
 * unset. Throws ConfigError naming the first bad variable and its expected form; TLS files named by
 * the configuration are read once here, so a wrong path fails at start.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = {} as Record<string, unknown>;
  for (const [name, spec] of Object.entries(variables)) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = (spec.schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      const shown = name === 'REDIS_CLUSTER_NODES' ? raw?.replace(/\/\/[^@/,]*@/g, '//***@') : raw;
      throw new ConfigError(name, `${name}=${JSON.stringify(shown)} is not valid: expected ${spec.expected}`);
    }
    v[name] = parsed.data;
  }
  const values = v as Values;
  return {
    kafka: {
      brokers: values.KAFKA_BROKERS,
      sessionTimeoutMs: values.CDP_KAFKA_SESSION_TIMEOUT_MS,
      compression: values.KAFKA_COMPRESSION,
      codecs: values.KAFKA_CODECS as KafkaConfig['codecs'],
      publishTimeoutMs: values.KAFKA_PUBLISH_TIMEOUT_MS,
      ssl: kafkaTls(values),
      sasl: kafkaSasl(values),
      createTopics: values.CDP_CREATE_TOPICS,
    },
    databaseUrl: databaseConnectionUrl(values.DATABASE_URL, values.DATABASE_SSL_CA_FILE),
    redisUrl: values.REDIS_URL,
    redisCluster: values.REDIS_CLUSTER_NODES,
    redisTls: redisTlsFiles(values.REDIS_URL, {
      caFile: values.REDIS_TLS_CA_FILE,
      certFile: values.REDIS_TLS_CERT_FILE,
      keyFile: values.REDIS_TLS_KEY_FILE,
    }),
    startupTimeoutMs: values.CDP_STARTUP_TIMEOUT_MS,
    pubsub: { emulatorHost: values.PUBSUB_EMULATOR_HOST, projectId: values.PUBSUB_PROJECT_ID },
    asOf: values.CDP_AS_OF,
    groupId: values.CDP_GROUP_ID,
    topicPrefix: values.CDP_TOPIC_PREFIX,
    transport: values.CDP_TRANSPORT,
    triggersFile: values.CDP_TRIGGERS_FILE,
    erasure: {
      tombstones: values.CDP_ERASURE_TOMBSTONES,
      deadLetterRetentionDays: values.CDP_DEAD_LETTER_RETENTION_DAYS,
    },
    logLevel: values.LOG_LEVEL,
    httpPort: values.CDP_HTTP_PORT,
    metricsPort: values.CDP_METRICS_PORT,
    apiKeysFile: values.CDP_API_KEYS_FILE,
    rateLimitPerSecond: values.CDP_RATE_LIMIT,
  };
}

function readPem(variable: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new ConfigError(
      variable,
      `${variable}=${JSON.stringify(path)} cannot be read (${reason}): expected ${variables[variable as keyof Variables].expected}`,
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(variable, `${variable}=${JSON.stringify(path)} is not a PEM file (no -----BEGIN line)`);
  }
  return text;
}

function hidden<T extends object>(target: T, name: string, value: string): T {
  Object.defineProperty(target, name, { value, enumerable: false, writable: false });
  return target;
}

function kafkaTls(values: Values): KafkaTls | false {
  const files = {
    KAFKA_SSL_CA_FILE: values.KAFKA_SSL_CA_FILE,
    KAFKA_SSL_CERT_FILE: values.KAFKA_SSL_CERT_FILE,
    KAFKA_SSL_KEY_FILE: values.KAFKA_SSL_KEY_FILE,
  };
  if (!values.KAFKA_SSL) {
    const set = Object.entries(files).find(([, f]) => f !== undefined);
    if (set) throw new ConfigError(set[0], `${set[0]} is set but KAFKA_SSL is not true: set KAFKA_SSL=true to use TLS`);
    return false;
  }
  if ((files.KAFKA_SSL_CERT_FILE === undefined) !== (files.KAFKA_SSL_KEY_FILE === undefined)) {
    const missing = files.KAFKA_SSL_CERT_FILE === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    throw new ConfigError(
      missing,
      `${missing} is not set: a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE`,
    );
  }
  const tls: KafkaTls = {};
  if (files.KAFKA_SSL_CA_FILE !== undefined) tls.ca = readPem('KAFKA_SSL_CA_FILE', files.KAFKA_SSL_CA_FILE);
  if (files.KAFKA_SSL_CERT_FILE !== undefined) tls.cert = readPem('KAFKA_SSL_CERT_FILE', files.KAFKA_SSL_CERT_FILE);
  if (files.KAFKA_SSL_KEY_FILE !== undefined)
    hidden(tls, 'key', readPem('KAFKA_SSL_KEY_FILE', files.KAFKA_SSL_KEY_FILE));
  return tls;
}

function kafkaSasl(values: Values): KafkaSasl | undefined {
  const mechanism = values.KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) {
    const set = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).find((n) => values[n] !== undefined);
    if (set) {
      throw new ConfigError(
        'KAFKA_SASL_MECHANISM',
        `${set} is set but KAFKA_SASL_MECHANISM is not: expected ${variables.KAFKA_SASL_MECHANISM.expected}`,
      );
    }
    return undefined;
  }
  for (const n of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
    if (values[n] === undefined)
      throw new ConfigError(n, `${n} is not set: KAFKA_SASL_MECHANISM=${mechanism} needs it`);
  }
  return hidden(
    { mechanism, username: values.KAFKA_SASL_USERNAME! } as KafkaSasl,
    'password',
    values.KAFKA_SASL_PASSWORD!,
  );
}
