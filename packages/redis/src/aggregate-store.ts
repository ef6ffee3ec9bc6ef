import type { CustomerProfileRecord, CustomerRecord, Fact, ProfileState } from '@cdp360/domain';
import type { Redis } from 'ioredis';
import { parseProfile, parseState, type ReadReply, type StateReply, serializeProfile } from './aggregate-state';
import { type RedisKeys, versionBase, watermarkField } from './keys';
import { defineScripts, type ScriptPipeline } from './scripts';

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
  /** False when the epoch key was missing or different before or after the ops: Redis lost its state. */
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
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisStateError';
  }
}

/**
 * Per-customer aggregates in Redis, changed only through the idempotent Lua scripts. One pipeline
 * per unit: epoch check, one script call per customer (its ops, then its state), epoch check again.
 */
export class AggregateStore {
  private readonly markerRetentionMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    readonly keys: RedisKeys,
    options: AggregateStoreOptions = {},
  ) {
    defineScripts(redis);
    this.markerRetentionMs = options.markerRetentionMs ?? DEFAULT_MARKER_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  /** Markers published before this instant (microseconds) are no longer needed. */
  markerHorizonMicros(): number {
    return (this.now() - this.markerRetentionMs) * 1000;
  }

  async readEpoch(): Promise<number | null> {
    const v = await this.redis.get(this.keys.epoch());
    return v === null ? null : Number(v);
  }

  /** Removes every key of the namespace and marks a rebuild as started. */
  async beginRebuild(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.pattern(), 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== '0');
    await this.redis.set(this.keys.rebuilding(), String(Date.now()));
  }

  /** Publishes the epoch of a finished rebuild; false when Redis lost the data during the load. */
  async publishEpoch(epoch: number): Promise<boolean> {
    const r = await (
      this.redis as unknown as { cdpPublishEpoch(...a: (string | number)[]): Promise<number> }
    ).cdpPublishEpoch(this.keys.rebuilding(), this.keys.epoch(), epoch);
    return r === 1;
  }

  /**
   * Applies a unit's ops and reads the state of `customers` (plus every customer with an op) in one
   * pipeline: the epoch, one script call per customer with that customer's ops in order, the epoch
   * again. Ops of different customers touch different keys, so grouping them per customer keeps every
   * customer's order and changes nothing else.
   */
  async applyAndRead(ops: readonly ApplyOp[], customers: readonly number[], epoch: number): Promise<ApplyResult> {
    const p = this.redis.pipeline() as unknown as ScriptPipeline & { get(key: string): unknown };
    const epochKey = this.keys.epoch();
    const base = versionBase(epoch).toString();
    let horizon: string | null = null;
    const calls = new Map<number, { args: (string | number)[]; ops: number[]; marked: boolean }>();
    const callOf = (id: number) => {
      let c = calls.get(id);
      if (!c) {
        c = { args: [], ops: [], marked: false };
        calls.set(id, c);
      }
      return c;
    };
    for (const id of customers) callOf(id);
    ops.forEach((op, i) => {
      const c = callOf(op.data.customerId);
      c.ops.push(i);
      if (op.pos.marker !== undefined) c.marked = true;
      encodeOp(op, c.args);
    });
    p.get(epochKey);
    for (const [id, c] of calls) {
      const k = this.keys.customer(id);
      if (c.marked) horizon ??= String(this.markerHorizonMicros());
      p.cdpApplyBatch(k.aggregate, k.productLines, k.campaigns, k.markers, base, c.marked ? horizon! : '', ...c.args);
    }
    p.get(epochKey);
    const replies = await p.exec();
    if (!replies) throw new RedisStateError('Redis pipeline was discarded');
    const values = replies.map(([err, value], i) => {
      if (err) throw new RedisStateError(`Redis command ${i} of the batch failed: ${err.message}`, { cause: err });
      return value;
    });
    const expected = String(epoch);
    const epochIntact = values[0] === expected && values[values.length - 1] === expected;
    const outcomes: number[] = new Array(ops.length);
    const stateOf = new Map<number, ProfileState>();
    let n = 1;
    for (const [id, c] of calls) {
      const [opOutcomes, ...state] = values[n++] as BatchReply;
      c.ops.forEach((opIndex, j) => {
        outcomes[opIndex] = Number(opOutcomes[j]);
      });
      stateOf.set(id, parseState(id, state));
    }
    return { outcomes, states: customers.map((id) => stateOf.get(id)!), epochIntact };
  }

  /** Reads customers' states (no epoch check). */
  async read(customers: readonly number[]): Promise<StoredProfile[]> {
    if (customers.length === 0) return [];
    const p = this.redis.pipeline() as unknown as ScriptPipeline;
    for (const id of customers) {
      const k = this.keys.customer(id);
      p.cdpReadProfile(k.aggregate, k.productLines, k.campaigns);
    }
    const replies = (await p.exec()) ?? [];
    return replies.map(([err, value], i) => {
      if (err) throw new RedisStateError(`reading customer ${customers[i]} failed: ${err.message}`, { cause: err });
      return parseProfile(customers[i]!, value as ReadReply);
    });
  }

  /** Replaces customers' whole states (rebuild). */
  async load(profiles: readonly StoredProfile[]): Promise<void> {
    if (profiles.length === 0) return;
    const p = this.redis.pipeline() as unknown as ScriptPipeline & {
      del(key: string): unknown;
      zadd(key: string, ...scoreMembers: string[]): unknown;
    };
    for (const prof of profiles) {
      const k = this.keys.customer(prof.state.customerId);
      const { agg, products, campaigns } = serializeProfile(prof);
      p.cdpLoadProfile(
        k.aggregate,
        k.productLines,
        k.campaigns,
        agg.length / 2,
        products.length / 2,
        ...agg,
        ...products,
        ...campaigns,
      );
      const markers = prof.markers ?? [];
      if (markers.length > 0) p.del(k.markers);
      for (let i = 0; i < markers.length; i += 1000) {
        const args: string[] = [];
        for (const [marker, micros] of markers.slice(i, i + 1000)) args.push(micros, marker);
        p.zadd(k.markers, ...args);
      }
    }
    const replies = (await p.exec()) ?? [];
    for (const [err] of replies)
      if (err) throw new RedisStateError(`loading a profile failed: ${err.message}`, { cause: err });
  }
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

type BatchReply = [number[], ...StateReply];
