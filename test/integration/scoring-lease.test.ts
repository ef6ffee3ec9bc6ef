import { addDays } from '@cdp360/domain';
import { lockCustomer360Rows, runBatch, SCORING_LOCK_KEY } from '@cdp360/postgres';
import pg from 'pg';
import { runCdp, sleep, spawnCdp } from '../helpers/cdp-process';
import { withDatabase } from '../helpers/database';
import { makeCustomer, makeProduct, makePurchase } from '../helpers/facts';
import { streamVersusBatch } from '../helpers/updater';

const AS_OF = '2026-07-01';

describe('scoring: one scorer at a time, runs safe to interrupt', () => {
  const db = withDatabase();
  const env = () => ({ ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'info' });

  beforeAll(async () => {
    const p = await makeProduct(db.pool, { product_id: 1 });
    for (let id = 1; id <= 40; id++) {
      await makeCustomer(db.pool, { customer_id: id, registration_date: '2025-01-01' });
      const amount = `${(id % 7) * 10}.00`;
      await makePurchase(db.pool, {
        customer_id: id,
        total_amount: amount,
        purchase_date: '2026-06-01',
        items: [{ product_id: p.product_id }],
      });
    }
    await runBatch(db.pool, { asOf: AS_OF });
    await db.pool.query('UPDATE customer_360 SET customer_lifetime_value_score = NULL');
  });

  it('two scorer processes started together: exactly one run per period', async () => {
    const a = spawnCdp(['scorer', '--every', '2s', '--as-of', AS_OF], env());
    const b = spawnCdp(['scorer', '--every', '2s', '--as-of', AS_OF], env());
    try {
      for (let i = 0; i < 60; i++) {
        const r = await db.pool.query(
          'SELECT count(DISTINCT period_start)::int AS n FROM scoring_runs WHERE finished_at IS NOT NULL',
        );
        if (r.rows[0].n >= 3) break;
        await sleep(250);
      }
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
    }
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect([ea.code, eb.code]).toEqual([0, 0]);

    const runs = await db.pool.query<{ period_start: Date; runs: number; finished: number }>(
      `SELECT period_start, count(*)::int AS runs, count(finished_at)::int AS finished
         FROM scoring_runs GROUP BY period_start ORDER BY period_start`,
    );
    expect(runs.rows.length).toBeGreaterThanOrEqual(3);
    for (const r of runs.rows) {
      expect(r.period_start).not.toBeNull();
      expect({ period: r.period_start, runs: r.runs }).toEqual({ period: r.period_start, runs: 1 });
    }
    // Each period was skipped by the instance that did not run it, and it said why.
    const said = a.output() + b.output();
    expect(said).toMatch(/period skipped: (another scorer holds the lease|its run is already done)/);
    expect((await streamVersusBatch(db.pool, AS_OF, [])).equal).toBe(true);
  }, 60_000);

  it('cdp score --once skips while another holder has the lease, and runs once it is free', async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: 'test-lease-holder' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [SCORING_LOCK_KEY]);
      const before = await db.pool.query('SELECT count(*)::int AS n FROM scoring_runs');
      const out = await runCdp(['score', '--once', '--as-of', AS_OF], env());
      expect(out).toMatch(/skipped: another scorer holds the lease \(test-lease-holder \(backend \d+\)\)/);
      const after = await db.pool.query('SELECT count(*)::int AS n FROM scoring_runs');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    } finally {
      // A holder that goes away releases the lease with its session.
      await holder.end();
    }
    expect(await runCdp(['score', '--once', '--as-of', AS_OF], env())).toMatch(/scoring run \d+ as of 2026-07-01/);
  }, 60_000);

  it('a run killed mid-way leaves its finished steps recorded, and the next run finishes the job', async () => {
    const next = addDays(AS_OF, 1);
    // Hold one row as an updater unit comparing rows for triggers does, so that the date step waits
    // for it while the CLV and favourites steps commit; then kill the process there.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await lockCustomer360Rows(blocker, [17]);
    const p = spawnCdp(['score', '--once', '--as-of', next], env());
    let run:
      | { run_id: string; favorites_ms: number | null; dates_ms: number | null; finished_at: Date | null }
      | undefined;
    try {
      for (let i = 0; i < 80 && run?.favorites_ms == null; i++) {
        await sleep(100);
        run = (await db.pool.query('SELECT * FROM scoring_runs WHERE as_of = $1 ORDER BY run_id DESC LIMIT 1', [next]))
          .rows[0];
      }
      expect(run?.favorites_ms).not.toBeNull();
      p.child.kill('SIGKILL');
      await p.exited;
      // The server reaps the dead client's session (it would on its next read); its step rolls back.
      await db.pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'cdp-scorer'",
      );
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const killed = (await db.pool.query('SELECT * FROM scoring_runs WHERE run_id = $1', [run!.run_id])).rows[0];
    expect(killed).toMatchObject({ dates_ms: null, finished_at: null });
    const stale = await streamVersusBatch(db.pool, next, []);
    // Nothing of the date step landed (purchases 30 days before AS_OF are 31 days old the next day).
    expect(stale.columns.map((c) => c.column)).toEqual([
      'customer_tenure_days',
      'days_since_last_purchase',
      'churn_risk_score',
    ]);

    await runCdp(['score', '--once', '--as-of', next], env());
    expect((await streamVersusBatch(db.pool, next, [])).equal).toBe(true);
  }, 60_000);
});
