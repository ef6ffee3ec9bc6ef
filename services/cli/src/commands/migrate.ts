import { createLogger, loadConfig } from '@cdp360/config';
import { createPool, migrate } from '@cdp360/postgres';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the pending SQL migrations in schemas/sql to DATABASE_URL (a current database is left as is)')
    .action(async () => {
      const config = loadConfig();
      await checkServices(config, ['postgres']);
      // stderr, so that stdout carries only the command's result.
      const logger = createLogger({ level: config.logLevel, name: 'cdp', destination: pino.destination(2) });
      const pool = createPool(config.databaseUrl, { applicationName: 'cdp-migrate', max: 1, logger });
      try {
        const result = await migrate(pool, { logger });
        for (const m of result.applied) process.stdout.write(`applied  ${m.version} ${m.name}\n`);
        process.stdout.write(
          result.applied.length === 0
            ? `database is current at version ${result.version}\n`
            : `database now at version ${result.version}\n`,
        );
      } finally {
        await pool.end();
      }
    });
}
