import { groupByShard } from './aggregate-store';
import { RedisKeys } from './keys';
import { CLUSTER_SLOTS, rangesText, ShardLayout, shardEpochValue, slotOf } from './shard-layout';

/** The slot map `redis-cli --cluster create` gives three masters. */
const threeMasters = (slot: number) => (slot <= 5460 ? 'a:7001' : slot <= 10922 ? 'b:7002' : 'c:7003');

describe('slotOf', () => {
  it('hashes the hash tag only, as Redis Cluster does', () => {
    // Values from CLUSTER KEYSLOT on a real server.
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{c:42}')).toBe(slotOf('c:42'));
    expect(slotOf('cdp:{c:42}:pl')).toBe(slotOf('other:{c:42}:cmp'));
    expect(slotOf('cdp:{c:42}')).not.toBe(slotOf('cdp:{c:43}'));
  });

  it('puts every key of a customer in one slot, whatever the namespace', () => {
    for (const ns of ['cdp:', 't1a2b:', '']) {
      for (const id of [1, 42, 999_999]) {
        const k = new RedisKeys(ns).customer(id);
        const slots = new Set([k.aggregate, k.productLines, k.campaigns, k.markers].map(slotOf));
        expect(slots.size).toBe(1);
      }
    }
  });

  it('refuses a namespace with braces (it would replace the hash tags)', () => {
    expect(() => new RedisKeys('cdp{x}:')).toThrow(/must not contain/);
  });
});

describe('ShardLayout', () => {
  const layout = ShardLayout.fromSlotMasters(threeMasters);

  it('lists each master once with its slot ranges', () => {
    expect(layout.shards.map((s) => [s.master, rangesText(s.ranges)])).toEqual([
      ['a:7001', '0-5460'],
      ['b:7002', '5461-10922'],
      ['c:7003', '10923-16383'],
    ]);
  });

  it('gives each master an epoch tag whose slot that master serves', () => {
    layout.shards.forEach((s, i) => {
      expect(s.tag).toMatch(/^e:\d+$/);
      expect(layout.shardOfSlot(slotOf(s.tag))).toBe(i);
      const keys = new RedisKeys('cdp:');
      expect(layout.shardOfKey(keys.shardEpoch(s.tag))).toBe(i);
      expect(slotOf(keys.shardRebuilding(s.tag))).toBe(slotOf(keys.shardEpoch(s.tag)));
    });
    expect(new Set(layout.shards.map((s) => s.tag)).size).toBe(3);
  });

  it('chooses the same tags for the same map, and a new tag when a master loses its tag slot', () => {
    expect(ShardLayout.fromSlotMasters(threeMasters).shards.map((s) => s.tag)).toEqual(layout.shards.map((s) => s.tag));
    const a = layout.shards[0]!;
    const moved = slotOf(a.tag);
    // Resharding: the slot of a's epoch key (and the keys in it) moves to a new master d.
    const resharded = (slot: number) => (slot === moved ? 'd:7004' : threeMasters(slot));
    const after = ShardLayout.fromSlotMasters(resharded);
    const a2 = after.shards.find((s) => s.master === 'a:7001')!;
    expect(a2.tag).not.toBe(a.tag);
    expect(rangesText(a2.ranges)).toBe(`0-${moved - 1},${moved + 1}-5460`);
    expect(after.shards.find((s) => s.master === 'd:7004')!.tag).toBe(a.tag);
  });

  it('records the epoch with the slots, so that a master whose slots changed looks lost', () => {
    const b = layout.shards[1]!;
    expect(shardEpochValue(7, b)).toBe('7 5461-10922');
    const grown = ShardLayout.fromSlotMasters((slot) => (slot === 0 ? 'b:7002' : threeMasters(slot)));
    const b2 = grown.shards.find((s) => s.master === 'b:7002')!;
    expect(shardEpochValue(7, b2)).toBe('7 0,5461-10922');
    expect(shardEpochValue(7, b2)).not.toBe(shardEpochValue(7, b));
  });

  it('tells whether the slot map changed', () => {
    expect(layout.matches(threeMasters)).toBe(true);
    expect(layout.matches((slot) => (slot === 16383 ? 'a:7001' : threeMasters(slot)))).toBe(false);
  });

  it('refuses a map with a slot no master serves', () => {
    expect(() => ShardLayout.fromSlotMasters((slot) => (slot === 100 ? undefined : 'a:7001'))).toThrow(
      /slot 100 is not served/,
    );
  });

  it('covers every slot', () => {
    const total = layout.shards.flatMap((s) => s.ranges).reduce((n, [a, b]) => n + b - a + 1, 0);
    expect(total).toBe(CLUSTER_SLOTS);
  });
});

describe('groupByShard', () => {
  const layout = ShardLayout.fromSlotMasters(threeMasters);
  const keys = new RedisKeys('cdp:');
  const view = {
    shards: layout.shards.map(() => ({}) as never),
    shardOfCustomer: (id: number) => layout.shardOfKey(keys.customer(id).aggregate),
  };

  it('splits customers by the master of their slot, keeping their order within a shard', () => {
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    const groups = groupByShard(view, ids);
    expect(groups.length).toBe(3);
    expect(groups.flatMap(([, g]) => g).sort((a, b) => a - b)).toEqual(ids);
    for (const [shard, g] of groups) {
      for (const id of g) expect(layout.shardOfSlot(slotOf(`c:${id}`))).toBe(shard);
      expect([...g].sort((a, b) => a - b)).toEqual(g);
    }
  });

  it('keeps one group, in order, for a standalone server', () => {
    const one = { shards: [{} as never], shardOfCustomer: () => 0 };
    expect(groupByShard(one, [5, 3, 9])).toEqual([[0, [5, 3, 9]]]);
  });
});
