import type { Logger } from '@cdp360/config';
import { INPUT_TOPICS, type InputKind, topicNames } from '@cdp360/domain';
import {
  type BoundedSendOptions,
  type DeadLetter,
  groupLag,
  MissingTopicsError,
  sendDeadLetters,
  UndecodableBatchError,
  undecodableCause,
} from '@cdp360/kafka';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { DependencyWatch } from '../dependency-watch';
import type { ProfilePipeline, UnitResult } from '../pipeline';
import type { DeadLetterSink, HeaderValue, Rejected, SourceMessage } from '../source';
import { Counters } from '../stats';
import { UnitBatcher } from '../unit-batcher';

export interface KafkaSourceOptions {
  groupId: string;
  topicPrefix: string;
  /** Start from the earliest offset when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** Items per unit of work before it starts without waiting for the linger. */
  maxUnitMessages?: number;
  /** ms the first batch of a unit waits for batches of other partitions. */
  lingerMs?: number;
  /** kafkajs fetch size per partition, bytes. */
  maxBytesPerPartition?: number;
  /** How many partitions' batches are taken at once (and so can share a unit). */
  partitionsConsumedConcurrently?: number;
  /** Group session timeout, ms: how long a crashed member keeps its partitions. */
  sessionTimeoutMs?: number;
  /** Used to tell where the consumer stalled when a batch cannot be decoded. */
  admin?: Admin;
  /** Tells whether a failed unit met a store outage, and waits for its end. */
  watch?: DependencyWatch;
  /**
   * Called once when consuming cannot go on (a batch that cannot be decoded, a topic that vanished):
   * the consumer has stopped, and retrying would fail the same way.
   */
  onFatal?: (err: Error) => void;
}

/** What a unit of nothing but already applied messages did. */
function emptyResult(): UnitResult {
  return {
    counters: new Counters(),
    rowsWritten: 0,
    recovered: false,
    triggers: 0,
    deadLetters: new Map(),
    eventTimes: [],
    erased: 0,
  };
}

/**
 * The unit's error as kafkajs retries it: marked retriable. Not as `cause`: kafkajs decides on the
 * innermost cause.
 */
function retriable(err: unknown): unknown {
  if (!(err instanceof Error) || (err as { retriable?: unknown }).retriable !== false) return err;
  return Object.assign(new Error(err.message), { name: 'CdpUnitFailed', retriable: true, original: err });
}

/** The longest a failed batch waits for a store to come back before kafkajs retries it anyway, ms. */
const OUTAGE_WAIT_MS = 60_000;

/** Kafka message headers as kafkajs gives them. */
function headersOf(m: KafkaMessage): Record<string, HeaderValue> {
  return (m.headers ?? {}) as Record<string, HeaderValue>;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: BoundedSendOptions,
  ) {}

  send(rejected: readonly Rejected[]): Promise<void> {
    const letters: DeadLetter[] = rejected.map((r) => {
      const p = r.message.position;
      if (p.kind !== 'kafka') throw new Error(`the Kafka dead-letter sink got a message from ${p.kind}`);
      return {
        key: r.message.key,
        value: r.message.value,
        headers: r.message.headers as IHeaders,
        sourceTopic: r.message.topic,
        sourcePartition: p.partition,
        sourceOffset: p.offset,
        code: r.code,
        reason: r.reason,
      };
    });
    return sendDeadLetters(this.producer, this.topic, letters, this.options);
  }
}

interface PartitionBatch {
  topic: string;
  partition: number;
  messages: SourceMessage[];
  lastOffset: string;
}

/**
 * Feeds the pipeline from one Kafka consumer group over the input topics. Batches of all
 * partitions taken at once are processed as one unit; their offsets are committed, in one request,
 * only after the unit's effects are durable.
 *
 * Failure policy: a unit that fails throws out of `eachBatch` with nothing committed, and kafkajs
 * takes over: its runner retries the fetch and batch with backoff (the client's `retry` settings) for
 * an error that is not marked `retriable: false`, then crashes and restarts the consumer, which
 * fetches again from the last commit. The positions make whatever was applied before harmless.
 * Two failures no retry can mend stop the source for good instead (`onFatal`): a topic we publish to
 * is missing, or the consumer crashed on a batch it cannot decode.
 */
/**
 * Messages per unit of work by default. Larger units share the per-unit costs (statements, round
 * trips, one row write per customer however many of its events the unit holds) among more events:
 * 20,000 against 5,000 cut the updater's CPU per event by 15-29 % in a drain and held a steady
 * 5,000 events/s at p99 0.8 s instead of 8 s, for about 100 MiB more peak memory; 40,000 (with
 * fetches of 2 MiB per partition, so that a fetch fills such a unit) against 20,000 another 9 % of
 * the updater's CPU and 11 % of the servers' (docs/benchmarks.md). At a steady rate a unit holds
 * what arrived while the one before ran, so the cap matters once the updater is behind, and then
 * larger units catch up faster.
 */
export const KAFKA_UNIT_MESSAGES = 40_000;

/** kafkajs fetch size per partition by default, bytes (see KAFKA_UNIT_MESSAGES). */
export const KAFKA_FETCH_BYTES_PER_PARTITION = 2 * 1024 * 1024;

export class KafkaSource {
  readonly consumer: Consumer;
  readonly counters = new Counters();
  private readonly kindOf = new Map<string, InputKind>();
  private readonly batcher: UnitBatcher<PartitionBatch, undefined>;
  /** Set by stop: no new batch is taken, and a second stage that fails is not tried again. */
  private stopping = false;
  /**
   * Set once a unit's second stage was given up (stopping, or a fatal error): no later unit may commit
   * then, since its offsets could pass that unit's on a partition both hold.
   */
  private abandoned = false;
  private readonly log: Logger;
  lastActivity = Date.now();
  units = 0;

  constructor(
    kafka: Kafka,
    private readonly pipeline: ProfilePipeline,
    logger: Logger,
    private readonly options: KafkaSourceOptions,
  ) {
    this.log = logger.child({ component: 'kafka-source' });
    const names = topicNames(options.topicPrefix);
    for (const t of INPUT_TOPICS) this.kindOf.set(names.inputs[t.kind], t.kind);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition ?? KAFKA_FETCH_BYTES_PER_PARTITION,
      maxWaitTimeInMs: 100,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      rebalanceTimeout: 60_000,
      // A batch that cannot be decoded fails every fetch the same way: do not restart into it.
      retry: { restartOnFailure: async (err) => undecodableCause(err) === null },
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const cause = undecodableCause(payload.error);
      if (cause) void this.stalled(cause);
    });
    const events = pipeline.events;
    const c = this.consumer;
    c.on(c.events.CONNECT, () => events.setState({ connected: true }));
    c.on(c.events.DISCONNECT, () => events.setState({ connected: false, joined: false }));
    c.on(c.events.GROUP_JOIN, () => events.setState({ joined: true }));
    c.on(c.events.REBALANCING, () => events.setState({ joined: false }));
    c.on(c.events.CRASH, () => events.setState({ joined: false }));
    c.on(c.events.STOP, () => events.setState({ joined: false }));
    c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
      const lagged = Number(payload.offsetLag);
      if (Number.isFinite(lagged))
        events.emit('lag', { topic: payload.topic, partition: payload.partition, lag: lagged });
    });
    this.batcher = new UnitBatcher<PartitionBatch, undefined>({
      maxItems: options.maxUnitMessages ?? KAFKA_UNIT_MESSAGES,
      sizeOf: (b) => b.messages.length,
      lingerMs: options.lingerMs ?? 5,
      runStaged: (batches) => this.runUnit(batches),
    });
  }

  private fatal = false;

  /** Stops for good, once, with an error that says what to do. */
  private fatalError(err: Error): void {
    if (this.fatal) return;
    this.fatal = true;
    this.log.error({ code: (err as { code?: string }).code }, err.message);
    this.options.onFatal?.(err);
  }

  /** The consumer crashed on a batch it cannot decode: find the partitions it stopped at and stop. */
  private async stalled(cause: Error): Promise<void> {
    let at: { topic: string; partition: number; offset: string }[] = [];
    if (this.options.admin) {
      at = await stalledPartitions(this.options.admin, this.options.groupId, this.topics).catch(() => []);
    }
    this.fatalError(new UndecodableBatchError(cause, at));
  }

  get topics(): string[] {
    return [...this.kindOf.keys()];
  }

  get busy(): boolean {
    return this.batcher.busy;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      // Offsets are resolved by hand once the unit is durable: a batch left alone (stale after a
      // rebalance, or the consumer stopping) must be fetched again, never skipped.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 32,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.isEmpty() || !isRunning() || isStale() || this.stopping) return;
    const kind = this.kindOf.get(batch.topic);
    if (!kind) throw new Error(`message from unexpected topic ${batch.topic}`);
    const stream = `${batch.topic}/${batch.partition}`;
    const messages: SourceMessage[] = batch.messages.map((m) => ({
      kind,
      topic: batch.topic,
      key: m.key ?? null,
      value: m.value ?? null,
      headers: headersOf(m),
      stream,
      seq: Number(m.offset),
      position: { kind: 'kafka', partition: batch.partition, offset: m.offset },
    }));
    this.lastActivity = Date.now();
    // The unit may take a while behind earlier units: keep the group membership alive meanwhile.
    const beat = setInterval(() => heartbeat().catch(() => {}), 1_000);
    try {
      // Resolves once the unit's first stage is done: its facts and Redis effects are durable, so
      // kafkajs may fetch the partition on; the offsets are committed after the second stage.
      await this.batcher.submit([
        { topic: batch.topic, partition: batch.partition, messages, lastOffset: batch.lastOffset() },
      ]);
      resolveOffset(batch.lastOffset());
    } catch (err) {
      // A topic we publish to is gone: every unit would fail the same way.
      if (err instanceof MissingTopicsError) this.fatalError(err);
      else {
        await this.unitFailed(err, () => isRunning() && !isStale());
        // kafkajs stops the consumer for good (no restart, no exit) on an error it calls
        // non-retriable, such as a producer's refused sequence: but a failed unit is always worth
        // fetching again, and the fatal cases are handled above and in onFatal.
        throw retriable(err);
      }
      throw err;
    } finally {
      clearInterval(beat);
      this.lastActivity = Date.now();
    }
  }

  /**
   * A unit failed and nothing of it is committed; kafkajs fetches its batches again once this
   * returns. When a store is down (the watch has logged that outage once), the batch waits here,
   * heartbeating, until the store answers again, so that it is not retried into the outage with an
   * error line each time; any other failure gets one line (kafkajs' own copy, with a stack, is debug).
   */
  private async unitFailed(err: unknown, stillOurs: () => boolean): Promise<void> {
    const watch = this.options.watch;
    const message = err instanceof Error ? err.message : String(err);
    if (watch && (await watch.explains(err))) {
      this.log.debug({ err: message, down: watch.down }, 'unit failed while a store is down; waiting for it');
      await watch.untilUp(stillOurs, OUTAGE_WAIT_MS);
      return;
    }
    // Every partition batch of the unit gets the unit's error: one line for the unit.
    if (typeof err === 'object' && err !== null) {
      if (this.reported.has(err)) return;
      this.reported.add(err);
    }
    this.log.warn({ err: message }, 'unit failed; nothing of it is committed and its batches are fetched again');
  }

  private readonly reported = new WeakSet<object>();
  /** Per stream (`topic/partition`), the last offset of a unit this process completed. */
  private readonly completed = new Map<string, number>();

  /**
   * The unit's messages less those this process already took through a completed unit, and less
   * second copies of one position. Both come when kafkajs fetches a partition again while a batch of
   * it is still queued here (the consumer restarted after a broker outage) or after a lost commit:
   * their effects are durable, so they are committed but neither applied nor counted again. Decided
   * when the unit runs, as units run one after another.
   */
  private notYetApplied(batches: readonly PartitionBatch[]): SourceMessage[] {
    const out: SourceMessage[] = [];
    // Second copies can only come from a partition with two batches in the unit: only those streams'
    // positions are remembered (the common unit has one batch per partition).
    const batchesOf = new Map<string, number>();
    for (const b of batches) {
      const stream = `${b.topic}/${b.partition}`;
      batchesOf.set(stream, (batchesOf.get(stream) ?? 0) + 1);
    }
    const takenOf = new Map<string, Set<number>>();
    let skipped = 0;
    for (const b of batches) {
      const stream = `${b.topic}/${b.partition}`;
      const done = this.completed.get(stream) ?? -1;
      let taken: Set<number> | null = null;
      if (batchesOf.get(stream)! > 1) {
        taken = takenOf.get(stream) ?? new Set();
        takenOf.set(stream, taken);
      }
      for (const m of b.messages) {
        if (m.seq <= done || taken?.has(m.seq)) {
          skipped++;
          continue;
        }
        taken?.add(m.seq);
        out.push(m);
      }
    }
    if (skipped > 0) this.log.debug({ messages: skipped }, 'skipping messages this process already applied');
    return out;
  }

  /**
   * A unit in two stages (see ProfilePipeline.prepareUnit). The first (decode, facts, dead letters,
   * Redis) ends the partitions' eachBatch calls, so kafkajs fetches on while the second (rows, then the
   * offset commit) runs: the next unit's first stage overlaps it instead of the updater sitting idle
   * while Postgres writes rows and kafkajs fetches. Offsets are committed in unit order, each after its
   * own unit's effects are durable. A second stage that fails is tried again in place until it
   * succeeds (waiting out a store outage) or the source stops: its unit stays uncommitted meanwhile,
   * and a crash leaves it to be delivered again, which the positions make harmless.
   */
  private async runUnit(batches: PartitionBatch[]): Promise<{ result: undefined; second: () => Promise<void> }> {
    const started = Date.now();
    const messages = this.notYetApplied(batches);
    const second = messages.length > 0 ? await this.pipeline.prepareUnit(messages) : async () => emptyResult();
    // Taken: their first stage is durable and their second is tried until it succeeds or we stop.
    for (const b of batches) {
      const last = Number(b.lastOffset);
      const stream = `${b.topic}/${b.partition}`;
      if ((this.completed.get(stream) ?? -1) < last) this.completed.set(stream, last);
    }
    // Only the positions go on to the second stage: the messages would otherwise live through it.
    const offsets = batches.map((b) => ({
      topic: b.topic,
      partition: b.partition,
      offset: (BigInt(b.lastOffset) + 1n).toString(),
    }));
    const count = messages.length;
    return { result: undefined, second: () => this.finishUnit(offsets, count, started, second) };
  }

  /** The second stage, then the commit of `offsets` (the next offset to read, last + 1, per partition). */
  private async finishUnit(
    offsets: readonly { topic: string; partition: number; offset: string }[],
    messages: number,
    started: number,
    second: () => Promise<UnitResult>,
  ): Promise<void> {
    let result: UnitResult;
    for (let attempt = 1; ; attempt++) {
      try {
        result = await second();
        break;
      } catch (err) {
        // A topic we publish to is gone: every try would fail the same way.
        if (err instanceof MissingTopicsError) {
          this.abandoned = true;
          this.fatalError(err);
          return;
        }
        if (this.stopping) {
          this.abandoned = true;
          const line = { err: err instanceof Error ? err.message : String(err), partitions: offsets.length };
          this.log.warn(
            line,
            'stopping with a unit whose rows were not all written; it is delivered again at the next start',
          );
          return;
        }
        await this.unitFailed(err, () => !this.stopping);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(attempt, 6))));
      }
    }
    // Effects are durable: now the positions may be committed, unless an earlier unit was given up.
    if (this.abandoned) return;
    try {
      await this.consumer.commitOffsets([...offsets]);
    } catch (err) {
      // Typically a rebalance: the partitions' new owner redelivers from the last commit, and the
      // positions make that redelivery change nothing.
      const line = { err: err instanceof Error ? err.message : String(err), partitions: offsets.length };
      if (this.options.watch?.disrupted) this.log.debug(line, 'offset commit failed; the batch will be redelivered');
      else this.log.warn(line, 'offset commit failed; the batch will be redelivered');
    }
    this.counters.merge(result.counters);
    this.units++;
    this.lastActivity = Date.now();
    this.pipeline.events.emit('unit', {
      transport: 'kafka',
      durationMs: Date.now() - started,
      counters: result.counters,
      deadLetters: result.deadLetters,
      rowsWritten: result.rowsWritten,
      triggersQueued: result.triggers,
      eventTimes: result.eventTimes,
      committedAt: Date.now(),
    });
    this.log.debug(
      { messages, partitions: offsets.length, rows: result.rowsWritten, ms: Date.now() - started },
      'unit done',
    );
  }

  /**
   * Stops taking batches, lets the units in flight finish (their offsets committed while the consumer
   * is still in the group), then disconnects, which leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.batcher.drained();
    await this.consumer.disconnect();
  }
}

/**
 * The input partitions the group has not consumed to the end, with the offset it will read next: where
 * a consumer that crashed on an undecodable batch stopped (kafkajs does not say which partition of a
 * fetch failed to decode).
 */
async function stalledPartitions(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<{ topic: string; partition: number; offset: string }[]> {
  const { partitions } = await groupLag(admin, groupId, topics);
  return partitions
    .filter((p) => {
      const from = BigInt(p.committed) < 0n ? BigInt(p.low) : BigInt(p.committed);
      return from < BigInt(p.high);
    })
    .map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: BigInt(p.committed) < 0n ? p.low : p.committed,
    }));
}
