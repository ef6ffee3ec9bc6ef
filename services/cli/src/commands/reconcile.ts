import { createLogger, loadConfig } from '@cdp360/config';
import { CUSTOMER_360_COLUMNS, utcDate } from '@cdp360/domain';
import { batchIntoTable, createPool, diffCustomer360 } from '@cdp360/postgres';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';
import { calendarDate, positiveInt } from './arguments';

const SCRATCH_TABLE = 'customer_360_reconcile';

function columnList(value: string): string[] {
  const cols = value.split(',').map((c) => c.trim());
  for (const c of cols) {
    if (!(CUSTOMER_360_COLUMNS as readonly string[]).includes(c) || c === 'customer_id') {
      throw new InvalidArgumentError(`${c} is not a customer_360 column`);
    }
  }
  return cols;
}

/**
 * Compares customer_360 with what the batch recompute gives for the same facts, changing nothing in
 * customer_360 (the batch result goes to a scratch table that is dropped afterwards). Exit code 1 on
 * any difference.
 */
export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('compare customer_360 with the batch recompute; exit 1 on any difference')
    .option('--as-of <date>', 'UTC date for the date-dependent columns (default: CDP_AS_OF, else today)', calendarDate)
    .option('--ignore <columns>', 'comma-separated columns to leave out of the comparison', columnList, [])
    .option('--samples <n>', 'differing rows to show per column', positiveInt, 5)
    .action(async (opts: { asOf?: string; ignore: string[]; samples: number }) => {
      const config = loadConfig();
      await checkServices(config, ['postgres']);
      const asOf = opts.asOf ?? config.asOf ?? utcDate(new Date());
      const logger = createLogger({ level: config.logLevel, name: 'cdp', destination: pino.destination(2) });
      const db = createPool(config.databaseUrl, { applicationName: 'cdp-reconcile', max: 4, logger });
      try {
        await db.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`);
        await batchIntoTable(db, { asOf, table: SCRATCH_TABLE, create: true });
        const diff = await diffCustomer360(db, {
          actual: 'customer_360',
          expected: SCRATCH_TABLE,
          ignore: opts.ignore,
          samples: opts.samples,
        });
        const out = [`reconcile as of ${asOf}: ${diff.rowsCompared} rows compared`];
        if (diff.missingInActual > 0) {
          out.push(
            `  ${diff.missingInActual} customers missing from customer_360, e.g. ${diff.missingSamples.join(', ')}`,
          );
        }
        if (diff.missingInExpected > 0) {
          out.push(
            `  ${diff.missingInExpected} customers in customer_360 but not in the facts, e.g. ${diff.extraSamples.join(', ')}`,
          );
        }
        for (const c of diff.columns) {
          out.push(`  ${c.column}: ${c.count} rows differ`);
          for (const s of c.samples) {
            out.push(
              `    customer ${s.customer_id}: table ${JSON.stringify(s.actual)}, batch ${JSON.stringify(s.expected)}`,
            );
          }
        }
        out.push(diff.equal ? 'no differences' : 'DIFFERENCES FOUND');
        process.stdout.write(`${out.join('\n')}\n`);
        if (!diff.equal) process.exitCode = 1;
      } finally {
        await db.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`).catch(() => {});
        await db.end();
      }
    });
}
