import { randomBytes } from 'node:crypto';
import type { CustomerRecord, Fact } from '@cdp360/domain';
import {
  AggregateStore,
  ALREADY_APPLIED,
  APPLIED,
  type ApplyOp,
  createRedis,
  RECORD_OUTRANKED,
  RedisKeys,
} from '@cdp360/redis';
import type { Redis } from 'ioredis';
import { serviceUrls } from '../helpers/services';

/** The store's apply (script calls of several customers) against a real Redis: outcomes in op order, guards, reads. */

const EPOCH = 3;

const purchase = (customerId: number, totalCents: number, date: string, products: number[]): Fact => ({
  kind: 'purchase',
  transactionId: `T-${customerId}-${totalCents}`,
  customerId,
  purchaseDate: date,
  totalCents,
  items: products.map((productId) => ({ productId, quantity: 1, amountCents: null })),
});
const session = (customerId: number, pages: number, date: string): Fact => ({
  kind: 'web_session',
  sessionId: `S-${customerId}-${pages}`,
  customerId,
  visitDate: date,
  pagesViewed: pages,
  timeSpent: 1.5,
});
const record = (customerId: number, firstName: string): CustomerRecord => ({
  kind: 'customer',
  customerId,
  firstName,
  lastName: 'L',
  email: null,
  phoneNumber: null,
  dateOfBirth: null,
  registrationDate: '2025-01-01',
});

describe('AggregateStore.applyAndRead', () => {
  let redis: Redis;
  let store: AggregateStore;
  let keys: RedisKeys;
  beforeAll(async () => {
    redis = createRedis(serviceUrls().redisUrl, { connectionName: 'test-aggregate-store' });
    keys = new RedisKeys(`t${randomBytes(4).toString('hex')}:`);
    store = new AggregateStore(redis, keys);
    await redis.set(keys.epoch(), String(EPOCH));
  });
  afterAll(async () => {
    const found = await redis.keys(`${keys.namespace}*`);
    if (found.length > 0) await redis.del(...found);
    await redis.quit();
  });

  it('applies interleaved customers in op order, reports each op, and skips a redelivery', async () => {
    const w = (offset: number) => ({ stream: 'topic/0', seq: offset });
    const ops: ApplyOp[] = [
      { data: purchase(1, 1000, '2026-01-02', [7, 7]), pos: w(10) },
      { data: session(2, 4, '2026-01-05'), pos: w(11) },
      { data: record(1, 'New'), pos: w(12), time: '2026-01-02T00:00:00.000000000Z' },
      { data: purchase(1, 250, '2026-01-01', [8]), pos: w(13) },
      { data: record(1, 'Old'), pos: w(14), time: '2026-01-01T00:00:00.000000000Z' },
    ];
    const r = await store.applyAndRead(ops, [2, 3, 1], EPOCH);
    expect(r.epochIntact).toBe(true);
    expect(r.outcomes).toEqual([APPLIED, APPLIED, APPLIED, APPLIED, RECORD_OUTRANKED]);
    const [two, three, one] = r.states;
    expect(one).toMatchObject({ customerId: 1, orders: 2, lifetimeValueCents: 1250n, lastPurchaseDate: '2026-01-02' });
    expect(one!.record?.firstName).toBe('New');
    expect([...one!.productLines]).toEqual([
      [7, 2],
      [8, 1],
    ]);
    expect(two).toMatchObject({ customerId: 2, sessions: 1, pagesViewedSum: 4, lastVisitDate: '2026-01-05' });
    expect(three).toMatchObject({ customerId: 3, orders: 0, sessions: 0, record: null });
    // Four new positions for customer 1, on top of the epoch's version base.
    expect(one!.version).toBe((BigInt(EPOCH) << 32n) + 4n);

    const again = await store.applyAndRead(ops, [1, 2], EPOCH);
    expect(again.outcomes).toEqual(ops.map(() => ALREADY_APPLIED));
    expect(again.states).toEqual([one, two]);
  });

  it('guards per message where ops carry a marker, and reports a lost epoch', async () => {
    const m = (id: string) => ({ stream: 'pubsub:topic', seq: Date.now() * 1000, marker: id });
    const ops: ApplyOp[] = [
      { data: session(5, 2, '2026-02-01'), pos: m('a') },
      { data: session(5, 3, '2026-02-02'), pos: m('b') },
      { data: session(5, 2, '2026-02-01'), pos: m('a') },
    ];
    const r = await store.applyAndRead(ops, [5], EPOCH);
    expect(r.outcomes).toEqual([APPLIED, APPLIED, ALREADY_APPLIED]);
    expect(r.states[0]).toMatchObject({ sessions: 2, pagesViewedSum: 5, timeSpentSum: 3 });

    await redis.del(keys.epoch());
    const lost = await store.applyAndRead([], [5], EPOCH);
    expect(lost.epochIntact).toBe(false);
    await redis.set(keys.epoch(), String(EPOCH));
  });

  it('refuses an op of unknown kind, and the script checks every op before writing anything', async () => {
    const bad = { data: { ...session(6, 1, '2026-03-01'), kind: 'nonsense' }, pos: { stream: 'topic/0', seq: 1 } };
    await expect(store.applyAndRead([bad as unknown as ApplyOp], [6], EPOCH)).rejects.toThrow(/kind nonsense/);

    const k = keys.customer(6);
    const call = (redis as unknown as { cdpApplyCustomers(...a: (string | number)[]): Promise<unknown> })
      .cdpApplyCustomers;
    const customerKeys = [k.aggregate, k.productLines, k.campaigns, k.markers];
    const valid = ['S', 'w', 'o:topic/0', 1, 3, 2, '1.5', '2026-03-01'];
    const invalid = ['X', 'w', 'o:topic/0', 2, 0];
    await expect(
      call.call(redis, 4, ...customerKeys, '0', '', valid.length + invalid.length, ...valid, ...invalid),
    ).rejects.toThrow(/unknown op kind X/);
    expect(await redis.exists(k.aggregate)).toBe(0);
    // A count that does not match the ops is refused before anything is written, too.
    await expect(call.call(redis, 4, ...customerKeys, '0', '', valid.length - 1, ...valid)).rejects.toThrow(
      /overrun|left over/,
    );
    expect(await redis.exists(k.aggregate)).toBe(0);
    const reply = (await call.call(redis, 4, ...customerKeys, '0', '', valid.length, ...valid)) as string[];
    expect(reply.map((text) => text.split('\n'))).toEqual([
      ['1', '1', '', '', '', '', '', '', '', '', '', '1', '2', '1.5', '2026-03-01', '', '0'],
    ]);
  });

  it('gives each customer the same outcomes and state whether its ops share a script call with others or not', async () => {
    // More customers than one call takes, with a customer's ops spread through the unit.
    const ids = Array.from({ length: 150 }, (_, i) => 1000 + i);
    const ops: ApplyOp[] = [];
    for (let round = 0; round < 3; round++) {
      for (const id of ids) {
        if ((id + round) % 3 === 0) continue;
        const seq = round * 1000 + id;
        ops.push(
          round === 1 && id % 2 === 0
            ? {
                data: record(id, `R${round}`),
                pos: { stream: 'topic/1', seq },
                time: `2026-01-0${round + 1}T00:00:00Z`,
              }
            : {
                data: purchase(id, 100 + round, `2026-02-0${round + 1}`, [id % 7, 3]),
                pos: { stream: 'topic/1', seq },
              },
        );
      }
    }
    ops.push(ops[5]!); // a redelivery within the unit
    const together = await store.applyAndRead(ops, ids, EPOCH);

    const aloneKeys = new RedisKeys(`${keys.namespace}alone:`);
    const alone = new AggregateStore(redis, aloneKeys);
    await redis.set(aloneKeys.epoch(), String(EPOCH));
    const outcomes: number[] = new Array(ops.length);
    for (const id of ids) {
      const mine = ops.flatMap((op, i) => (op.data.customerId === id ? [i] : []));
      const r = await alone.applyAndRead(
        mine.map((i) => ops[i]!),
        [id],
        EPOCH,
      );
      mine.forEach((opIndex, j) => {
        outcomes[opIndex] = r.outcomes[j]!;
      });
      expect(together.states[ids.indexOf(id)]).toEqual(r.states[0]);
    }
    expect(together.outcomes).toEqual(outcomes);
    expect(together.outcomes.at(-1)).toBe(ALREADY_APPLIED);
    expect(together.states.every((s, i) => s.customerId === ids[i])).toBe(true);
  });

  it('loads states (rebuild) in calls of several customers: read back as stored, guards and markers kept', async () => {
    // States made by the script itself, read, then loaded into another namespace: more customers
    // than one call takes, some with a record, product lines, campaigns and Pub/Sub markers.
    const ids = Array.from({ length: 150 }, (_, i) => 3000 + i);
    const ops: ApplyOp[] = ids.flatMap((id, i) => [
      { data: purchase(id, 500 + i, '2026-03-01', [id % 5, 9]), pos: { stream: 'topic/2', seq: 10 + i } },
      ...(i % 2 === 0
        ? [{ data: record(id, `N${i}`), pos: { stream: 'topic/3', seq: i }, time: '2026-03-02T00:00:00Z' }]
        : []),
    ]);
    await store.applyAndRead(ops, ids, EPOCH);
    const source = await store.read(ids);
    const loadedKeys = new RedisKeys(`${keys.namespace}loaded:`);
    const loaded = new AggregateStore(redis, loadedKeys);
    await redis.set(loadedKeys.epoch(), String(EPOCH));
    const marker = (id: number) =>
      [`pubsub:t/${id}@${1_700_000_000_000_000 + id}`, String(1_700_000_000_000_000 + id)] as const;
    await loaded.load(
      source.map((p, i) => ({
        ...p,
        state: { ...p.state, campaignsEngaged: i % 3 },
        campaignIds: Array.from({ length: i % 3 }, (_, k) => 40 + k),
        markers: i % 4 === 0 ? [marker(ids[i]!)] : [],
      })),
    );
    const back = await loaded.read(ids);
    back.forEach((p, i) => {
      expect(p).toEqual({ ...source[i]!, state: { ...source[i]!.state, campaignsEngaged: i % 3 } });
    });
    expect((await redis.smembers(loadedKeys.customer(ids[5]!).campaigns)).sort()).toEqual(['40', '41']);
    expect(await redis.zrange(loadedKeys.customer(ids[4]!).markers, '0', '-1', 'WITHSCORES')).toEqual([
      ...marker(ids[4]!),
    ]);
    expect(await redis.exists(loadedKeys.customer(ids[5]!).markers)).toBe(0);
    // The loaded watermarks guard: a redelivery changes nothing, the next message applies.
    const again = await loaded.applyAndRead(
      [ops[0]!, { data: purchase(ids[0]!, 7, '2026-03-05', [1]), pos: { stream: 'topic/2', seq: 10_000 } }],
      [],
      EPOCH,
    );
    expect(again.outcomes).toEqual([ALREADY_APPLIED, APPLIED]);
  });

  it('keeps sums beyond what a double holds exact: the script hands them to HINCRBY and reads the text back', async () => {
    const k = keys.customer(8);
    // A lifetime value and a version past 2^53, as a long-lived customer under a late epoch could have.
    await redis.hset(k.aggregate, 'v', '9007199254740993', 'pv', '9007199254740993', 'po', '1');
    const r = await store.applyAndRead(
      [
        { data: purchase(8, 7, '2026-04-01', [1]), pos: { stream: 'topic/0', seq: 1 } },
        { data: purchase(8, 5, '2026-04-02', [1]), pos: { stream: 'topic/0', seq: 2 } },
      ],
      [8],
      EPOCH,
    );
    expect(r.outcomes).toEqual([APPLIED, APPLIED]);
    expect(r.states[0]!.lifetimeValueCents).toBe(9_007_199_254_741_005n);
    expect(r.states[0]!.version).toBe(9_007_199_254_740_995n);
    expect(r.states[0]!.orders).toBe(3);
    expect(await redis.hmget(k.aggregate, 'pv', 'v', 'po', 'pl')).toEqual([
      '9007199254741005',
      '9007199254740995',
      '3',
      '2026-04-02',
    ]);
  });
  it('keeps large sums as plain decimal integers, as HINCRBY writes them, never in exponent form', async () => {
    const k = keys.customer(9);
    // Both terms below 2^52, their sum past 10^15 (where a double's default text turns exponential).
    await redis.hset(k.aggregate, 'pv', '4503599627370000', 'po', '41', 'wp', '-3');
    const r = await store.applyAndRead(
      [
        { data: purchase(9, 99_999_999_999_999, '2026-04-01', [1]), pos: { stream: 'topic/0', seq: 1 } },
        { data: session(9, 5, '2026-04-03'), pos: { stream: 'topic/1', seq: 1 } },
        { data: session(9, 0, '2026-04-02'), pos: { stream: 'topic/1', seq: 2 } },
        { data: session(9, 0, '2026-04-04'), pos: { stream: 'topic/1', seq: 2 } },
      ],
      [9],
      EPOCH,
    );
    expect(r.outcomes).toEqual([APPLIED, APPLIED, APPLIED, ALREADY_APPLIED]);
    expect(r.states[0]!.lifetimeValueCents).toBe(4_603_599_627_369_999n);
    expect(await redis.hmget(k.aggregate, 'pv', 'po', 'wc', 'wp', 'wt', 'wl', 'o:topic/0', 'o:topic/1')).toEqual([
      '4603599627369999',
      '42',
      '2',
      '2',
      '3',
      '2026-04-03',
      '1',
      '2',
    ]);
  });
});
