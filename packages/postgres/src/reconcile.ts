import { CUSTOMER_360_COLUMNS } from '@cdp360/domain';
import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

/** Averages are exact means, but summed in different orders by the two paths: compare them relatively. */
const FLOAT_COLUMNS = new Set(['avg_satisfaction_score', 'avg_pages_per_session', 'avg_time_per_session']);
const RELATIVE_TOLERANCE = 1e-9;

export interface ColumnDiff {
  column: string;
  count: number;
  samples: { customer_id: number; actual: unknown; expected: unknown }[];
}

export interface Customer360Diff {
  /** Rows only in the actual table, only in the expected table. */
  missingInActual: number;
  missingInExpected: number;
  missingSamples: number[];
  extraSamples: number[];
  columns: ColumnDiff[];
  rowsCompared: number;
  /** True when nothing differs. */
  equal: boolean;
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new RangeError(`not a plain table name: ${name}`);
  return name;
}

function differs(column: string): string {
  if (FLOAT_COLUMNS.has(column)) {
    return `(a.${column} IS NULL) <> (e.${column} IS NULL)
      OR abs(a.${column} - e.${column}) > ${RELATIVE_TOLERANCE} * greatest(abs(a.${column}), abs(e.${column}), 1e-300)`;
  }
  return `a.${column} IS DISTINCT FROM e.${column}`;
}

/**
 * Compares two tables shaped like customer_360, row by row and column by column, without changing
 * anything. `ignore` leaves columns out (e.g. the CLV score before a scoring run).
 */
export async function diffCustomer360(
  db: Queryable,
  options: { actual: string; expected: string; ignore?: readonly string[]; samples?: number },
): Promise<Customer360Diff> {
  const actual = ident(options.actual);
  const expected = ident(options.expected);
  const samples = options.samples ?? 5;
  const columns = CUSTOMER_360_COLUMNS.filter((c) => c !== 'customer_id' && !options.ignore?.includes(c));
  const counts = columns.map((c) => `count(*) FILTER (WHERE ${differs(c)})::int AS ${c}`).join(',\n  ');
  const [missing, compared] = await Promise.all([
    db.query<{ side: string; ids: number[] | null; n: number }>(
      `SELECT 'actual' AS side, count(*)::int AS n, (array_agg(customer_id ORDER BY customer_id))[1:${samples}] AS ids
         FROM ${expected} e WHERE NOT EXISTS (SELECT 1 FROM ${actual} a WHERE a.customer_id = e.customer_id)
       UNION ALL
       SELECT 'expected', count(*)::int, (array_agg(customer_id ORDER BY customer_id))[1:${samples}]
         FROM ${actual} a WHERE NOT EXISTS (SELECT 1 FROM ${expected} e WHERE e.customer_id = a.customer_id)`,
    ),
    db.query<Record<string, number>>(
      `SELECT count(*)::int AS rows_compared,
  ${counts}
FROM ${actual} a JOIN ${expected} e USING (customer_id)`,
    ),
  ]);
  const row = compared.rows[0]!;
  const diffs: ColumnDiff[] = [];
  for (const c of columns) {
    const n = row[c] ?? 0;
    if (n === 0) continue;
    const s = await db.query<{ customer_id: number; actual: unknown; expected: unknown }>(
      `SELECT customer_id, a.${c} AS actual, e.${c} AS expected
         FROM ${actual} a JOIN ${expected} e USING (customer_id)
        WHERE ${differs(c)} ORDER BY customer_id LIMIT ${samples}`,
    );
    diffs.push({ column: c, count: n, samples: s.rows });
  }
  const m = new Map(missing.rows.map((r) => [r.side, r]));
  const missingInActual = m.get('actual')?.n ?? 0;
  const missingInExpected = m.get('expected')?.n ?? 0;
  return {
    missingInActual,
    missingInExpected,
    missingSamples: m.get('actual')?.ids ?? [],
    extraSamples: m.get('expected')?.ids ?? [],
    columns: diffs,
    rowsCompared: row.rows_compared ?? 0,
    equal: missingInActual === 0 && missingInExpected === 0 && diffs.length === 0,
  };
}
