import { createLogger, loadConfig } from '@cdp360/config';
import { formatScoringReport, scoreOnce } from '@cdp360/scorer';
import type { Command } from 'commander';
import pino from 'pino';
import { calendarDate } from './arguments';

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('run the scoring job once: CLV quintiles, favourites after catalog changes, date-dependent columns')
    .requiredOption('--once', 'one run now (the long-running form is `cdp scorer --every`)')
    .option('--as-of <date>', 'UTC date for the date-dependent columns (default: CDP_AS_OF, else today)', calendarDate)
    .action(async (opts: { once: true; asOf?: string }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel, name: 'cdp-scorer', destination: pino.destination(2) });
      const result = await scoreOnce({ config, logger, asOf: opts.asOf });
      if (result.ran) process.stdout.write(`${formatScoringReport(result.report)}\n`);
      else process.stdout.write(`skipped: another scorer holds the lease (${result.heldBy ?? 'holder unknown'})\n`);
    });
}
