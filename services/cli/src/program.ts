import { Command } from 'commander';
import { registerCommands } from './commands';

/** The `cdp` command line: thin wiring over the packages and services. */
export function buildProgram(): Command {
  const program = new Command('cdp')
    .description('cdp360: streaming customer 360 profiles from Kafka or Pub/Sub into Redis and Postgres')
    .version('0.1.0')
    .showHelpAfterError();
  registerCommands(program);
  return program;
}
