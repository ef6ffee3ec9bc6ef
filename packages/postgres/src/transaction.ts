import type pg from 'pg';

/**
 * The one place a transaction is opened. Semantics follow node-postgres's pool: a client whose
 * ROLLBACK failed is in an unknown state (mid-transaction, or its socket gone), so it is handed back
 * with `release(err)`, which makes pg-pool destroy it instead of pooling it for the next caller.
 * The error the caller sees is always the one that broke the transaction, not the ROLLBACK's.
 */

/** What a transaction needs of a connection: pg's Client, PoolClient and ClientBase fit. */
export interface TransactionClient {
  query(text: string): Promise<unknown>;
}

/** A pool's client: `release(err)` with an error destroys it (pg-pool), without one pools it. */
export interface PooledTransactionClient extends TransactionClient {
  release(err?: Error | boolean): void;
}

/** Where `withTransaction` takes a client from: a pg Pool, or an in-memory port in tests. */
export interface TransactionPool<C extends PooledTransactionClient> {
  connect(): Promise<C>;
}

/**
 * Runs `fn` between BEGIN and COMMIT on a client of its own from `pool`, then releases the client.
 * An error in `fn` or the COMMIT rolls back and is rethrown; if the ROLLBACK (or the BEGIN) fails the
 * client is destroyed (`release(err)`), never returned to the pool.
 */
export function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
export function withTransaction<C extends PooledTransactionClient, T>(
  pool: TransactionPool<C>,
  fn: (client: C) => Promise<T>,
): Promise<T>;
export async function withTransaction<C extends PooledTransactionClient, T>(
  pool: TransactionPool<C>,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await transact(client, fn, (rollbackErr) => {
      broken = rollbackErr;
    });
  } finally {
    client.release(broken);
  }
}

/**
 * The same on a client the caller owns and releases (a session's TEMPORARY tables, a one-off
 * connection). The client must not be in a transaction already. `onBroken` hears of a failed
 * ROLLBACK, so that the owner can destroy the connection rather than reuse it.
 */
export function inTransaction<C extends TransactionClient, T>(
  client: C,
  fn: (client: C) => Promise<T>,
  onBroken?: (rollbackErr: Error) => void,
): Promise<T> {
  return transact(client, fn, onBroken ?? (() => {}));
}

async function transact<C extends TransactionClient, T>(
  client: C,
  fn: (client: C) => Promise<T>,
  onBroken: (rollbackErr: Error) => void,
): Promise<T> {
  // A BEGIN that fails leaves the connection in no known state either (usually it is gone).
  await client.query('BEGIN').catch((err: unknown) => {
    onBroken(asError(err));
    throw err;
  });
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      onBroken(asError(rollbackErr));
    });
    throw err;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
