import { createLogger, loadConfig } from '@cdp360/config';
import { parseDuration, runScorer } from '@cdp360/scorer';
import { openTriggerPublisher } from '@cdp360/trigger-outbox';
import { type Command, InvalidArgumentError } from 'commander';
import { checkServices, transportService } from '../startup-checks';
import { calendarDate } from './arguments';

function period(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('expected a duration like 30s, 5m or 1h');
  return ms;
}

export function registerScorerCommand(program: Command): void {
  program
    .command('scorer')
    .description('run the scoring job every period; any number of instances, one run per period')
    .option('--every <duration>', 'period, aligned to the clock (30s, 5m, 1h)', period, 300_000)
    .option(
      '--as-of <date>',
      'fixed UTC date for the date-dependent columns (default: CDP_AS_OF, else today)',
      calendarDate,
    )
    .option('--no-publish', 'leave the triggers runs raise queued for an updater to publish')
    .action(async (opts: { every: number; asOf?: string; publish: boolean }) => {
      const config = loadConfig();
      await checkServices(config, opts.publish ? ['postgres', transportService(config.transport)] : ['postgres']);
      const logger = createLogger({ level: config.logLevel, name: 'cdp-scorer' });
      const publisher = opts.publish ? openTriggerPublisher(config, logger, 'cdp-scorer') : null;
      const summary = await runScorer({
        config,
        logger,
        everyMs: opts.every,
        asOf: opts.asOf,
        handleSignals: true,
        publishTriggers: publisher ? (db) => publisher.publish(db) : undefined,
      }).finally(() => publisher?.close());
      process.stderr.write(
        `scorer stopped (${summary.reason}): ${summary.runs} runs, ${summary.skipped} periods skipped, ${summary.failed} failed\n`,
      );
    });
}
