import {
  type Config,
  DependencyConfigError,
  type DependencyProblem,
  DependencyUnavailableError,
  type ServiceKind,
  StartupCheckError,
} from '@cdp360/config';
import { probeKafka } from '@cdp360/kafka';
import { probePostgres } from '@cdp360/postgres';
import { probePubSub } from '@cdp360/pubsub';
import { probeRedis, probeRedisCluster } from '@cdp360/redis';

function probe(config: Config, service: ServiceKind): Promise<void> {
  const totalMs = config.startupTimeoutMs;
  switch (service) {
    case 'postgres':
      return probePostgres(config.databaseUrl, { totalMs });
    case 'redis':
      return config.redisCluster
        ? probeRedisCluster(config.redisCluster, { totalMs })
        : probeRedis(config.redisUrl, { totalMs, tls: config.redisTls });
    case 'kafka':
      return probeKafka(config.kafka, { totalMs });
    case 'pubsub':
      return probePubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost }, { totalMs });
  }
}

/** The broker service of the configured transport. */
export function transportService(transport: Config['transport']): ServiceKind {
  return transport === 'pubsub' ? 'pubsub' : 'kafka';
}

/**
 * Checks, before a command does anything, that every service it needs answers (each within
 * CDP_STARTUP_TIMEOUT_MS, all at once). Throws StartupCheckError listing each one that did not, in
 * the order given; the CLI prints one line per service and exits with the first one's code.
 */
export async function checkServices(config: Config, services: readonly ServiceKind[]): Promise<void> {
  const unique = [...new Set(services)];
  const results = await Promise.allSettled(unique.map((s) => probe(config, s)));
  const problems: DependencyProblem[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    if (r.reason instanceof DependencyUnavailableError || r.reason instanceof DependencyConfigError) {
      problems.push(r.reason);
    } else {
      throw r.reason; // e.g. Kafka's KafkaSecurityError: main prints its one line, exit 2
    }
  }
  // A refused setting first: it is the one to fix, and the exit code says "configuration".
  problems.sort((a, b) => Number(b instanceof DependencyConfigError) - Number(a instanceof DependencyConfigError));
  const [first, ...rest] = problems;
  if (first) throw new StartupCheckError([first, ...rest]);
}
