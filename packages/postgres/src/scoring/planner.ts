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
