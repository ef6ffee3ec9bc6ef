import { loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { runCdp } from '../helpers/cdp-process';
import { killUpdaterRepeatedly, seededRandom, updaterArgs } from '../helpers/crash';
import { consumeTopics } from '../helpers/kafka';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { createScenario, produceGenerated, type Scenario, updaterInProcess } from '../helpers/updater';

/**
 * SIGKILL while erasure requests are applied, each request sent twice: in the end every customer is
 * erased once, with one audit row per request and one profile_erased each (by idempotency key; a
 * crash between publishing and the outbox commit may send the same trigger again, as for any trigger).
 */
describe('erasure under SIGKILL', () => {
  let s: Scenario;
  let redis: PrivateRedis;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, sessionTimeoutMs: 6000 });
    redis = await startPrivateRedis();
    s.env.REDIS_URL = redis.url;
    s.config = loadConfig(s.env);
  });
  afterAll(async () => {
    await redis?.kill();
    await s?.close();
  });
  const q = async (sql: string, params: unknown[] = []) => (await s.db.pool.query(sql, params)).rows;

  it('ends in one erase, one audit row and one profile_erased per customer', async () => {
    await produceGenerated(s, { customers: 120, eventsPerCustomer: 5, duplicateRate: 0, invalidRate: 0, seed: 29 });
    expect((await updaterInProcess(s)).reason).toBe('idle');
    const ids = (await q('SELECT customer_id FROM customer_360 ORDER BY customer_id LIMIT 60')).map(
      (r) => r.customer_id as number,
    );
    expect(ids).toHaveLength(60);
    const args = ['erase', ...ids.map(String), '--request-id', 'crash', '--reason', 'crash test'];
    await runCdp(args, s.env);
    await runCdp(args, s.env);

    const rnd = seededRandom(7);
    const kills = await killUpdaterRepeatedly({
      args: updaterArgs({ redisNamespace: s.redisNamespace, extra: ['--max-unit-messages', '8'] }),
      env: s.env,
      count: async () => (await q('SELECT count(*)::int AS n FROM erasure_requests'))[0].n,
      nextStep: () => 5 + Math.floor(rnd() * 15),
      maxKills: 3,
    });
    expect(kills).toBeGreaterThan(0);
    const last = await updaterInProcess(s);
    expect(last.reason).toBe('idle');

    const audit = await q('SELECT customer_id, count(*)::int AS n FROM erasure_requests GROUP BY 1 ORDER BY 1');
    expect(audit).toEqual(ids.map((id) => ({ customer_id: id, n: 1 })));
    const [left] = await q(
      `SELECT (SELECT count(*) FROM customer_360 WHERE customer_id = ANY($1))
            + (SELECT count(*) FROM customer_info WHERE customer_id = ANY($1))
            + (SELECT count(*) FROM website_behavior WHERE customer_id = ANY($1))
            + (SELECT count(*) FROM purchase_transactions WHERE customer_id = ANY($1)) AS n`,
      [ids],
    );
    expect(Number(left.n)).toBe(0);
    // Each audit row counted the customer's row once: no erase was applied twice.
    const [rows] = await q(`SELECT sum((deleted->>'customer_360')::int)::int AS n FROM erasure_requests`);
    expect(rows.n).toBe(ids.length);
    const c = redis.client();
    const keys = await c.keys(`${s.redisNamespace}*`);
    c.disconnect();
    expect(keys.filter((k) => ids.some((id) => k.includes(`{c:${id}}`)))).toEqual([]);

    const triggers = await consumeTopics(s.kafka, [topicNames(s.prefix).profileTriggers], 1_000_000, 5_000);
    const erasedKeys = new Map<number, Set<string>>();
    for (const m of triggers) {
      const t = JSON.parse(m.value!.toString());
      if (t.data.rule !== 'profile_erased') continue;
      const set = erasedKeys.get(t.data.customer_id) ?? new Set<string>();
      set.add(t.id);
      erasedKeys.set(t.data.customer_id, set);
    }
    expect([...erasedKeys.keys()].sort((a, b) => a - b)).toEqual(ids);
    for (const set of erasedKeys.values()) expect(set.size).toBe(1);
    expect((await q('SELECT count(*)::int AS n FROM profile_trigger_outbox'))[0].n).toBe(0);
  }, 240_000);
});
