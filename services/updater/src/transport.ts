import type { TriggerSink } from '@cdp360/trigger-outbox';
import type { ProfilePipeline } from './pipeline';
import type { DeadLetterSink } from './source';
import type { Counters } from './stats';

/**
 * What a broker adapter gives the updater: where rejects and triggers go, and a source feeding the
 * pipeline whose positions it commits (Kafka offsets, Pub/Sub acks) only after a unit's effects are
 * durable. The pipeline never learns which broker it reads.
 */
export interface Transport {
  readonly kind: 'kafka' | 'pubsub';
  readonly deadLetters: DeadLetterSink;
  readonly triggers: TriggerSink;
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
  /** Stops reading: the unit in progress finishes and is committed; the rest is left for redelivery. */
  stop(): Promise<void>;
  /** Closes the producing side; after stop. */
  close(): Promise<void>;
}
