import { createLogger, loadConfig } from '@cdp360/config';
import { allCustomerIds, deleteRowsWithoutFacts } from '@cdp360/postgres';
import { openPipeline } from '@cdp360/updater';
import { MultiBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';
import { calendarDate } from './arguments';

const CHUNK = 5000;

/**
 * Recomputes every Redis aggregate and customer_360 row from the durable facts in Postgres: after a
 * release that changes the logic, or to repair a cache. Safe to interrupt and run again.
 */
export function registerRebuildCommand(program: Command): void {
  program
    .command('rebuild')
    .description('recompute all Redis aggregates and customer_360 rows from the facts in Postgres')
    .option(
      '--as-of <date>',
      'fixed UTC date for the date-dependent columns (default: CDP_AS_OF, else today)',
      calendarDate,
    )
    .option('--redis-namespace <prefix>', 'prefix of every Redis key', 'cdp:')
    .action(async (opts: { asOf?: string; redisNamespace: string }) => {
      const env = { ...process.env };
      if (opts.asOf !== undefined) env.CDP_AS_OF = opts.asOf;
      const config = loadConfig(env);
      await checkServices(config, ['postgres', 'redis']);
      const logger = createLogger({ level: config.logLevel, name: 'cdp-rebuild', destination: pino.destination(2) });
      const ctx = openPipeline({
        config,
        logger,
        deadLetters: {
          send: () => Promise.reject(new Error('a rebuild reads no messages, so it rejects none')),
        },
        // Rows that change raise triggers; they wait in Postgres until an updater publishes them.
        triggerSink: 'queue',
        redisNamespace: opts.redisNamespace,
        applicationName: 'cdp-rebuild',
      });
      const bars = process.stderr.isTTY
        ? new MultiBar({ format: '{phase} [{bar}] {value}/{total}', clearOnComplete: false }, Presets.shades_classic)
        : null;
      const started = Date.now();
      try {
        await ctx.pipeline.start();
        const aggregates = bars?.create(0, 0, { phase: 'aggregates' });
        const r = await ctx.pipeline.rebuildAggregates((p) => {
          aggregates?.setTotal(p.total);
          aggregates?.update(p.customers);
        });
        const removed = await deleteRowsWithoutFacts(ctx.db);
        const ids = await allCustomerIds(ctx.db);
        const rowsBar = bars?.create(ids.length, 0, { phase: 'rows      ' });
        let rows = 0;
        let triggers = 0;
        for (let i = 0; i < ids.length; i += CHUNK) {
          const w = await ctx.pipeline.rederive(ids.slice(i, i + CHUNK));
          rows += w.rows;
          triggers += w.triggers;
          rowsBar?.update(Math.min(i + CHUNK, ids.length));
        }
        bars?.stop();
        process.stdout.write(
          `rebuilt ${r.customers} customers' aggregates (epoch ${r.epoch}), wrote ${rows} rows, removed ${removed} rows without facts, queued ${triggers} triggers, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      } finally {
        bars?.stop();
        await ctx.close();
      }
    });
}
