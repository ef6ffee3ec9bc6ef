import type { CustomerProfileRecord, CustomerRecord, Fact, ProfileState } from '@cdp360/domain';
import type { Cluster } from 'ioredis';
import { parseAppliedCustomer, parseProfile, type ReadReply, serializeProfile } from './aggregate-state';
import { deleteKeys, isCluster, type RedisClient } from './client';
import { type RedisKeys, versionBase, watermarkField } from './keys';
import { defineScripts, type ScriptPipeline } from './scripts';
import { rangesText, ShardLayout, shardEpochValue, slotOf } from './shard-layout';

/**
 * Where a fact was read from: a stream (e.g. a Kafka topic-partition) and its sequence (offset) in it.
 * Sources without ordered offsets (Pub/Sub) also give a `marker`, the message's identity: such ops are
 * guarded by a per-message marker instead of the stream's watermark, and `seq` is the publish time in
 * microseconds (log order for latest-wins ties, and the marker's age).
 */
export interface SourcePosition {
  stream: string;
  seq: number;
  marker?: string;
}

export interface AggregateStoreOptions {
  /**
   * How long a message marker is kept after its publish time, ms: at least as long as the source can
   * redeliver or replay the message (the subscription's message retention). Default 8 days.
   */
  markerRetentionMs?: number;
  /** Injected clock, ms since the epoch (the trim horizon is now minus the retention). */
  now?: () => number;
  /** Redis Cluster: how long the client may take to learn the slot map before the store gives up, ms. */
  slotMapTimeoutMs?: number;
}

export const DEFAULT_MARKER_RETENTION_MS = 8 * 24 * 3600 * 1000; // 8 days: 7-day retention plus a day

export type ApplyOp =
  | { data: Fact; pos: SourcePosition }
  /** A customer record; `time` is the sortable CloudEvents time. */
  | { data: CustomerRecord; pos: SourcePosition; time: string };

/** Outcome codes of the apply scripts. */
export const APPLIED = 1;
export const ALREADY_APPLIED = 0;
export const RECORD_OUTRANKED = 2;

export interface ApplyResult {
  /** Per op, in order: APPLIED, ALREADY_APPLIED or RECORD_OUTRANKED. */
  outcomes: number[];
  /** The state of each requested customer after the ops, in request order. */
  states: ProfileState[];
  /**
   * False when an epoch key was missing or different before or after the ops (for a cluster: the key
   * of any master the unit touched): Redis, or that master, lost its state.
   */
  epochIntact: boolean;
}

/** A customer's full state as stored, for rebuilds. */
export interface StoredProfile {
  state: ProfileState;
  /** Sortable time and log order of the winning customer record. */
  recordTime: string | null;
  recordSeq: string | null;
  /** Watermark per source stream. */
  watermarks: Map<string, string>;
  /** Applied-message markers (sources without offsets): marker and publish time in microseconds. */
  markers?: readonly (readonly [string, string])[];
  /** The distinct campaign ids (only needed to load a state; reads return the count in the state). */
  campaignIds?: readonly number[];
}

export class RedisStateError extends Error {
  readonly code = 'CDP_REDIS_STATE';
  /**
   * Read by kafkajs, which retries: thrown inside `eachBatch`, a retriable error makes the runner
   * fetch and process the batch again with backoff, then restart the consumer, instead of crashing it
   * (an error marked `retriable: false` is not retried). Pub/Sub nacks the unit either way.
   */
  readonly retriable: boolean;
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options);
    this.name = 'RedisStateError';
    this.retriable = options?.retriable ?? true;
  }
}

/**
 * Where the epoch of a part of the state lives: the whole server when standalone (one shard), or one
 * master of a Redis Cluster with the slots it serves.
 */
export interface EpochShard {
  /** For logs: `standalone`, or the master's address and slot ranges. */
  label: string;
  /** The master's address (cluster only). */
  master: string | undefined;
  epochKey: string;
  rebuildingKey: string;
  /** What the epoch key holds while this shard's state belongs to `epoch`. */
  epochValue(epoch: number): string;
}

/** The shards of the state as the client sees them now, and which one holds a customer. */
export interface EpochShards {
  shards: readonly EpochShard[];
  shardOfCustomer(customerId: number): number;
}

type Pipe = ScriptPipeline & {
  get(key: string): unknown;
  set(key: string, value: string): unknown;
  del(key: string): unknown;
  zadd(key: string, ...scoreMembers: string[]): unknown;
};

/**
 * Per-customer aggregates in Redis, changed only through the idempotent Lua scripts. One pipeline
 * per unit and per shard (a standalone server is one shard, a cluster has one per master): the shard's
 * epoch, script calls of up to CUSTOMERS_PER_CALL customers each (each customer's ops, then its
 * state as one compact text), the shard's epoch again. On a Redis Cluster every script
 * call touches the keys of one customer, which share a hash slot.
 */
export class AggregateStore {
  private readonly markerRetentionMs: number;
  private readonly now: () => number;
  private readonly slotMapTimeoutMs: number;
  private layout: ShardLayout | undefined;
  private layoutShards: EpochShards | undefined;
  private readonly standalone: EpochShards;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: RedisKeys,
    options: AggregateStoreOptions = {},
  ) {
    defineScripts(redis);
    this.markerRetentionMs = options.markerRetentionMs ?? DEFAULT_MARKER_RETENTION_MS;
    this.now = options.now ?? Date.now;
    this.slotMapTimeoutMs = options.slotMapTimeoutMs ?? SLOT_MAP_TIMEOUT_MS;
    this.standalone = {
      shards: [
        {
          label: 'standalone',
          master: undefined,
          epochKey: keys.epoch(),
          rebuildingKey: keys.rebuilding(),
          epochValue: (epoch) => String(epoch),
        },
      ],
      shardOfCustomer: () => 0,
    };
  }

  /** Markers published before this instant (microseconds) are no longer needed. */
  markerHorizonMicros(): number {
    return (this.now() - this.markerRetentionMs) * 1000;
  }

  /**
   * The shards as the client sees the slot map now (waits for a cluster client to learn it). The same
   * object comes back while the map is unchanged.
   */
  async shards(): Promise<EpochShards> {
    const redis = this.redis;
    if (!isCluster(redis)) return this.standalone;
    if (redis.slots.length === 0) await learnSlotMap(redis, this.slotMapTimeoutMs);
    const masterOf = (slot: number) => redis.slots[slot]?.[0];
    if (this.layout && this.layoutShards && this.layout.matches(masterOf)) return this.layoutShards;
    let layout: ShardLayout;
    try {
      layout = ShardLayout.fromSlotMasters(masterOf);
    } catch (err) {
      throw new RedisStateError((err as Error).message, { cause: err });
    }
    const keys = this.keys;
    this.layout = layout;
    this.layoutShards = {
      shards: layout.shards.map((sh) => ({
        label: `${sh.master} slots ${rangesText(sh.ranges)}`,
        master: sh.master,
        epochKey: keys.shardEpoch(sh.tag),
        rebuildingKey: keys.shardRebuilding(sh.tag),
        epochValue: (epoch) => shardEpochValue(epoch, sh),
      })),
      shardOfCustomer: (id) => layout.shardOfKey(keys.customer(id).aggregate),
    };
    return this.layoutShards;
  }

  /** The shards whose epoch key does not hold `epoch` (missing: the shard lost its data). */
  async lostShards(view: EpochShards, epoch: number): Promise<number[]> {
    const values = await Promise.all(view.shards.map((sh) => this.redis.get(sh.epochKey)));
    return values.flatMap((v, i) => (v === view.shards[i]!.epochValue(epoch) ? [] : [i]));
  }

  /**
   * Starts a rebuild of the `lost` shards: removes every key of the namespace on them, then marks a
   * rebuild as started on every shard (a shard that loses its data during the load loses the marker).
   */
  async beginRebuild(view: EpochShards, lost: readonly number[]): Promise<void> {
    if (!isCluster(this.redis)) {
      await deleteKeys(this.redis, this.keys.pattern());
    } else if (lost.length > 0) {
      const masters = new Set(lost.map((i) => view.shards[i]!.master!));
      await deleteKeys(this.redis, this.keys.pattern(), masters);
    }
    const started = String(Date.now());
    await Promise.all(view.shards.map((sh) => this.redis.set(sh.rebuildingKey, started)));
  }

  /**
   * Publishes the epoch of a finished rebuild on every shard; false when a shard lost its data during
   * the load (its marker is gone) and the rebuild must start over.
   */
  async publishEpoch(view: EpochShards, epoch: number): Promise<boolean> {
    const client = this.redis as unknown as { cdpPublishEpoch(...a: (string | number)[]): Promise<number> };
    const r = await Promise.all(
      view.shards.map((sh) => client.cdpPublishEpoch(sh.rebuildingKey, sh.epochKey, sh.epochValue(epoch))),
    );
    return r.every((x) => x === 1);
  }

  /**
   * Applies a unit's ops and reads the state of `customers` (plus every customer with an op), one
   * pipeline per shard: the shard's epoch, script calls for groups of up to CUSTOMERS_PER_CALL
   * customers with each customer's ops in order, the epoch again. Ops of different customers touch
   * different keys, so grouping them per customer keeps every customer's order and changes nothing
   * else. On a Redis Cluster the customers of one call share a hash slot (a script's keys must).
   */
  async applyAndRead(ops: readonly ApplyOp[], customers: readonly number[], epoch: number): Promise<ApplyResult> {
    const base = versionBase(epoch).toString();
    let marked = false;
    const calls = new Map<number, CustomerCall>();
    const callOf = (id: number) => {
      let c = calls.get(id);
      if (!c) {
        c = { args: [0], ops: [] };
        calls.set(id, c);
      }
      return c;
    };
    for (const id of customers) callOf(id);
    ops.forEach((op, i) => {
      const c = callOf(op.data.customerId);
      c.ops.push(i);
      if (op.pos.marker !== undefined) marked = true;
      encodeOp(op, c.args);
    });
    const horizon = marked ? String(this.markerHorizonMicros()) : '';
    const view = await this.shards();
    const clustered = isCluster(this.redis);
    const outcomes: number[] = new Array(ops.length);
    const stateOf = new Map<number, ProfileState>();
    const intact = await Promise.all(
      groupByShard(view, [...calls.keys()]).map(async ([shard, ids]) => {
        const p = this.redis.pipeline() as unknown as Pipe;
        const epochKey = view.shards[shard]!.epochKey;
        p.get(epochKey);
        const groups = callGroups(ids, clustered ? (id) => slotOf(this.keys.customer(id).aggregate) : null);
        for (const group of groups) {
          const args: (string | number)[] = [group.length * 4];
          for (const id of group) {
            const k = this.keys.customer(id);
            args.push(k.aggregate, k.productLines, k.campaigns, k.markers);
          }
          args.push(base, horizon);
          for (const id of group) {
            const c = calls.get(id)!;
            c.args[0] = c.args.length - 1;
            for (const a of c.args) args.push(a);
          }
          p.cdpApplyCustomers(args);
        }
        p.get(epochKey);
        const values = await this.execAll(p, (i, err) => `Redis command ${i} of the batch failed: ${err.message}`);
        groups.forEach((group, g) => {
          const texts = values[g + 1] as string[];
          group.forEach((id, j) => {
            const { outcomes: codes, state } = parseAppliedCustomer(id, texts[j]!);
            const c = calls.get(id)!;
            if (codes.length !== c.ops.length) {
              throw new RedisStateError(
                `Redis returned ${codes.length} outcomes for ${c.ops.length} ops of a customer`,
              );
            }
            c.ops.forEach((opIndex, k) => {
              outcomes[opIndex] = codes.charCodeAt(k) - 48;
            });
            stateOf.set(id, state);
          });
        });
        const expected = view.shards[shard]!.epochValue(epoch);
        return values[0] === expected && values[values.length - 1] === expected;
      }),
    );
    return { outcomes, states: customers.map((id) => stateOf.get(id)!), epochIntact: intact.every(Boolean) };
  }

  /**
   * Deletes every key of these customers (erasure). One DEL per customer: a customer's keys share
   * one hash slot, so each command is valid on Redis Cluster too, whatever node holds the slot.
   * Resolves to the number of keys removed.
   */
  async deleteCustomers(customers: readonly number[]): Promise<number> {
    const removed = await Promise.all(
      [...new Set(customers)].map((id) => {
        const k = this.keys.customer(id);
        return this.redis.del(k.aggregate, k.productLines, k.campaigns, k.markers);
      }),
    );
    return removed.reduce((a, b) => a + b, 0);
  }

  /** Reads customers' states (no epoch check). */
  async read(customers: readonly number[]): Promise<StoredProfile[]> {
    if (customers.length === 0) return [];
    const byId = new Map<number, StoredProfile>();
    const view = await this.shards();
    await Promise.all(
      groupByShard(view, customers).map(async ([, ids]) => {
        const p = this.redis.pipeline() as unknown as Pipe;
        for (const id of ids) {
          const k = this.keys.customer(id);
          p.cdpReadProfile(k.aggregate, k.productLines, k.campaigns);
        }
        const values = await this.execAll(p, (i, err) => `reading customer ${ids[i]} failed: ${err.message}`);
        values.forEach((value, i) => {
          byId.set(ids[i]!, parseProfile(ids[i]!, value as ReadReply));
        });
      }),
    );
    return customers.map((id) => byId.get(id)!);
  }

  /**
   * Replaces customers' whole states (rebuild): one pipeline per shard, one script call per group of up
   * to CUSTOMERS_PER_CALL customers (sharing a hash slot on a cluster), then the Pub/Sub markers.
   */
  async load(profiles: readonly StoredProfile[]): Promise<void> {
    if (profiles.length === 0) return;
    const view = await this.shards();
    const byId = new Map(profiles.map((prof) => [prof.state.customerId, prof]));
    const clustered = isCluster(this.redis);
    await Promise.all(
      groupByShard(view, [...byId.keys()]).map(async ([, ids]) => {
        const p = this.redis.pipeline() as unknown as Pipe;
        const groups = callGroups(ids, clustered ? (id) => slotOf(this.keys.customer(id).aggregate) : null);
        for (const group of groups) {
          const keys: string[] = [];
          const args: (string | number)[] = [];
          for (const id of group) {
            const k = this.keys.customer(id);
            keys.push(k.aggregate, k.productLines, k.campaigns);
            const { agg, products, campaigns } = serializeProfile(byId.get(id)!);
            args.push(agg.length / 2, products.length / 2, campaigns.length);
            for (const a of agg) args.push(a);
            for (const a of products) args.push(a);
            for (const a of campaigns) args.push(a);
          }
          p.cdpLoadProfiles(keys.length, keys, args);
        }
        for (const id of ids) {
          const markers = byId.get(id)!.markers ?? [];
          if (markers.length === 0) continue;
          const key = this.keys.customer(id).markers;
          p.del(key);
          for (let i = 0; i < markers.length; i += 1000) {
            const args: string[] = [];
            for (const [marker, micros] of markers.slice(i, i + 1000)) args.push(micros, marker);
            p.zadd(key, ...args);
          }
        }
        await this.execAll(p, (_i, err) => `loading a profile failed: ${err.message}`);
      }),
    );
  }

  /**
   * Runs a pipeline; every reply, or a RedisStateError for the first failed command. ioredis neither
   * retries nor relearns the slot map when a cluster pipeline with writes is redirected (MOVED, ASK) or
   * meets a node that is down: the map is refreshed here, so the retried unit goes where the slots are.
   */
  private async execAll(p: Pipe, describe: (i: number, err: Error) => string): Promise<unknown[]> {
    const replies = await p.exec().catch((err: unknown) => {
      this.refreshSlotMap();
      throw err;
    });
    if (!replies) throw new RedisStateError('Redis pipeline was discarded');
    return replies.map(([err, value], i) => {
      if (err) {
        this.refreshSlotMap();
        throw new RedisStateError(describe(i, err), { cause: err });
      }
      return value;
    });
  }

  private refreshSlotMap(): void {
    if (isCluster(this.redis)) this.redis.refreshSlotsCache();
  }
}

/** How long a cluster client may take to learn the slot map before the store gives up, by default. */
const SLOT_MAP_TIMEOUT_MS = 15_000;

/**
 * Waits for a cluster client to learn the slot map. ioredis queues commands without a limit while no
 * node answers, so without this bound an unreachable cluster would make the first unit wait forever.
 */
async function learnSlotMap(redis: Cluster, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seeds = (redis as unknown as { startupNodes?: { host?: string; port?: number }[] }).startupNodes;
      const where = seeds?.map((n) => `${n.host}:${n.port}`).join(',') ?? 'REDIS_CLUSTER_NODES';
      reject(
        new RedisStateError(
          `no Redis Cluster node at ${where} (REDIS_CLUSTER_NODES) gave the slot map within ${timeoutMs / 1000}s; is the cluster up and reachable?`,
          { retriable: false },
        ),
      );
    }, timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Customers per shard, in first-seen order within each shard; one group holding them all when there
 * is one shard (standalone), so a standalone server gets exactly one pipeline.
 */
export function groupByShard(view: EpochShards, customers: readonly number[]): [number, number[]][] {
  if (view.shards.length === 1) return [[0, [...customers]]];
  const groups = new Map<number, number[]>();
  for (const id of customers) {
    const shard = view.shardOfCustomer(id);
    const list = groups.get(shard);
    if (list) list.push(id);
    else groups.set(shard, [id]);
  }
  return [...groups];
}

/**
 * Customers per script call: enough that the per-call costs (client and server) fade, few enough that
 * one call keeps the server busy for a few milliseconds at most.
 */
export const CUSTOMERS_PER_CALL = 64;

/** A customer's part of a script call: its argument count slot, then its ops; and which ops they are. */
interface CustomerCall {
  args: (string | number)[];
  ops: number[];
}

/**
 * The customers of one shard in script calls of at most CUSTOMERS_PER_CALL, in order; with `slotOf`
 * (a cluster) the customers of one call also share a hash slot.
 */
export function callGroups(ids: readonly number[], slotOf: ((id: number) => number) | null): number[][] {
  const groups: number[][] = [];
  if (slotOf === null) {
    for (let i = 0; i < ids.length; i += CUSTOMERS_PER_CALL) groups.push(ids.slice(i, i + CUSTOMERS_PER_CALL));
    return groups;
  }
  const open = new Map<number, number[]>();
  for (const id of ids) {
    const slot = slotOf(id);
    let g = open.get(slot);
    if (!g || g.length === CUSTOMERS_PER_CALL) {
      g = [];
      open.set(slot, g);
      groups.push(g);
    }
    g.push(id);
  }
  return groups;
}

/** Appends one op as the batch script reads it: kind, guard, guard key, sequence, payload count, payload. */
function encodeOp(op: ApplyOp, out: (string | number)[]): void {
  const d = op.data;
  const marked = op.pos.marker !== undefined;
  const head = out.length;
  // The payload count (head + 4) is filled in once the payload is written.
  out.push('', marked ? 'm' : 'w', marked ? op.pos.marker! : watermarkField(op.pos.stream), op.pos.seq, 0);
  switch (d.kind) {
    case 'purchase':
      out[head] = 'P';
      out.push(d.totalCents, d.purchaseDate);
      for (const item of d.items) out.push(item.productId);
      break;
    case 'service_interaction':
      out[head] = 'I';
      out.push(d.satisfactionScore === null ? '' : d.satisfactionScore, d.resolutionStatus === 'Resolved' ? '1' : '0');
      break;
    case 'campaign_response':
      out[head] = 'R';
      out.push(d.campaignId, d.responseType === 'Conversion' ? '1' : '0');
      break;
    case 'web_session':
      out[head] = 'S';
      out.push(d.pagesViewed, String(d.timeSpent), d.visitDate);
      break;
    case 'customer':
      out[head] = 'C';
      out.push((op as { time: string }).time, op.pos.seq, JSON.stringify(recordOf(d)));
      break;
    default:
      out.length = head;
      throw new Error(`cannot apply an op of kind ${(d as { kind: unknown }).kind}`);
  }
  out[head + 4] = out.length - head - 5;
}

function recordOf(c: CustomerRecord): CustomerProfileRecord {
  return {
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    phoneNumber: c.phoneNumber,
    dateOfBirth: c.dateOfBirth,
    registrationDate: c.registrationDate,
  };
}
