import { spawnCdp } from '../helpers/cdp-process';
import { freePort } from '../helpers/redis-server';
import { serviceUrls } from '../helpers/services';

// `cdp` with a service that cannot be reached: one line naming the service, the address without
// credentials, the variable and the fix; that service's exit code; no stack unless LOG_LEVEL=debug.
// The closed ports are free ports nobody listens on (connections are refused at once).

interface Closed {
  postgres: number;
  redis: number;
  kafka: number;
  pubsub: number;
}

const SECRET = 'hunter2-not-for-logs';
let closed: Closed;
// Not in beforeAll: concurrent tests start before beforeAll hooks have finished (jestjs/jest#7997).
let picking: Promise<void> | undefined;
const pickClosedPorts = () =>
  (picking ??= Promise.all([freePort(), freePort(), freePort(), freePort()]).then(
    ([postgres, redis, kafka, pubsub]) => {
      closed = { postgres: postgres!, redis: redis!, kafka: kafka!, pubsub: pubsub! };
    },
  ));

/** The stack's addresses, with the named services moved to their closed ports. */
function env(down: readonly (keyof Closed)[], extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const urls = serviceUrls();
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: urls.kafkaBrokers.join(','),
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    PUBSUB_EMULATOR_HOST: urls.pubsubEmulatorHost ?? '127.0.0.1:8085',
    PUBSUB_PROJECT_ID: urls.pubsubProjectId,
    CDP_TOPIC_PREFIX: 'startup-check-',
    LOG_LEVEL: 'info',
    CDP_STARTUP_TIMEOUT_MS: '1000',
    ...extra,
  };
  if (down.includes('postgres')) e.DATABASE_URL = `postgres://cdp:${SECRET}@127.0.0.1:${closed.postgres}/test`;
  if (down.includes('redis')) e.REDIS_URL = `redis://:${SECRET}@127.0.0.1:${closed.redis}`;
  if (down.includes('kafka')) e.KAFKA_BROKERS = `127.0.0.1:${closed.kafka}`;
  if (down.includes('pubsub')) e.PUBSUB_EMULATOR_HOST = `127.0.0.1:${closed.pubsub}`;
  return e;
}

async function run(
  args: readonly string[],
  down: readonly (keyof Closed)[],
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  await pickClosedPorts();
  const p = spawnCdp(args, env(down, extra));
  const { code } = await p.exited;
  return { code, out: p.output() };
}

const attempts = String.raw`\(\d+ attempts? in \d+\.\d s\)`;
const LINE = {
  postgres: () =>
    String.raw`cdp: cannot reach Postgres at postgres://127\.0\.0\.1:${closed.postgres}/test \(DATABASE_URL\): connection refused ${attempts}; start Postgres, or point DATABASE_URL at a running server \(CDP_POSTGRES_UNAVAILABLE\)`,
  redis: () =>
    String.raw`cdp: cannot reach Redis at redis://127\.0\.0\.1:${closed.redis} \(REDIS_URL\): connection refused ${attempts}; start Redis, or point REDIS_URL at a running server \(rediss:// if it only accepts TLS\) \(CDP_REDIS_UNAVAILABLE\)`,
  kafka: () =>
    String.raw`cdp: cannot reach Kafka at 127\.0\.0\.1:${closed.kafka} \(KAFKA_BROKERS\): connection refused ${attempts}; start the broker, or list reachable brokers in KAFKA_BROKERS \(CDP_KAFKA_UNAVAILABLE\)`,
  pubsub: () =>
    String.raw`cdp: cannot reach the Pub/Sub emulator at 127\.0\.0\.1:${closed.pubsub} \(PUBSUB_EMULATOR_HOST\): connection refused ${attempts}; start the emulator, or point PUBSUB_EMULATOR_HOST at it \(unset it for Google Cloud\) \(CDP_PUBSUB_UNAVAILABLE\)`,
};
const exactly = (line: string) => new RegExp(`^${line}\n$`);

describe('a service that cannot be reached at start: one line, its own exit code', () => {
  it.concurrent.each([
    ['Postgres', ['migrate'], ['postgres'], 11],
    ['Redis', ['updater', '--until-idle'], ['redis'], 12],
    ['Kafka', ['topics', 'list'], ['kafka'], 10],
    ['Pub/Sub', ['topics', 'create', '--transport', 'pubsub'], ['pubsub'], 13],
  ] as const)('%s: cdp %j', async (name, args, down, exitCode) => {
    // The gRPC client takes a while to start on a busy machine: give its refused connect time to arrive.
    const { code, out } = await run(args, down, name === 'Pub/Sub' ? { CDP_STARTUP_TIMEOUT_MS: '4000' } : {});
    expect(out).toMatch(exactly(LINE[down[0]]()));
    expect(code).toBe(exitCode);
    expect(out).not.toContain(SECRET);
    expect(out).not.toMatch(/^\s+at /m); // no stack
    expect(out).not.toContain('Unhandled error event'); // ioredis
  });

  it.concurrent('with LOG_LEVEL=debug the line is followed by the stack and its cause', async () => {
    const { code, out } = await run(['migrate'], ['postgres'], { LOG_LEVEL: 'debug' });
    expect(code).toBe(11);
    const [first, ...rest] = out.split('\n');
    expect(`${first}\n`).toMatch(exactly(LINE.postgres()));
    const stack = rest.join('\n');
    expect(stack).toMatch(/^DependencyUnavailableError: cannot reach Postgres/m);
    expect(stack).toMatch(/^\s+at .*probe-postgres/m);
    expect(stack).toMatch(/^caused by: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/m);
    expect(out).not.toContain(SECRET);
  });

  // Every command checks exactly the services it uses, before doing anything: with all four closed,
  // each prints one line per service it needs, and the exit code of the first.
  it.concurrent.each([
    [['migrate'], ['postgres']],
    [['batch'], ['postgres']],
    [['reconcile'], ['postgres']],
    [['summary'], ['postgres']],
    [['rebuild'], ['postgres', 'redis']],
    [
      ['load', '--from', 'no-such-dir'],
      ['postgres', 'redis'],
    ],
    [
      ['updater', '--until-idle'],
      ['postgres', 'redis', 'kafka'],
    ],
    [
      ['updater', '--until-idle', '--transport', 'pubsub'],
      ['postgres', 'redis', 'pubsub'],
    ],
    [
      ['score', '--once'],
      ['postgres', 'kafka'],
    ],
    [['score', '--once', '--no-publish'], ['postgres']],
    [
      ['scorer', '--every', '1m'],
      ['postgres', 'kafka'],
    ],
    [['topics', 'create'], ['kafka']],
    [['topics', 'list'], ['kafka']],
    [['generate', '--to', 'kafka', '--customers', '1'], ['kafka']],
    [['generate', '--to', 'pubsub', '--customers', '1'], ['pubsub']],
    [['replay', '--to', 'earliest'], ['kafka']],
    [['replay', '--transport', 'pubsub', '--to', '2026-01-01T00:00:00Z'], ['pubsub']],
  ] as const)('cdp %j checks %j', async (args, needs) => {
    // One quick attempt each: this is about which services are checked, not how long.
    const { code, out } = await run(args, ['postgres', 'redis', 'kafka', 'pubsub'], { CDP_STARTUP_TIMEOUT_MS: '0' });
    const named = [...out.matchAll(/^cdp: cannot reach (Postgres|Redis|Kafka|the Pub\/Sub emulator) at /gm)].map(
      (m) => ({ Postgres: 'postgres', Redis: 'redis', Kafka: 'kafka', 'the Pub/Sub emulator': 'pubsub' })[m[1]!],
    );
    expect({ named, lines: out.trimEnd().split('\n').length }).toEqual({ named: [...needs], lines: needs.length });
    expect(code).toBe({ postgres: 11, redis: 12, kafka: 10, pubsub: 13 }[needs[0]]);
  });
});
