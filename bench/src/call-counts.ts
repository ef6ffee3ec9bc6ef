import { dataNodes, type RedisClient } from '@cdp360/redis';
import { Pipeline, Redis } from 'ioredis';
import pg from 'pg';

/**
 * Client-side counts of the calls this process makes to Postgres and Redis while a measurement is
 * on. Counting wraps the prototypes the adapters use (pg.Client#query, ioredis sendCommand and
 * Pipeline#exec), so the updater runs unchanged; the benchmark itself sends nothing while counting.
 */
export interface CallCounts {
  /** Statements sent to Postgres (pool.query goes through Client#query). */
  pgStatements: number;
  /** Commands sent to Redis, pipelined or not (an EVALSHA counts once). */
  redisCommands: number;
  /** Redis round trips: pipeline executions plus commands sent outside a pipeline. */
  redisRoundTrips: number;
  /** Wall time with at least one Postgres statement outstanding, ms. */
  pgBusyMs: number;
  /** Wall time with at least one Redis pipeline outstanding, ms. */
  redisBusyMs: number;
}

/** Accumulates the wall time during which at least one call of a kind is outstanding. */
class BusyClock {
  private outstanding = 0;
  private since = 0;
  ms = 0;
  begin(): void {
    if (this.outstanding++ === 0) this.since = performance.now();
  }
  end(): void {
    if (--this.outstanding === 0) this.ms += performance.now() - this.since;
  }
}

let pgClock = new BusyClock();
let redisClock = new BusyClock();

let counting: CallCounts | null = null;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const clientProto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    if (!counting) return query.apply(this, args);
    counting.pgStatements++;
    const clock = pgClock;
    clock.begin();
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (...r: unknown[]) => {
        clock.end();
        return (cb as (...a: unknown[]) => unknown)(...r);
      };
      return query.apply(this, args);
    }
    const out = query.apply(this, args) as Promise<unknown> | undefined;
    if (out && typeof out.then === 'function')
      out.then(
        () => clock.end(),
        () => clock.end(),
      );
    else clock.end();
    return out;
  };
  const redisProto = Redis.prototype as unknown as { sendCommand: (...a: unknown[]) => unknown };
  const sendCommand = redisProto.sendCommand;
  redisProto.sendCommand = function (this: unknown, ...args: unknown[]) {
    if (counting) {
      counting.redisCommands++;
      // Pipelines pass their own buffering stream as the second argument.
      if (args[1] === undefined) counting.redisRoundTrips++;
    }
    return sendCommand.apply(this, args);
  };
  const pipelineProto = Pipeline.prototype as unknown as { exec: (...a: unknown[]) => unknown };
  const exec = pipelineProto.exec;
  pipelineProto.exec = function (this: unknown, ...args: unknown[]) {
    if (!counting) return exec.apply(this, args);
    counting.redisRoundTrips++;
    const clock = redisClock;
    clock.begin();
    const out = exec.apply(this, args) as Promise<unknown>;
    out.then(
      () => clock.end(),
      () => clock.end(),
    );
    return out;
  };
}

/** Starts counting; the returned function stops and returns the counts. */
export function countCalls(): () => CallCounts {
  install();
  const c: CallCounts = { pgStatements: 0, redisCommands: 0, redisRoundTrips: 0, pgBusyMs: 0, redisBusyMs: 0 };
  counting = c;
  pgClock = new BusyClock();
  redisClock = new BusyClock();
  return () => {
    if (counting === c) counting = null;
    return { ...c, pgBusyMs: pgClock.ms, redisBusyMs: redisClock.ms };
  };
}

/** Transactions committed and rolled back in one database, from pg_stat_database (server side). */
export async function databaseXacts(pool: pg.Pool, database: string): Promise<number> {
  // Backends publish their counters when idle or on exit; force our own view to be current.
  await pool.query('SELECT pg_stat_clear_snapshot()');
  const r = await pool.query<{ n: string }>(
    'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Calls per command from INFO commandstats (server-wide: includes other clients and Lua's inner calls),
 * summed over the masters of a cluster.
 */
export async function redisCommandStats(redis: RedisClient): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const node of await dataNodes(redis)) {
    const info = await node.info('commandstats');
    for (const line of info.split('\n')) {
      const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
    }
  }
  return out;
}

/**
 * Microseconds the server spent in scripts (EVALSHA and EVAL, INFO commandstats `usec`): a script's
 * figure covers its whole run, the commands it calls included, so this is the server time of the
 * updater's per-customer calls, read from the server rather than from the process's CPU (which on a
 * shared server includes every other client).
 */
export async function redisScriptUsec(redis: RedisClient): Promise<number> {
  let usec = 0;
  for (const node of await dataNodes(redis)) {
    const info = await node.info('commandstats');
    for (const line of info.split('\n')) {
      const m = /^cmdstat_(evalsha|eval):calls=\d+,usec=(\d+)/.exec(line.trim());
      if (m) usec += Number(m[2]);
    }
  }
  return usec;
}

export function statsDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
