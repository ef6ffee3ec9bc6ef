import { topicNames } from '@cdp360/domain';
import { applyReplay, planReplay, ReplayRefusedError } from '@cdp360/kafka';
import { createRedis } from '@cdp360/redis';
import type { Redis } from 'ioredis';
import { runCdp } from '../helpers/cdp-process';
import { consumeTopics } from '../helpers/kafka';
import { copyCustomer360, redisSnapshot, rowsDifferingFrom } from '../helpers/snapshots';
import { createScenario, produceGenerated, type Scenario, updaterInProcess } from '../helpers/updater';

describe('cdp replay on Kafka', () => {
  let s: Scenario;
  let redis: Redis;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
    redis = createRedis(s.config.redisUrl);
  });
  afterAll(async () => {
    await redis?.quit();
    await s?.close();
  });

  it('replaying from earliest after a full run changes no row, no aggregate and no trigger', async () => {
    await produceGenerated(s, {
      customers: 800,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.02,
      seed: 3,
    });
    const first = await updaterInProcess(s);
    expect(first.reason).toBe('idle');
    await copyCustomer360(s.db.pool, 'before_replay');
    const redisBefore = await redisSnapshot(redis, s.redisNamespace);
    const triggersTopic = topicNames(s.prefix).profileTriggers;
    const triggersBefore = (await consumeTopics(s.kafka, [triggersTopic], 1_000_000, 5_000)).length;
    expect(triggersBefore).toBeGreaterThan(100);
    const out = await runCdp(['replay', '--to', 'earliest'], s.env);
    expect(out).toMatch(/moved 24 partitions/);
    const again = await updaterInProcess(s);
    const t = again.counters.totals();
    expect(t.messages).toBe(first.counters.totals().messages); // everything was read again...
    expect(await rowsDifferingFrom(s.db.pool, 'before_replay')).toEqual([]); // ...and nothing changed
    expect(await redisSnapshot(redis, s.redisNamespace)).toEqual(redisBefore);
    expect((await consumeTopics(s.kafka, [triggersTopic], 1_000_000, 5_000)).length).toBe(triggersBefore);
  }, 180_000);

  it('shows the plan on --dry-run and refuses to move a group with live members', async () => {
    const dry = await runCdp(['replay', '--to', 'latest', '--dry-run'], s.env);
    expect(dry).toMatch(/partition\s+committed\s+target/);
    expect(dry).toMatch(/dry run: nothing moved/);

    let stop!: () => void;
    const running = updaterInProcess(s, { stopSignal: new Promise<void>((r) => (stop = r)) });
    const admin = s.kafka.admin();
    await admin.connect();
    try {
      // Wait until the updater has joined the group.
      for (let i = 0; i < 100; i++) {
        const { groups } = await admin.describeGroups([s.group]);
        if (groups[0]!.members.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const topics = Object.values(topicNames(s.prefix).inputs);
      const moves = await planReplay(admin, s.group, topics, { kind: 'earliest' });
      await expect(applyReplay(s.kafka, admin, s.group, moves)).rejects.toBeInstanceOf(ReplayRefusedError);
    } finally {
      await admin.disconnect();
      stop();
      await running;
    }
  }, 120_000);
});
