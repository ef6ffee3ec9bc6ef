import { EXIT_CODES } from '@cdp360/config';
import { Command } from 'commander';
import cliPackage from '../package.json';
import { registerCommands } from './commands';

const EXIT_CODE_HELP = `
Exit codes:
  0   done
  ${EXIT_CODES.failure}   the command failed (reconcile: differences found)
  ${EXIT_CODES.config}   usage or configuration error, including a password, database or certificate a service refused,
      and missing Kafka topics
  ${EXIT_CODES.consumerStalled}   the updater stopped at a Kafka record batch it cannot decode
  ${EXIT_CODES.kafkaUnavailable}  Kafka could not be reached at start (KAFKA_BROKERS)
  ${EXIT_CODES.postgresUnavailable}  Postgres could not be reached at start (DATABASE_URL)
  ${EXIT_CODES.redisUnavailable}  Redis could not be reached at start (REDIS_URL, REDIS_CLUSTER_NODES)
  ${EXIT_CODES.pubsubUnavailable}  Pub/Sub could not be reached at start (PUBSUB_EMULATOR_HOST, PUBSUB_PROJECT_ID)
Each command waits up to CDP_STARTUP_TIMEOUT_MS (default 10000) for the services it needs.`;

/** The `cdp` command line: thin wiring over the packages and services. */
export function buildProgram(): Command {
  const program = new Command('cdp')
    .description('cdp360: streaming customer 360 profiles from Kafka or Pub/Sub into Redis and Postgres')
    .version(cliPackage.version)
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODE_HELP);
  registerCommands(program);
  return program;
}
