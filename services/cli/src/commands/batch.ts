import { createLogger, loadConfig } from '@cdp360/config';
import { utcDate } from '@cdp360/domain';
import { createPool, runBatch } from '@cdp360/postgres';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';
import { calendarDate } from './arguments';

export function registerBatchCommand(program: Command): void {
  program
    .command('batch')
    .description('recompute customer_360 from the source tables with the batch SQL (replaces its rows)')
    .option('--as-of <date>', 'UTC date for the date-dependent columns (default: CDP_AS_OF, else today)', calendarDate)
    .action(async (opts: { asOf?: string }) => {
      const config = loadConfig();
      await checkServices(config, ['postgres']);
      const asOf = opts.asOf ?? config.asOf ?? utcDate(new Date());
      const logger = createLogger({ level: config.logLevel, name: 'cdp', destination: pino.destination(2) });
      const pool = createPool(config.databaseUrl, { applicationName: 'cdp-batch', max: 1, logger });
      try {
        const result = await runBatch(pool, { asOf });
        process.stdout.write(
          `${result.table}: ${result.rows} rows written as of ${result.asOf} in ${(result.durationMs / 1000).toFixed(3)} s\n`,
        );
      } finally {
        await pool.end();
      }
    });
}
