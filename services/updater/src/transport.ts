import type { TriggerSink } from '@cdp360/trigger-outbox';
import type { DependencyWatch } from './dependency-watch';
import type { ProfilePipeline, TombstoneSink } from './pipeline';
import type { DeadLetterSink } from './source';
import { Counters } from './stats';

/**
 * What a broker adapter gives the updater: where rejects and triggers go, and a source feeding the
 * pipeline whose positions it commits (Kafka offsets, Pub/Sub acks) only after a unit's effects are
 * durable. The pipeline never learns which broker it reads.
 */
export interface Transport {
  readonly kind: 'kafka' | 'pubsub';
  readonly deadLetters: DeadLetterSink;
  readonly triggers: TriggerSink;
  /** Tombstones of erased customers (Kafka with CDP_ERASURE_TOMBSTONES; Pub/Sub has no compaction). */
  readonly tombstones?: TombstoneSink;
  /** What is read, for the start log line (topics, group, subscriptions). */
  describe(): Record<string, unknown>;
  /** Connects the producing side; before the pipeline starts. */
  connect(): Promise<void>;
  /** Starts feeding the pipeline. */
  start(pipeline: ProfilePipeline): Promise<void>;
  /** Units queued or running. */
  readonly busy: boolean;
  /** Whether everything there is to read has been read and committed (each adapter documents how it knows). */
  idle(): Promise<boolean>;
  readonly counters: Counters;
  /**
   * Settles with the error that stopped consumption for good (Kafka: a batch that cannot be decoded, a
   * topic that vanished); the updater then shuts down and rejects with it.
   */
  readonly failed?: Promise<Error>;
  readonly units: number;
  /** Asks the brokers once, without retries (the DependencyWatch calls it); absent: not watched. */
  probe?(): Promise<void>;
  /** Tells a failed unit whether a store is down, and lets it wait until it is back (set before start). */
  watch?: DependencyWatch;
  /** Stops reading: the unit in progress finishes and is committed; the rest is left for redelivery. */
  stop(): Promise<void>;
  /** Closes the producing side; after stop. */
  close(): Promise<void>;
}

/** What a transport's source gives the lifecycle below (KafkaSource, PubSubSource). */
export interface UnitSource {
  readonly busy: boolean;
  readonly counters: Counters;
  readonly units: number;
  start(): Promise<void>;
  /** The unit in progress finishes and is committed; the rest is left for redelivery. */
  stop(): Promise<void>;
}

/**
 * The lifecycle both transports share: the source is made when the pipeline starts, and until then the
 * transport is not busy, has counted nothing and run no unit. Each transport says how it connects,
 * how it knows it is idle and how it closes.
 */
export abstract class SourceTransport<S extends UnitSource> {
  protected source: S | null = null;
  watch?: DependencyWatch;

  /** The source feeding `pipeline` (not started yet). */
  protected abstract createSource(pipeline: ProfilePipeline): S;

  async start(pipeline: ProfilePipeline): Promise<void> {
    this.source = this.createSource(pipeline);
    await this.source.start();
  }

  get busy(): boolean {
    return this.source?.busy ?? false;
  }

  get counters(): Counters {
    return this.source?.counters ?? new Counters();
  }

  get units(): number {
    return this.source?.units ?? 0;
  }

  async stop(): Promise<void> {
    await this.source?.stop();
  }
}
