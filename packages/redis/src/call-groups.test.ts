import { CUSTOMERS_PER_CALL, callGroups } from './aggregate-store';

describe('callGroups', () => {
  const ids = Array.from({ length: CUSTOMERS_PER_CALL * 2 + 5 }, (_, i) => i + 1);

  it('cuts a standalone shard into calls of at most CUSTOMERS_PER_CALL, in order', () => {
    const groups = callGroups(ids, null);
    expect(groups.map((g) => g.length)).toEqual([CUSTOMERS_PER_CALL, CUSTOMERS_PER_CALL, 5]);
    expect(groups.flat()).toEqual(ids);
  });

  it('puts only customers of one hash slot in a call on a cluster, each slot in order', () => {
    const slotOf = (id: number) => id % 3;
    const groups = callGroups(ids, slotOf);
    for (const g of groups) {
      expect(new Set(g.map(slotOf)).size).toBe(1);
      expect(g.length).toBeLessThanOrEqual(CUSTOMERS_PER_CALL);
    }
    expect(groups.flat().sort((a, b) => a - b)).toEqual(ids);
    for (const slot of [0, 1, 2]) {
      const inSlot = groups.flat().filter((id) => slotOf(id) === slot);
      expect(inSlot).toEqual(ids.filter((id) => slotOf(id) === slot));
    }
  });

  it('makes no call for no customers', () => {
    expect(callGroups([], null)).toEqual([]);
    expect(callGroups([], () => 0)).toEqual([]);
  });
});
