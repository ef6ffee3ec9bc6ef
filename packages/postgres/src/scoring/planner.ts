import type { ClientBase } from 'pg';

/**
 * Runs a read-only step statement with `parallel_tuple_cost` low, for the statement alone (inside
 * the step's transaction). The planner cannot estimate how few rows such a statement hands back
 * (bucket counts, trigger candidates, the rows of a few key ranges) and, at its guess of a row per
 * table row, would rather not hand rows from parallel workers at all.
 */
export async function withCheapRowHandover<T>(client: ClientBase, run: () => Promise<T>): Promise<T> {
  await client.query('SET LOCAL parallel_tuple_cost = 0.001');
  const result = await run();
  await client.query('SET LOCAL parallel_tuple_cost TO DEFAULT');
  return result;
}

/** Rows of customer_360_rows as the planner last estimated them (-1 before any VACUUM or ANALYZE). */
export async function estimatedRows(client: ClientBase): Promise<number> {
  const r = await client.query<{ n: number }>(
    "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'customer_360_rows'::regclass",
  );
  return r.rows[0]?.n ?? -1;
}
