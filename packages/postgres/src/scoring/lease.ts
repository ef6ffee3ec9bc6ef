import pg from 'pg';

/** Advisory lock key of the scoring job (migrate holds 3_600_001). */
export const SCORING_LOCK_KEY = 3_600_002;

export type LeaseAttempt = { acquired: true } | { acquired: false; holder: string | null };

/**
 * "One scorer at a time" as a Postgres session advisory lock on a connection of its own: whoever
 * holds it does the run; a holder that crashes or loses its connection releases it with the
 * session, so no lease is ever stuck.
 */
export class ScoringLease {
  private client: pg.Client | null = null;
  private held = false;

  constructor(
    private readonly url: string,
    /** Shown to instances that find the lease taken (pg_stat_activity.application_name). */
    private readonly holder: string,
  ) {}

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.url, application_name: this.holder.slice(0, 63) });
    // A lost connection has released the lock: forget it, the next attempt reconnects.
    client.on('error', () => this.forget(client));
    client.on('end', () => this.forget(client));
    await client.connect();
    this.client = client;
    return client;
  }

  private forget(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held = false;
  }

  /** Whether this instance holds the lease (as far as it knows: the connection may have died). */
  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the lease if free; otherwise says who has it, when Postgres can tell. */
  async tryAcquire(): Promise<LeaseAttempt> {
    const client = await this.connection();
    const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SCORING_LOCK_KEY]);
    if (res.rows[0]!.ok) {
      this.held = true;
      return { acquired: true };
    }
    const who = await client
      .query<{ holder: string }>(
        `SELECT a.application_name || ' (backend ' || a.pid || ')' AS holder
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [SCORING_LOCK_KEY],
      )
      .catch(() => ({ rows: [] as { holder: string }[] }));
    return { acquired: false, holder: who.rows[0]?.holder ?? null };
  }

  async release(): Promise<void> {
    if (!this.held || !this.client) return;
    this.held = false;
    await this.client.query('SELECT pg_advisory_unlock($1)', [SCORING_LOCK_KEY]);
  }

  /** Closes the connection (which releases the lease if held). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    await client?.end().catch(() => {});
  }
}
