import { inputTopic } from '@cdp360/domain';
import type { WireMessage } from '@cdp360/generator';
import { deleteKeys, RedisKeys } from '@cdp360/redis';
import { openPipeline, type PipelineContext, type SourceMessage } from '@cdp360/updater';
import { customerEvent, wireEvent } from '../helpers/events';
import { quietLogger, type ScenarioBase, scenarioBase, streamVersusBatch } from '../helpers/updater';

/**
 * A unit that fails after it has refreshed the catalog (Redis unreachable, say) is delivered again.
 * The catalog cache already holds that unit's product records by then, so the retry finds no change
 * in them; the buyers of those products from earlier units must still get their favourites derived.
 */
describe('a unit retried after a failure past the catalog refresh', () => {
  let s: ScenarioBase;
  let ctx: PipelineContext;
  let offset = 0;
  const asKafka = (w: WireMessage, partition = 0): SourceMessage => {
    const topic = inputTopic(w.kind).topic;
    const seq = offset++;
    return {
      kind: w.kind,
      topic,
      key: w.key === null ? null : Buffer.from(w.key),
      value: Buffer.from(w.value),
      headers: {},
      stream: `${topic}/${partition}`,
      seq,
      position: { kind: 'kafka', partition, offset: String(seq) },
    };
  };

  beforeAll(async () => {
    s = await scenarioBase('2026-07-01');
    ctx = openPipeline({
      config: s.config,
      logger: quietLogger(),
      deadLetters: { send: async (r) => void expect(r).toEqual([]) },
      redisNamespace: s.redisNamespace,
      applicationName: 'test-catalog-retry',
    });
    await ctx.pipeline.start();
  });
  afterAll(async () => {
    if (ctx) await deleteKeys(ctx.redis, new RedisKeys(s.redisNamespace).pattern()).catch(() => {});
    await ctx?.close();
    await s?.db.drop();
  });

  it('re-derives the earlier buyers of a product whose record came in the failed unit', async () => {
    // Customer 1 buys product 7 before the catalog knows it: no favourite yet.
    await ctx.pipeline.processUnit([
      asKafka(customerEvent(1)),
      asKafka(
        wireEvent('purchase', {
          transaction_id: 'T1',
          customer_id: 1,
          purchase_date: '2026-06-01',
          total_amount: '40.00',
          items: [{ product_id: 7, quantity: 2 }],
        }),
      ),
    ]);
    const favourite = async () =>
      (await s.db.pool.query('SELECT favorite_category, favorite_brand FROM customer_360 WHERE customer_id = 1'))
        .rows[0];
    expect(await favourite()).toEqual({ favorite_category: null, favorite_brand: null });

    // The next unit carries product 7's record and fails on its way to Redis, once.
    const unit = [
      asKafka(wireEvent('product', { product_id: 7, category: 'Electronics', brand: 'Zed', name: null })),
      asKafka(customerEvent(2)),
    ];
    const store = ctx.store;
    const applyAndRead = store.applyAndRead.bind(store);
    let failures = 1;
    store.applyAndRead = (...args) => {
      if (failures-- > 0) return Promise.reject(new Error('Redis connection lost (injected)'));
      return applyAndRead(...args);
    };
    await expect(ctx.pipeline.processUnit(unit)).rejects.toThrow(/injected/);
    await ctx.pipeline.processUnit(unit);

    expect(await favourite()).toEqual({ favorite_category: 'Electronics', favorite_brand: 'Zed' });
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  }, 60_000);
});
