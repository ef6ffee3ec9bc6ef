import type { Redis } from 'ioredis';
import type pg from 'pg';

/** Every key of a Redis namespace with its full value, sorted: equal snapshots mean equal state. */
export async function redisSnapshot(redis: Redis, namespace: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'hash') value = Object.entries(await redis.hgetall(key)).sort();
      else if (type === 'set') value = (await redis.smembers(key)).sort();
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else value = await redis.get(key);
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out.sort();
}

/** Copies customer_360 into `table` (replacing it). */
export async function copyCustomer360(db: pg.Pool, table: string): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query(`CREATE TABLE ${table} AS SELECT * FROM customer_360`);
}

/** Rows that differ between customer_360 and a copy, in either direction (all 29 columns). */
export async function rowsDifferingFrom(db: pg.Pool, table: string): Promise<number[]> {
  const res = await db.query<{ customer_id: number }>(
    `SELECT customer_id FROM ((SELECT * FROM customer_360 EXCEPT SELECT * FROM ${table})
       UNION (SELECT * FROM ${table} EXCEPT SELECT * FROM customer_360)) d ORDER BY 1`,
  );
  return [...new Set(res.rows.map((r) => r.customer_id))];
}
