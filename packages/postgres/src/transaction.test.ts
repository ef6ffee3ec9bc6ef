import { inTransaction, type PooledTransactionClient, type TransactionPool, withTransaction } from './transaction';

/** An in-memory pool port: records the statements each client saw and how it was released. */
class MemoryClient implements PooledTransactionClient {
  readonly statements: string[] = [];
  released: { err: Error | boolean | undefined } | null = null;
  constructor(private readonly failing: ReadonlySet<string> = new Set()) {}
  async query(text: string): Promise<unknown> {
    this.statements.push(text);
    if (this.failing.has(text)) throw new Error(`${text} failed`);
    return { rows: [] };
  }
  release(err?: Error | boolean): void {
    if (this.released) throw new Error('released twice');
    this.released = { err };
  }
}

function poolOf(client: MemoryClient): TransactionPool<MemoryClient> {
  return { connect: async () => client };
}

/** The message of the error the client was released with (pg-pool destroys such a client). */
function releasedWith(client: MemoryClient): string | null {
  const err = client.released?.err;
  return err instanceof Error ? err.message : null;
}

describe('withTransaction', () => {
  it('commits and returns the client to the pool', async () => {
    const client = new MemoryClient();
    const result = await withTransaction(poolOf(client), async (c) => {
      await c.query('SELECT 1');
      return 42;
    });
    expect(result).toBe(42);
    expect(client.statements).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
    expect(client.released).toEqual({ err: undefined });
  });

  it('rolls back, rethrows the error of the work and pools a client whose ROLLBACK worked', async () => {
    const client = new MemoryClient();
    const work = new Error('work failed');
    await expect(
      withTransaction(poolOf(client), async () => {
        throw work;
      }),
    ).rejects.toBe(work);
    expect(client.statements).toEqual(['BEGIN', 'ROLLBACK']);
    expect(client.released).toEqual({ err: undefined });
  });

  it('destroys a client whose ROLLBACK failed: release(err), never back into the pool', async () => {
    const client = new MemoryClient(new Set(['ROLLBACK']));
    const work = new Error('work failed');
    await expect(
      withTransaction(poolOf(client), async () => {
        throw work;
      }),
    ).rejects.toBe(work);
    expect(releasedWith(client)).toBe('ROLLBACK failed');
  });

  it('rolls back a failed COMMIT', async () => {
    const client = new MemoryClient(new Set(['COMMIT']));
    await expect(withTransaction(poolOf(client), async () => 1)).rejects.toThrow('COMMIT failed');
    expect(client.statements).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
    expect(client.released).toEqual({ err: undefined });
  });

  it('destroys a client whose BEGIN failed and does not run the work', async () => {
    const client = new MemoryClient(new Set(['BEGIN']));
    let ran = false;
    await expect(
      withTransaction(poolOf(client), async () => {
        ran = true;
      }),
    ).rejects.toThrow('BEGIN failed');
    expect(ran).toBe(false);
    expect(releasedWith(client)).toBe('BEGIN failed');
  });
});

describe('inTransaction', () => {
  it('leaves the client to its owner and reports a failed ROLLBACK', async () => {
    const client = new MemoryClient(new Set(['ROLLBACK']));
    const broken: Error[] = [];
    await expect(
      inTransaction(
        client,
        async () => {
          throw new Error('work failed');
        },
        (err) => broken.push(err),
      ),
    ).rejects.toThrow('work failed');
    expect(broken.map((e) => e.message)).toEqual(['ROLLBACK failed']);
    expect(client.released).toBeNull();
  });
});
