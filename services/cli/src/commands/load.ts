import path from 'node:path';
import { createLogger, loadConfig } from '@cdp360/config';
import { loadNdjsonDir, NdjsonDeadLetterSink, openPipeline } from '@cdp360/updater';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';
import { calendarDate, positiveInt } from './arguments';
import { countersTable } from './counters-table';

export function registerLoadCommand(program: Command): void {
  program
    .command('load')
    .description('apply an NDJSON directory from `cdp generate --to files` through the same pipeline as the updater')
    .requiredOption('--from <dir>', 'directory written by cdp generate --to files')
    .option('--dead-letter <file>', 'where rejected messages go (default: <dir>/dead-letters.ndjson)')
    .option(
      '--as-of <date>',
      'fixed UTC date for the date-dependent columns (default: CDP_AS_OF, else today)',
      calendarDate,
    )
    .option('--redis-namespace <prefix>', 'prefix of every Redis key', 'cdp:')
    .option('--unit-size <n>', 'messages per unit of work', positiveInt, 5000)
    .action(
      async (opts: { from: string; deadLetter?: string; asOf?: string; redisNamespace: string; unitSize: number }) => {
        const env = { ...process.env };
        if (opts.asOf !== undefined) env.CDP_AS_OF = opts.asOf;
        const config = loadConfig(env);
        await checkServices(config, ['postgres', 'redis']);
        const logger = createLogger({ level: config.logLevel, name: 'cdp-load', destination: pino.destination(2) });
        const deadLetters = new NdjsonDeadLetterSink(opts.deadLetter ?? path.join(opts.from, 'dead-letters.ndjson'));
        const ctx = openPipeline({
          config,
          logger,
          deadLetters,
          redisNamespace: opts.redisNamespace,
          applicationName: 'cdp-load',
        });
        const bar = process.stderr.isTTY ? new SingleBar({ format: 'load [{bar}] {value} messages' }) : null;
        const started = Date.now();
        try {
          await ctx.pipeline.start();
          bar?.start(0, 0);
          const counters = await loadNdjsonDir(ctx.pipeline, opts.from, {
            unitSize: opts.unitSize,
            onUnit: (done) => bar?.update(done),
          });
          bar?.stop();
          process.stderr.write(
            `${countersTable(counters)}loaded in ${((Date.now() - started) / 1000).toFixed(1)} s; dead letters in ${deadLetters.file}\n`,
          );
        } finally {
          bar?.stop();
          await deadLetters.close();
          await ctx.close();
        }
      },
    );
}
