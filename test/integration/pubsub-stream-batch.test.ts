import { topicNames } from '@cdp360/domain';
import { EXPECT_INVALID_HEADER } from '@cdp360/generator';
import { DEAD_LETTER_ATTRIBUTES, seekSubscriptionsToSnapshots, snapshotSubscriptions } from '@cdp360/pubsub';
import { RedisKeys } from '@cdp360/redis';
import { Redis } from 'ioredis';
import { expectCountsMatchManifest } from '../helpers/manifest';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishGenerated,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';
import { serviceUrls } from '../helpers/services';
import { streamVersusBatch } from '../helpers/updater';

describePubSub('updater on Pub/Sub: stream = batch', () => {
  let s: PubSubScenario;
  beforeAll(async () => {
    s = await createPubSubScenario();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('drains 400 customers with duplicates, rejects and stale records, matches the batch, and survives Redis loss plus a full replay', async () => {
    const manifest = await publishGenerated(s, {
      // The emulator starts threads per ordering key and stream and does not give them back; 400
      // customers (ordering keys) keep it within what a 2-core CI machine handles.
      customers: 400,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 11,
    });
    // The emulator cannot seek to a time, but it can seek to a snapshot: taken now, it holds everything.
    const group = { groupId: s.group, topicPrefix: s.prefix };
    await snapshotSubscriptions(s.pubsub, group, 'before');

    const summary = await pubsubUpdaterInProcess(s, { maxUnitMessages: 300 });
    expect(summary.reason).toBe('idle');
    expect(summary.units).toBeGreaterThan(5);

    // Nothing lost: every published message is applied, a duplicate, or dead-lettered.
    expectCountsMatchManifest(summary.counters, manifest, s.prefix);

    // Every reject is on the dead-letter topic: data, ordering key and attributes as published, plus
    // where it came from and why.
    const dead = await readSubscription(s.pubsub, s.deadLetterReader, manifest.totals.invalid);
    expect(dead).toHaveLength(manifest.totals.invalid);
    for (const d of dead) {
      const from = `${d.attributes[DEAD_LETTER_ATTRIBUTES.sourceTopic]}/${d.attributes[DEAD_LETTER_ATTRIBUTES.sourceMessageId]}`;
      const original = s.published.get(from);
      expect(original).toBeDefined();
      const value = original!.wire.value;
      expect(d.data).toEqual(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
      expect(d.orderingKey ?? '').toBe(original!.wire.key ?? '');
      expect(d.attributes[EXPECT_INVALID_HEADER]).toBe(original!.wire.headers?.[EXPECT_INVALID_HEADER]);
      expect(d.attributes[EXPECT_INVALID_HEADER]).toBeDefined();
      expect(d.attributes[DEAD_LETTER_ATTRIBUTES.reason]?.length).toBeGreaterThan(5);
      expect(d.attributes[DEAD_LETTER_ATTRIBUTES.code]).toMatch(/^[a-z0-9_]+$/);
      expect(d.attributes[DEAD_LETTER_ATTRIBUTES.sourceSubscription]).toBe(`${s.group}.${original!.topic}`);
    }

    let diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(380);
    expect(manifest.customers.staleVersions).toBeGreaterThan(0);

    // Redis loses everything, and the whole topic is delivered again: the rebuild must restore the
    // message markers from the facts' positions, or every redelivered fact would count twice.
    const redis = new Redis(serviceUrls().redisUrl);
    try {
      const keys = await redis.keys(new RedisKeys(s.redisNamespace).pattern());
      expect(keys.some((k) => k.endsWith(':seen'))).toBe(true);
      await redis.unlink(...keys);
    } finally {
      redis.disconnect();
    }
    await seekSubscriptionsToSnapshots(s.pubsub, group, 'before');
    const replay = await pubsubUpdaterInProcess(s, { maxUnitMessages: 1000 });
    expect(replay.reason).toBe('idle');
    expect(replay.counters.totals().messages).toBe(manifest.totals.messages);
    const epoch = await s.db.pool.query("SELECT value FROM updater_state WHERE name = 'redis_epoch'");
    expect(Number(epoch.rows[0].value)).toBeGreaterThanOrEqual(2);

    const count = async (table: string) =>
      Number((await s.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    expect(await count('purchase_transactions')).toBe(manifest.topics['cdp.purchases.v1']!.validFirst);
    expect(await count('website_behavior')).toBe(manifest.topics['cdp.web-sessions.v1']!.validFirst);
    diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(topicNames(s.prefix).deadLetter).toContain(s.prefix);
  }, 300_000);
});
