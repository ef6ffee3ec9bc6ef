import { sleep, spawnCdp } from '../helpers/cdp-process';
import { updaterArgs } from '../helpers/crash';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { createScenario, produceGenerated, type Scenario, streamVersusBatch } from '../helpers/updater';

/**
 * Redis may lose everything (FLUSHALL, a restart without persistence): the updater notices before
 * applying more, rebuilds the aggregates from the facts in Postgres, and ends with the same table.
 */
describe('Redis loss during a run', () => {
  let s: Scenario;
  let redis: PrivateRedis;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
    redis = await startPrivateRedis();
    s.env.REDIS_URL = redis.url;
    s.env.LOG_LEVEL = 'info';
  });
  afterAll(async () => {
    await redis?.kill();
    await s?.close();
  });

  const factCount = async () => Number((await s.db.pool.query('SELECT count(*) AS n FROM website_behavior')).rows[0].n);

  async function runWith(disturb: () => Promise<void>, seed: number) {
    const manifest = await produceGenerated(s, {
      customers: 1500,
      eventsPerCustomer: 8,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed,
    });
    const before = await factCount();
    const p = spawnCdp(updaterArgs(), s.env);
    const deadline = Date.now() + 120_000;
    while ((await factCount()) < before + 2000 && p.child.exitCode === null && Date.now() < deadline) await sleep(20);
    if (p.child.exitCode === null && Date.now() >= deadline) throw new Error(`no progress:\n${p.output()}`);
    expect(p.child.exitCode).toBeNull(); // still consuming when Redis goes away
    await disturb();
    const { code } = await Promise.race([
      p.exited,
      sleep(120_000).then(() => {
        p.child.kill('SIGKILL');
        throw new Error(`updater did not finish:\n${p.output().slice(-5000)}`);
      }),
    ]);
    if (code !== 0) throw new Error(`updater exited ${code}:\n${p.output()}`);
    return { manifest, output: p.output() };
  }

  it('FLUSHALL mid-run: rebuilt, same table as the batch', async () => {
    const c = redis.client();
    const { output } = await runWith(async () => {
      await c.flushall();
    }, 31);
    c.disconnect();
    expect(output).toMatch(/Redis lost its state/);
    expect(output).toMatch(/rebuilt Redis aggregates from Postgres facts/);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  }, 180_000);

  it('Redis killed and restarted empty mid-run: rebuilt, same table as the batch', async () => {
    const { output } = await runWith(async () => {
      await redis.kill();
      await sleep(500);
      await redis.restart();
    }, 32);
    expect(output).toMatch(/rebuilt Redis aggregates from Postgres facts/);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  }, 180_000);
});
