import { EventEmitter } from 'node:events';
import type { Counters } from './stats';

/**
 * What the updater reports about itself, as events (in the manner of kafkajs' instrumentation
 * events): the pipeline and the sources emit, and whoever cares (the metrics module) listens. Nothing
 * here knows about Prometheus.
 */
export interface UnitEvent {
  transport: 'kafka' | 'pubsub' | 'file';
  /** From the unit's start to its positions committed (offsets committed, messages acked), ms. */
  durationMs: number;
  counters: Counters;
  /** Dead letters of the unit by reason code. */
  deadLetters: ReadonlyMap<string, number>;
  rowsWritten: number;
  triggersQueued: number;
  /** CloudEvents `time` of every accepted message of the unit. */
  eventTimes: readonly string[];
  /** When the positions were committed (epoch ms). */
  committedAt: number;
}

export interface LagEvent {
  topic: string;
  partition: number;
  /** Messages after the last one of the batch just processed (high watermark - 1 - last offset). */
  lag: number;
}

/**
 * The readiness inputs: connected to the broker, member of the group, not rebuilding Redis, and every
 * store answering (the names of those that do not, from the DependencyWatch). `stopping` is set when
 * the updater begins to shut down: from then on it leaves the group on purpose, and says so.
 */
export interface UpdaterState {
  connected: boolean;
  joined: boolean;
  rebuilding: boolean;
  stopping: boolean;
  unreachable: string[];
}

export interface UpdaterEventMap {
  unit: [UnitEvent];
  lag: [LagEvent];
  rebuild: [{ durationMs: number; reason: 'redis-lost' | 'requested' }];
  triggersPublished: [{ count: number }];
  /** A write the database refused was split in two to find the rows it refuses (see writeIsolating). */
  split: [{ table: string; items: number }];
  state: [UpdaterState];
}

export class UpdaterEvents extends EventEmitter<UpdaterEventMap> {
  readonly state: UpdaterState = {
    connected: false,
    joined: false,
    rebuilding: false,
    stopping: false,
    unreachable: [],
  };

  /** Changes part of the state and emits the whole of it. */
  setState(change: Partial<UpdaterState>): void {
    Object.assign(this.state, change);
    this.emit('state', { ...this.state });
  }
}
