import type { ClientBase, Pool } from 'pg';

type Queryable = Pool | ClientBase;

export type UpdaterStateName = 'redis_epoch' | 'catalog_settled';

export async function readUpdaterState(db: Queryable, name: UpdaterStateName): Promise<bigint> {
  const res = await db.query<{ value: string }>('SELECT value FROM updater_state WHERE name = $1', [name]);
  if (res.rows.length === 0) throw new Error(`updater_state has no row ${name}: run cdp migrate`);
  return BigInt(res.rows[0]!.value);
}

/** Raises a counter to at least `value` (never lowers it). */
export async function raiseUpdaterState(db: Queryable, name: UpdaterStateName, value: bigint): Promise<void> {
  await db.query('UPDATE updater_state SET value = GREATEST(value, $2) WHERE name = $1', [name, value.toString()]);
}

/** Adds one to a counter and returns the new value. */
export async function bumpUpdaterState(db: Queryable, name: UpdaterStateName): Promise<bigint> {
  const res = await db.query<{ value: string }>(
    'UPDATE updater_state SET value = value + 1 WHERE name = $1 RETURNING value',
    [name],
  );
  return BigInt(res.rows[0]!.value);
}
