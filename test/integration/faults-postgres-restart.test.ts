import { createPool, migrate } from '@cdp360/postgres';
import type pg from 'pg';
import { countRows } from '../helpers/crash';
import { expectExactAfterFault, type FaultRun, logLines, runThroughFault } from '../helpers/faults';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/postgres-server';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

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

  async function throughFault(
    name: string,
    seed: number,
    fault: Parameters<typeof runThroughFault>[0]['fault'],
    holdMs: number,
  ) {
    const manifest = await produceGenerated(s, {
      customers: 300,
      eventsPerCustomer: 8,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed,
    });
    const run = await runThroughFault({
      env: s.env,
      redisNamespace: s.redisNamespace,
      progress: () => countRows(pool, ['website_behavior']),
      at: 200,
      fault,
      holdMs,
    });
    await expectExactAfterFault(name, s.kafka, pool, s.asOf, manifest, s.prefix, run, streamVersusBatch);
    return run;
  }

  function expectOneLinePerOutage(run: FaultRun) {
    const warnings = logLines([...run.linesDuringFault, ...run.linesAfterFault]);
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^Postgres unreachable \(/)]);
    expect(run.output).toMatch(/"msg":"Postgres reachable again after [\d.]+ s"/);
    expect(run.output).not.toMatch(/"stack":/);
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Postgres unreachable'))).toBe(true);
  }

  it('restarted (fast shutdown, down 3 s, started)', async () => {
    const run = await throughFault(
      'postgres: restarted',
      61,
      { begin: () => pgServer.shutdown(), end: () => pgServer.start() },
      3000,
    );
    expectOneLinePerOutage(run);
  }, 180_000);

  it('killed with SIGKILL, down 3 s, started again (crash recovery)', async () => {
    const run = await throughFault(
      'postgres: SIGKILL and start',
      62,
      { begin: () => pgServer.kill(), end: () => pgServer.start() },
      3000,
    );
    expectOneLinePerOutage(run);
  }, 180_000);
});
