import { createLogger, loadConfig } from '@cdp360/config';
import { createPool, profileExists, readTouchpoints } from '@cdp360/postgres';
import { buildJourney, journeyMermaid } from '@cdp360/serve';
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';

const MAX = 1000;

function customerId(value: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
    throw new InvalidArgumentError('expected a customer id 1-2147483647');
  }
  return Number(value);
}

export function registerJourneyCommand(program: Command): void {
  program
    .command('journey')
    .description("a customer's touchpoints as a journey of stages in time order (JSON, or Mermaid)")
    .argument('<customer_id>', 'customer id', customerId)
    .option('--mermaid', 'print Mermaid flowchart text instead of JSON')
    .action(async (id: number, opts: { mermaid?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel, name: 'cdp', destination: pino.destination(2) });
      const db = createPool(config.databaseUrl, { applicationName: 'cdp-journey', max: 1, logger });
      try {
        if (!(await profileExists(db, id))) {
          process.stderr.write(`no profile with customer_id ${id}\n`);
          process.exitCode = 1;
          return;
        }
        const rows = await readTouchpoints(db, id, { limit: MAX + 1 });
        const touchpoints = rows
          .slice(0, MAX)
          .reverse()
          .map((r) => ({ kind: r.kind, id: r.id, date: r.date, ...r.details }));
        // biome-ignore lint/suspicious/noExplicitAny: rows carry each kind's own fields
        const journey = buildJourney(id, touchpoints as any, rows.length > MAX);
        process.stdout.write(opts.mermaid ? journeyMermaid(journey) : `${JSON.stringify(journey, null, 2)}\n`);
      } finally {
        await db.end();
      }
    });
}
