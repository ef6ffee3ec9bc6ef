import { loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { runUpdater, type UpdaterSummary } from '@cdp360/updater';
import { runCdp } from '../helpers/cdp-process';
import { consumeTopics } from '../helpers/kafka';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { copyCustomer360, rowsDifferingFrom } from '../helpers/snapshots';
import { createScenario, produceGenerated, produceWire, quietLogger, type Scenario } from '../helpers/updater';

/** Every table that holds something of a customer, with the column naming them. */
const CUSTOMER_TABLES = [
  'customer_info',
  'purchase_transactions',
  'customer_service',
  'campaign_responses',
  'website_behavior',
  'customer_360',
  'customer_360_version',
  'profile_trigger_outbox',
];

/**
 * Erase and suppress on Kafka: customers erased mid-stream stay gone through a replay from earliest,
 * a rebuild, a Redis flush, a scoring run and the batch; everyone else is untouched; the request is
 * applied once however often it arrives.
 */
describe('erasure on Kafka', () => {
  let s: Scenario;
  let redis: PrivateRedis;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
    redis = await startPrivateRedis();
    s.env.REDIS_URL = redis.url;
    s.config = loadConfig(s.env);
  });
  afterAll(async () => {
    await redis?.kill();
    await s?.close();
  });

  const run = (): Promise<UpdaterSummary> =>
    runUpdater({
      config: s.config,
      logger: quietLogger(),
      untilIdle: true,
      redisNamespace: s.redisNamespace,
      statsIntervalMs: 0,
    });
  const q = async (sql: string, params: unknown[] = []) => (await s.db.pool.query(sql, params)).rows;

  /** Rows of these customers left anywhere in Postgres, per table (only non-zero counts). */
  async function leftInPostgres(ids: readonly number[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of CUSTOMER_TABLES) {
      const [r] = await q(`SELECT count(*)::int AS n FROM ${t} WHERE customer_id = ANY($1)`, [ids]);
      if (r.n > 0) out[t] = r.n;
    }
    const [items] = await q(
      `SELECT count(*)::int AS n FROM purchase_items i WHERE NOT EXISTS
         (SELECT 1 FROM purchase_transactions p WHERE p.transaction_id = i.transaction_id)`,
    );
    if (items.n > 0) out.orphan_purchase_items = items.n;
    return out;
  }

  /** Redis keys of these customers in the scenario's namespace. */
  async function leftInRedis(ids: readonly number[]): Promise<string[]> {
    const c = redis.client();
    try {
      const keys = await c.keys(`${s.redisNamespace}*`);
      return keys.filter((k) => ids.some((id) => k.includes(`{c:${id}}`)));
    } finally {
      c.disconnect();
    }
  }

  it('erases mid-stream; a replay, a rebuild, a Redis flush and a scoring run bring nobody back', async () => {
    const names = topicNames(s.prefix);
    await produceGenerated(s, {
      customers: 300,
      eventsPerCustomer: 6,
      duplicateRate: 0.03,
      invalidRate: 0.01,
      seed: 13,
    });
    const first = await run();
    expect(first.reason).toBe('idle');

    const erased = (
      await q('SELECT customer_id FROM customer_360 WHERE total_orders > 0 ORDER BY customer_id LIMIT 5')
    ).map((r) => r.customer_id as number);
    expect(erased).toHaveLength(5);
    const unknown = 2_000_000_000;
    expect(Object.keys(await leftInPostgres(erased)).length).toBeGreaterThan(3);
    expect((await leftInRedis(erased)).length).toBeGreaterThan(0);
    await copyCustomer360(s.db.pool, 'before_erase');
    const triggersTopic = names.profileTriggers;
    const triggersBefore = (await consumeTopics(s.kafka, [triggersTopic], 1_000_000, 5_000)).length;

    // The same request twice (same ids), an unknown customer, and a malformed request.
    const args = ['erase', ...erased.map(String), String(unknown), '--reason', 'test', '--request-id', 'r1'];
    await runCdp(args, s.env);
    await runCdp(args, s.env);
    const malformedKey = String(erased[0]! + 100_000);
    await produceWire(s, [{ kind: 'erasure_request', key: malformedKey, value: '{"specversion":"1.0"' }]);
    // Late events of an erased customer: a valid web session and a broken one (its key names them).
    await produceWire(s, [
      {
        kind: 'web_session',
        key: String(erased[1]),
        value: JSON.stringify({
          specversion: '1.0',
          id: 'late-1',
          source: 'test',
          type: 'cdp.web_session.v1',
          time: '2026-06-01T12:00:00Z',
          data: {
            session_id: 'late-1',
            customer_id: erased[1],
            visit_date: '2026-06-01',
            pages_viewed: 3,
            time_spent: 9,
          },
        }),
      },
      { kind: 'purchase', key: String(erased[2]), value: '{"broken": "Ada Lovelace"' },
    ]);
    const second = await run();
    const c2 = second.counters.toJSON();
    expect(c2[names.inputs.erasure_request]).toEqual({ applied: 6, duplicate: 6, deadLettered: 1, suppressed: 0 });
    expect(c2[names.inputs.web_session]).toMatchObject({ applied: 0, suppressed: 1, deadLettered: 0 });
    expect(c2[names.inputs.purchase]).toMatchObject({ applied: 0, suppressed: 1, deadLettered: 0 });

    const audit = await q('SELECT request_id, customer_id, reason, deleted FROM erasure_requests ORDER BY customer_id');
    expect(audit.map((r) => r.request_id)).toEqual([...erased, unknown].map((id) => `r1:${id}`));
    for (const r of audit) {
      const total = Object.values(r.deleted as Record<string, number>).reduce((a, b) => a + b, 0);
      if (r.customer_id === unknown)
        expect(total).toBe(0); // a recorded no-op
      else {
        expect(r.deleted).toMatchObject({ customer_360: 1, customer_360_version: 1 });
        expect(r.deleted.purchase_transactions).toBeGreaterThan(0); // they had orders
        expect(r.deleted.purchase_items).toBeGreaterThanOrEqual(r.deleted.purchase_transactions);
      }
      expect(r.reason).toBe('test');
    }
    expect((await q('SELECT customer_id FROM suppressed_customers ORDER BY 1')).map((r) => r.customer_id)).toEqual([
      ...erased,
      unknown,
    ]);
    const gone = async () => {
      expect(await leftInPostgres(erased)).toEqual({});
      expect(await leftInRedis(erased)).toEqual([]);
    };
    await gone();

    // Replay everything from the start: the erased customers' events are all suppressed.
    await runCdp(['replay', '--to', 'earliest'], s.env);
    const replayed = await run();
    const t = replayed.counters.totals();
    expect(t.suppressed).toBeGreaterThan(5 * 4);
    expect(replayed.counters.toJSON()[names.inputs.erasure_request]).toMatchObject({ applied: 0, duplicate: 12 });
    await gone();

    // Rebuild from the facts, then lose Redis altogether: still gone.
    await runCdp(['rebuild', '--redis-namespace', s.redisNamespace], s.env);
    await gone();
    const c = redis.client();
    await c.flushall(); // the private Redis of this test
    c.disconnect();
    await run();
    await gone();

    // Nobody else changed, and the batch recompute after a scoring run agrees with the table.
    const changed = await rowsDifferingFrom(s.db.pool, 'before_erase');
    expect(changed.sort((a, b) => a - b)).toEqual(erased);
    await runCdp(['score', '--once', '--as-of', s.asOf], s.env);
    await runCdp(['reconcile', '--as-of', s.asOf], s.env);
    await gone();

    // Triggers: profile_erased once per erased customer (none for the unknown id), nothing after it.
    const triggers = (await consumeTopics(s.kafka, [triggersTopic], 1_000_000, 5_000)).map((m) => ({
      customer: Number(m.key!.toString()),
      rule: JSON.parse(m.value!.toString()).data.rule as string,
      partition: m.partition,
      offset: BigInt(m.offset),
    }));
    expect(triggers.length).toBeGreaterThan(triggersBefore);
    for (const id of [...erased, unknown]) {
      const mine = triggers.filter((x) => x.customer === id).sort((a, b) => (a.offset < b.offset ? -1 : 1));
      const erasedAt = mine.findIndex((x) => x.rule === 'profile_erased');
      if (id === unknown) {
        expect(mine).toEqual([]);
        continue;
      }
      expect(mine.filter((x) => x.rule === 'profile_erased')).toHaveLength(1);
      expect(mine.slice(erasedAt + 1)).toEqual([]);
    }

    // The dead-letter topic holds the malformed request, and nothing of an erased customer.
    const dead = await consumeTopics(s.kafka, [names.deadLetter], 1_000_000, 5_000);
    const deadKeys = dead.map((m) => m.key?.toString());
    expect(deadKeys).toContain(malformedKey);
    for (const id of erased) {
      const after = dead.filter((m) => m.key?.toString() === String(id) && m.value?.toString().includes('Ada'));
      expect(after).toEqual([]);
    }
  }, 240_000);

  it('writes tombstones for erased customers on the customers topic (pipeline option and cdp erase --tombstone)', async () => {
    const names = topicNames(s.prefix);
    const [viaPipeline, viaCli] = (
      await q('SELECT customer_id FROM customer_360 ORDER BY customer_id DESC LIMIT 2')
    ).map((r) => r.customer_id as number);
    await runCdp(['erase', String(viaPipeline), '--request-id', 'tomb'], s.env);
    const withTombstones = { ...s.config, erasure: { ...s.config.erasure, tombstones: true } };
    const first = await runUpdater({
      config: withTombstones,
      logger: quietLogger(),
      untilIdle: true,
      redisNamespace: s.redisNamespace,
      statsIntervalMs: 0,
    });
    expect(first.counters.toJSON()[names.inputs.erasure_request]).toMatchObject({ applied: 1 });
    // cdp erase --tombstone, for a customer already erased: the tombstone is read back as suppressed.
    await runCdp(['erase', String(viaCli), '--request-id', 'tomb2'], s.env);
    await run();
    await runCdp(['erase', String(viaCli), '--request-id', 'tomb2', '--tombstone'], s.env);
    const last = await run();
    const all = await consumeTopics(s.kafka, [names.inputs.customer], 1_000_000, 5_000);
    const tombstones = all.filter((m) => m.value === null).map((m) => Number(m.key!.toString()));
    expect(tombstones.sort((a, b) => a - b)).toEqual([viaCli!, viaPipeline!].sort((a, b) => a - b));
    // The pipeline's tombstone was read back by the run that wrote it; the CLI's by the last run: suppressed.
    const c = last.counters.toJSON();
    expect(c[names.inputs.customer]).toMatchObject({ suppressed: 1, deadLettered: 0 });
    expect(c[names.inputs.erasure_request]).toMatchObject({ applied: 0, duplicate: 1 });
  }, 120_000);
});
