import { createPool, migrate } from '@cdp360/postgres';
import type pg from 'pg';
import { expectOutageLoggedOnce, type FaultRun, produceAndRunThroughFault } from '../helpers/faults';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/postgres-server';
import { createScenario, type Scenario } from '../helpers/updater';

/**
 * The Postgres server itself goes away under a running `cdp updater`: restarted (a fast shutdown,
 * then a start), and killed with SIGKILL (postmaster and backends) then started again, recovering
 * from its WAL. A private server, so nothing else notices.
 */
describe('faults: Postgres restarted and killed mid-run', () => {
  let pgServer: PrivatePostgres;
  let s: Scenario;
  let pool: pg.Pool;
  beforeAll(async () => {
    pgServer = await startPrivatePostgres();
  });
  afterAll(async () => {
    await pgServer?.stop();
  });
  beforeEach(async () => {
    s = await createScenario({ partitions: 3 });
    // The scenario's database, but on the private server.
    const admin = createPool(pgServer.url(), { max: 1 });
    await admin.query(`CREATE DATABASE ${s.db.name}`);
    await admin.end();
    const url = pgServer.url({ database: s.db.name });
    pool = createPool(url, { max: 2 });
    await migrate(pool);
    s.env.DATABASE_URL = url;
  });
  afterEach(async () => {
    await pool?.end();
    await s?.close();
  });

  function expectOneLinePerOutage(run: FaultRun) {
    expectOutageLoggedOnce(run, 'Postgres');
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
  }

  it('restarted (fast shutdown, down 3 s, started)', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'postgres: restarted',
      seed: 61,
      fault: { begin: () => pgServer.shutdown(), end: () => pgServer.start() },
      holdMs: 3000,
      pool,
    });
    expectOneLinePerOutage(run);
  }, 180_000);

  it('killed with SIGKILL, down 3 s, started again (crash recovery)', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'postgres: SIGKILL and start',
      seed: 62,
      fault: { begin: () => pgServer.kill(), end: () => pgServer.start() },
      holdMs: 3000,
      pool,
    });
    expectOneLinePerOutage(run);
  }, 180_000);
});
