import { randomBytes } from 'node:crypto';
import type { Fact } from '@cdp360/domain';
import { AggregateStore, APPLIED, type ApplyOp, dataNodes, deleteKeys, nodeAddress, RedisKeys } from '@cdp360/redis';
import type { Cluster } from 'ioredis';
import { clusterClient, stackClusterNodes } from '../helpers/redis-cluster';
import { freePort } from '../helpers/redis-server';

/**
 * The store against the stack's 3-master Redis Cluster, in a namespace of its own (nothing is
 * flushed: the cluster is shared): one pipeline per master, an epoch key per master, and a master
 * whose epoch key is gone is reported lost on its own.
 */

const session = (customerId: number, pages: number): Fact => ({
  kind: 'web_session',
  sessionId: `S-${customerId}-${pages}`,
  customerId,
  visitDate: '2026-01-05',
  pagesViewed: pages,
  timeSpent: 1.5,
});

describe('AggregateStore on a Redis Cluster', () => {
  let redis: Cluster;
  let store: AggregateStore;
  let keys: RedisKeys;
  beforeAll(async () => {
    redis = clusterClient(stackClusterNodes(), 'test-aggregate-store-cluster');
    keys = new RedisKeys(`t${randomBytes(4).toString('hex')}:`);
    store = new AggregateStore(redis, keys);
  });
  afterAll(async () => {
    await deleteKeys(redis, keys.pattern());
    await redis.quit();
  });

  const ids = Array.from({ length: 60 }, (_, i) => i + 1);

  it('has one shard per master, each with an epoch key on that master', async () => {
    const view = await store.shards();
    expect(view.shards).toHaveLength(3);
    const masters = (await dataNodes(redis)).map(nodeAddress).sort();
    expect(view.shards.map((s) => s.master).sort()).toEqual(masters);
    // Published epochs land on their own masters: each master holds exactly one of the epoch keys.
    await store.beginRebuild(view, [0, 1, 2]);
    expect(await store.publishEpoch(view, 5)).toBe(true);
    for (const node of await dataNodes(redis)) {
      const here = await Promise.all(view.shards.map((s) => node.exists(s.epochKey).catch(() => 0)));
      const i = view.shards.findIndex((s) => s.master === nodeAddress(node));
      expect(here.map((n, j) => (n === 1 ? j : -1)).filter((j) => j >= 0)).toEqual([i]);
    }
    expect(await store.lostShards(view, 5)).toEqual([]);
    expect(await store.lostShards(view, 6)).toEqual([0, 1, 2]);
  });

  it('applies a unit whose customers live on every master, with intact epochs', async () => {
    const view = await store.shards();
    expect(new Set(ids.map((id) => view.shardOfCustomer(id))).size).toBe(3);
    const ops: ApplyOp[] = ids.map((id, i) => ({ data: session(id, 3), pos: { stream: 'web/0', seq: i } }));
    const r = await store.applyAndRead(ops, ids, 5);
    expect(r.epochIntact).toBe(true);
    expect(r.outcomes.every((o) => o === APPLIED)).toBe(true);
    expect(r.states.map((s) => [s.customerId, s.sessions, s.pagesViewedSum])).toEqual(ids.map((id) => [id, 1, 3]));
    const again = await store.applyAndRead(ops, ids, 5);
    expect(again.outcomes.every((o) => o === 0)).toBe(true);
    expect((await store.read(ids)).map((p) => p.state.sessions)).toEqual(ids.map(() => 1));
  });

  it('notices a master that lost its epoch only when a unit touches it', async () => {
    const view = await store.shards();
    const lostShard = 1;
    await redis.del(view.shards[lostShard]!.epochKey);
    expect(await store.lostShards(view, 5)).toEqual([lostShard]);
    const on = (shard: number) => ids.filter((id) => view.shardOfCustomer(id) === shard);
    expect((await store.applyAndRead([], on(0), 5)).epochIntact).toBe(true);
    expect((await store.applyAndRead([], on(2), 5)).epochIntact).toBe(true);
    expect((await store.applyAndRead([], on(lostShard), 5)).epochIntact).toBe(false);
    expect((await store.applyAndRead([], ids, 5)).epochIntact).toBe(false);
  });

  it('gives up with the variable and the address when no cluster node answers', async () => {
    const port = await freePort();
    const gone = clusterClient(`127.0.0.1:${port}`, 'test-unreachable');
    gone.on('error', () => {});
    try {
      const started = Date.now();
      const unreachable = new AggregateStore(gone, keys, { slotMapTimeoutMs: 1000 });
      await expect(unreachable.shards()).rejects.toMatchObject({
        code: 'CDP_REDIS_STATE',
        retriable: false,
        message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} \\(REDIS_CLUSTER_NODES\\)`)),
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      gone.disconnect();
    }
  });

  it('starts a rebuild of one master without touching the others, and publishes on all', async () => {
    const view = await store.shards();
    const lostShard = 1;
    const on = (shard: number) => ids.filter((id) => view.shardOfCustomer(id) === shard);
    await store.beginRebuild(view, [lostShard]);
    const states = await store.read(ids);
    for (const [i, id] of ids.entries()) {
      expect([id, states[i]!.state.sessions]).toEqual([id, view.shardOfCustomer(id) === lostShard ? 0 : 1]);
    }
    expect(on(lostShard).length).toBeGreaterThan(0);
    expect(await store.publishEpoch(view, 6)).toBe(true);
    expect(await store.lostShards(view, 6)).toEqual([]);
  });

  it("deletes an erased customer's keys on whatever master holds them, and only theirs", async () => {
    const view = await store.shards();
    const erased = [1, 2, 3].map((shard) => ids.find((id) => view.shardOfCustomer(id) === shard - 1)!);
    const ops: ApplyOp[] = ids.map((id, i) => ({ data: session(id, 4), pos: { stream: 'web/1', seq: i } }));
    expect((await store.applyAndRead(ops, ids, 6)).epochIntact).toBe(true);
    expect(await store.deleteCustomers(erased)).toBeGreaterThanOrEqual(erased.length);
    const states = await store.read(ids);
    for (const [i, id] of ids.entries()) {
      expect([id, states[i]!.state.sessions > 0]).toEqual([id, !erased.includes(id)]);
    }
    expect(await store.deleteCustomers(erased)).toBe(0);
  });
});
