import { createLogger, loadConfig } from '@cdp360/config';
import { formatScoringReport, scoreOnce } from '@cdp360/scorer';
import { openTriggerPublisher } from '@cdp360/trigger-outbox';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices, transportService } from '../startup-checks';
import { calendarDate } from './arguments';

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('run the scoring job once: CLV quintiles, favourites after catalog changes, date-dependent columns')
    .requiredOption('--once', 'one run now (the long-running form is `cdp scorer --every`)')
    .option('--as-of <date>', 'UTC date for the date-dependent columns (default: CDP_AS_OF, else today)', calendarDate)
    .option('--no-publish', 'leave the triggers the run raises queued for an updater to publish')
    .action(async (opts: { once: true; asOf?: string; publish: boolean }) => {
      const config = loadConfig();
      await checkServices(config, opts.publish ? ['postgres', transportService(config.transport)] : ['postgres']);
      const logger = createLogger({ level: config.logLevel, name: 'cdp-scorer', destination: pino.destination(2) });
      const publisher = opts.publish ? openTriggerPublisher(config, logger, 'cdp-scorer') : null;
      try {
        const result = await scoreOnce({
          config,
          logger,
          asOf: opts.asOf,
          publishTriggers: publisher ? (db) => publisher.publish(db) : undefined,
        });
        if (!result.ran) {
          process.stdout.write(`skipped: another scorer holds the lease (${result.heldBy ?? 'holder unknown'})\n`);
          return;
        }
        process.stdout.write(`${formatScoringReport(result.report)}\n`);
        if (result.report.triggersQueued > 0)
          process.stdout.write(
            result.triggersPublished === null
              ? 'triggers left queued: an updater publishes them\n'
              : `${result.triggersPublished} queued triggers published\n`,
          );
      } finally {
        await publisher?.close();
      }
    });
}
