import { createLogger, loadConfig } from '@cdp360/config';
import { createPool } from '@cdp360/postgres';
import type { Command } from 'commander';
import pino from 'pino';
import { checkServices } from '../startup-checks';
import { positiveInt } from './arguments';

/** A look at customer_360: counts, segments, churn and a few profiles (PII columns left out). */
export function registerSummaryCommand(program: Command): void {
  program
    .command('summary')
    .description('print what customer_360 holds: rows, segments, churn risk, and a few profiles')
    .option('--profiles <n>', 'how many of the highest-value profiles to show', positiveInt, 5)
    .action(async (opts: { profiles: number }) => {
      const config = loadConfig();
      await checkServices(config, ['postgres']);
      const logger = createLogger({ level: config.logLevel, name: 'cdp', destination: pino.destination(2) });
      const db = createPool(config.databaseUrl, { applicationName: 'cdp-summary', max: 2, logger });
      try {
        const facts = await db.query<{ table: string; n: string }>(
          `SELECT 'purchases' AS table, count(*) AS n FROM purchase_transactions
           UNION ALL SELECT 'service interactions', count(*) FROM customer_service
           UNION ALL SELECT 'campaign responses', count(*) FROM campaign_responses
           UNION ALL SELECT 'web sessions', count(*) FROM website_behavior
           UNION ALL SELECT 'customer records', count(*) FROM customer_info
           UNION ALL SELECT 'products', count(*) FROM product_catalog
           UNION ALL SELECT 'campaigns', count(*) FROM marketing_campaigns
           UNION ALL SELECT 'customer_360 rows', count(*) FROM customer_360`,
        );
        const segments = await db.query<{ customer_segment: string; n: string; ltv: string | null }>(
          `SELECT customer_segment, count(*) AS n, sum(total_lifetime_value) AS ltv
             FROM customer_360 GROUP BY 1 ORDER BY 1`,
        );
        const churn = await db.query<{ churn_risk_score: number | null; n: string }>(
          'SELECT churn_risk_score, count(*) AS n FROM customer_360 GROUP BY 1 ORDER BY 1 NULLS LAST',
        );
        const top = await db.query(
          `SELECT customer_id, total_orders, total_lifetime_value, average_order_value, last_purchase_date,
                  favorite_category, favorite_brand, total_sessions, customer_segment, churn_risk_score,
                  customer_lifetime_value_score AS clv_score, engagement_score
             FROM customer_360 ORDER BY total_lifetime_value DESC NULLS LAST, customer_id LIMIT $1`,
          [opts.profiles],
        );
        const out: string[] = [];
        out.push('facts and rows');
        for (const r of facts.rows) out.push(`  ${r.table.padEnd(22)} ${r.n.padStart(10)}`);
        out.push('segments');
        for (const r of segments.rows) {
          out.push(`  ${r.customer_segment.padEnd(22)} ${r.n.padStart(10)}  lifetime value ${r.ltv ?? '0.00'}`);
        }
        out.push('churn risk');
        for (const r of churn.rows)
          out.push(`  ${String(r.churn_risk_score ?? 'never purchased').padEnd(22)} ${r.n.padStart(10)}`);
        out.push(`top ${opts.profiles} profiles by lifetime value`);
        for (const r of top.rows) out.push(`  ${JSON.stringify(r)}`);
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await db.end();
      }
    });
}
