import type { Logger } from '@cdp360/config';
import pg from 'pg';

/** Postgres type OIDs whose text form we keep as is. */
const DATE_OID = 1082;

// Calendar dates stay `YYYY-MM-DD` strings, as everywhere in the domain: pg's default parser turns a
// `date` into a JS Date at local midnight, which shifts the day in any zone west of UTC. numeric is
// already returned as a string by pg (exact money), so only dates need a parser. Per pool, not global,
// so that no other pg user in the process is affected.
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID && format !== 'binary'
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Shown in pg_stat_activity; name the component (`cdp-updater`, `cdp-cli`). */
  applicationName?: string;
  max?: number;
  idleTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
  /** Server-side limit per statement, 0 for none. */
  statementTimeoutMillis?: number;
  /** Errors of idle connections at debug only: the process reports outages itself (the updater's watch). */
  quietIdleErrors?: boolean;
  /** Where errors of idle connections are reported. */
  logger?: Pick<Logger, 'warn'> & Partial<Pick<Logger, 'debug'>>;
}

/**
 * A pg Pool for `url` with defaults suited to the updater and the CLI: a bounded pool, idle
 * connections closed after a while, a connect timeout so a down database fails fast, dates as
 * `YYYY-MM-DD` strings, numeric as exact decimal strings.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: options.applicationName ?? 'cdp360',
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000, // 30 s
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000, // 10 s
    statement_timeout: options.statementTimeoutMillis ?? 0, // none: the batch recompute may run long
    types: typeParsers,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout gets a fresh connection, so reporting it is enough.
  // When the server goes, every idle client fails at once: one line for them, until a new connection
  // is made (the message only: the error carries the whole client object).
  let reported = false;
  pool.on('error', (err) => {
    const line = { err: err.message, code: (err as { code?: string }).code };
    if (reported || options.quietIdleErrors) options.logger?.debug?.(line, 'idle postgres connection failed');
    else options.logger?.warn(line, 'idle postgres connections failed; the next query reconnects');
    reported = true;
  });
  pool.on('connect', () => {
    reported = false;
  });
  // pg-pool listens for errors of idle clients only; a checked-out client (a transaction, a held
  // advisory lock) whose socket breaks also emits 'error', which without a listener ends the process.
  // Its query in flight rejects with the same error, so the caller hears of it: nothing to add here.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
