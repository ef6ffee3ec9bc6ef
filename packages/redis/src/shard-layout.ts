import calculateSlot from 'cluster-key-slot';

/** Redis Cluster splits the key space into this many hash slots. */
export const CLUSTER_SLOTS = 16384;

/** The hash slot of a key (its hash tag when it has one), as Redis Cluster and ioredis compute it. */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

/** One master of a cluster and the slots it serves. */
export interface Shard {
  /** The master's address as the cluster announces it (host:port). */
  master: string;
  /** Inclusive slot ranges, ascending. */
  ranges: readonly (readonly [number, number])[];
  /**
   * The hash tag of this shard's own keys (its epoch and rebuild marker): the smallest `e:<n>` whose
   * slot the shard serves, so every client that sees the same slot map picks the same keys.
   */
  tag: string;
}

/**
 * Which master serves which slot, as the client currently sees it. Built from a slot -> master table
 * (ioredis keeps one: `cluster.slots[slot][0]`).
 */
export class ShardLayout {
  private constructor(
    readonly shards: readonly Shard[],
    /** Shard index per slot. */
    private readonly slotShard: Int32Array,
    /** The master per slot the layout was built from (to tell whether the map changed). */
    private readonly masters: readonly string[],
  ) {}

  /** Throws when a slot has no master (the cluster does not cover the key space). */
  static fromSlotMasters(masterOfSlot: (slot: number) => string | undefined): ShardLayout {
    const masters: string[] = new Array(CLUSTER_SLOTS);
    const index = new Map<string, number>();
    const ranges: [number, number][][] = [];
    const order: string[] = [];
    const slotShard = new Int32Array(CLUSTER_SLOTS);
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      const m = masterOfSlot(slot);
      if (m === undefined) throw new Error(`Redis Cluster slot ${slot} is not served by any master`);
      masters[slot] = m;
      let i = index.get(m);
      if (i === undefined) {
        i = order.length;
        index.set(m, i);
        order.push(m);
        ranges.push([]);
      }
      slotShard[slot] = i;
      const own = ranges[i]!;
      const last = own[own.length - 1];
      if (last && last[1] === slot - 1) last[1] = slot;
      else own.push([slot, slot]);
    }
    const shards = order.map((master, i) => ({ master, ranges: ranges[i]!, tag: shardTag(slotShard, i) }));
    return new ShardLayout(shards, slotShard, masters);
  }

  /** The shard serving a key. */
  shardOfKey(key: string): number {
    return this.slotShard[slotOf(key)]!;
  }

  shardOfSlot(slot: number): number {
    return this.slotShard[slot]!;
  }

  /** Whether this layout was built from the same slot -> master table. */
  matches(masterOfSlot: (slot: number) => string | undefined): boolean {
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) if (masterOfSlot(slot) !== this.masters[slot]) return false;
    return true;
  }
}

/** `0-5460` or `0-99,200-5460`: a shard's slots in its epoch value. */
export function rangesText(ranges: readonly (readonly [number, number])[]): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

/**
 * What a shard's epoch key holds: the epoch of the state it was (re)built under and the slots it
 * served then. A master that lost its data has no epoch key; one whose slots changed (resharding)
 * holds other ranges, and both count as lost.
 */
export function shardEpochValue(epoch: number, shard: Shard): string {
  return `${epoch} ${rangesText(shard.ranges)}`;
}

function shardTag(slotShard: Int32Array, shard: number): string {
  for (let n = 0; ; n++) {
    const tag = `e:${n}`;
    if (slotShard[calculateSlot(tag)] === shard) return tag;
  }
}
