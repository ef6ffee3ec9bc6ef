import { diffCustomer360 } from '@cdp360/postgres';
import { dataNodes, type RedisClient } from '@cdp360/redis';
import type pg from 'pg';

/**
 * Every key of a Redis namespace with its full value, sorted: equal snapshots mean equal state. Scans
 * each master of a cluster.
 */
export async function redisSnapshot(redis: RedisClient, namespace: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of await dataNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        let value: unknown;
        if (type === 'hash') value = Object.entries(await node.hgetall(key)).sort();
        else if (type === 'set') value = (await node.smembers(key)).sort();
        else if (type === 'zset') value = await node.zrange(key, '0', '-1', 'WITHSCORES');
        else value = await node.get(key);
        out.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  }
  return out.sort();
}

/** Copies customer_360 into `table` (replacing it). */
export async function copyCustomer360(db: pg.Pool, table: string): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query(`CREATE TABLE ${table} AS SELECT * FROM customer_360`);
}

/**
 * Customers whose row differs between customer_360 and a copy, in either direction, every column
 * compared (averages with a relative tolerance of 1e-9: a rebuild sums them in another order).
 */
export async function rowsDifferingFrom(db: pg.Pool, table: string): Promise<number[]> {
  const diff = await diffCustomer360(db, { actual: 'customer_360', expected: table, samples: 1_000_000 });
  const ids = new Set<number>([...diff.missingSamples, ...diff.extraSamples]);
  for (const c of diff.columns) for (const s of c.samples) ids.add(s.customer_id);
  return [...ids].sort((a, b) => a - b);
}
