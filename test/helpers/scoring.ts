import { type ClvCutPoints, estimateClvScore } from '@cdp360/domain';
import { latestClvCutPoints } from '@cdp360/postgres';
import type pg from 'pg';
import { runCdp } from './cdp-process';
import type { Scenario } from './updater';

/** `cdp score --once --as-of asOf` as a child process of the scenario; returns its output. */
export function scoreOnceCli(s: Scenario, asOf: string): Promise<string> {
  return runCdp(['score', '--once', '--as-of', asOf], s.env);
}

/** customer_360 rows keyed by customer id (for before/after comparisons). */
export async function customer360Snapshot(pool: pg.Pool): Promise<Map<number, Record<string, unknown>>> {
  const res = await pool.query('SELECT * FROM customer_360 ORDER BY customer_id');
  return new Map(res.rows.map((r) => [r.customer_id as number, r]));
}

/** Per customer, the columns whose values differ between two snapshots. */
export function changedColumns(
  before: Map<number, Record<string, unknown>>,
  after: Map<number, Record<string, unknown>>,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, a] of after) {
    const b = before.get(id);
    const cols = Object.keys(a).filter((c) => JSON.stringify(a[c]) !== JSON.stringify(b?.[c]));
    if (cols.length > 0) out.set(id, cols);
  }
  return out;
}

/** Rows whose stored quintile differs from what the latest run's cut points estimate for them. */
export async function rowsOffTheirCutPoints(pool: pg.Pool): Promise<{ cuts: ClvCutPoints | null; off: number[] }> {
  const cuts = await latestClvCutPoints(pool);
  const rows = await pool.query<{ customer_id: number; cents: string | null; score: number | null }>(
    `SELECT customer_id, (total_lifetime_value * 100)::bigint::text AS cents, customer_lifetime_value_score AS score
       FROM customer_360`,
  );
  const off = rows.rows
    .filter((r) => estimateClvScore(cuts, r.cents === null ? null : BigInt(r.cents), r.customer_id) !== r.score)
    .map((r) => r.customer_id);
  return { cuts, off };
}

/** `client` with every statement it is sent recorded in `statements`, to tell which way a step ran. */
export function tracedClient<C extends pg.ClientBase>(client: C): { traced: C; statements: string[] } {
  const statements: string[] = [];
  const query = client.query.bind(client) as (sql: string, params?: unknown[]) => Promise<unknown>;
  const traced = Object.assign(Object.create(client), {
    query: (sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    },
  }) as C;
  return { traced, statements };
}
