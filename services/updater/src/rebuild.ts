import type { Logger } from '@cdp360/config';
import {
  allCustomerIds,
  bumpUpdaterState,
  type FactsProfile,
  readUpdaterState,
  rebuildProfilesFor,
  rebuildProfilesInRange,
} from '@cdp360/postgres';
import { type AggregateStore, type StoredProfile, versionBase } from '@cdp360/redis';
import type { Pool } from 'pg';

/**
 * Customers per bulk read: one statement per range of this many customers. Large enough that the
 * per-statement costs (planning, merging the per-table aggregates) are shared by many customers, small
 * enough that two ranges in flight stay small in Node (10,000 spent 25 % more CPU, mostly in GC).
 */
const DEFAULT_CHUNK = 5_000;

/** Arbitrary constant for the rebuild advisory lock (one rebuild at a time across instances). */
const REBUILD_LOCK = 360_360_001;

export interface RebuildProgress {
  customers: number;
  total: number;
}

export interface RebuildResult {
  epoch: number;
  customers: number;
  rebuilt: boolean;
  durationMs: number;
  /** The shards rebuilt when only some Redis Cluster masters had lost their state (else all were). */
  shards?: string[];
}

function storedFromFacts(f: FactsProfile, version: bigint): StoredProfile {
  f.state.version = version;
  return {
    state: f.state,
    recordTime: f.recordTime,
    recordSeq: f.recordSeq,
    watermarks: new Map(f.streams.map((st, i) => [st, f.seqs[i]!])),
    // Pub/Sub facts have no watermark: their markers come back, or a redelivery would apply them again.
    markers: f.markers.map((m, i) => [m, f.markerTimes[i]!] as const),
    campaignIds: f.campaignIds,
  };
}

/**
 * Rebuilds customers' Redis aggregates from the durable facts in Postgres, under a new epoch: all of
 * them, or with `onlyIfLost` those of the shards that lost their state (a standalone server is one
 * shard; a Redis Cluster has one per master, and a master that was flushed or restarted empty, or
 * whose slots changed, is rebuilt while the others keep theirs). Does nothing when every shard holds
 * the current epoch (another instance rebuilt). One instance at a time (advisory lock); safe to
 * interrupt and run again (it starts over).
 */
export async function rebuildAggregates(
  deps: { db: Pool; store: AggregateStore; logger: Logger },
  options: { onlyIfLost?: boolean; chunkSize?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildResult> {
  const { db, store, logger } = deps;
  const started = Date.now();
  const lock = await db.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [REBUILD_LOCK]);
    for (let attempt = 1; ; attempt++) {
      const current = Number(await readUpdaterState(lock, 'redis_epoch'));
      const view = await store.shards();
      const all = view.shards.map((_, i) => i);
      const lost = options.onlyIfLost && current > 0 ? await store.lostShards(view, current) : all;
      if (lost.length === 0) {
        return { epoch: current, customers: 0, rebuilt: false, durationMs: Date.now() - started };
      }
      const partial = lost.length < all.length;
      const epoch = Number(await bumpUpdaterState(lock, 'redis_epoch'));
      const version = versionBase(epoch) + 1n;
      await store.beginRebuild(view, lost);
      // The shards that keep their state must still hold it now that their markers are set.
      if (partial && (await store.lostShards(view, current)).length !== lost.length) {
        logger.warn({ epoch, attempt }, 'another Redis shard lost its state before the rebuild began; starting over');
        continue;
      }
      const lostSet = new Set(lost);
      const ids = (await allCustomerIds(db)).filter((id) => !partial || lostSet.has(view.shardOfCustomer(id)));
      const chunk = options.chunkSize ?? DEFAULT_CHUNK;
      const markersSinceMicros = store.markerHorizonMicros();
      const read = (i: number): Promise<FactsProfile[]> => {
        const slice = ids.slice(i, i + chunk);
        return partial
          ? rebuildProfilesFor(db, slice, { markersSinceMicros })
          : rebuildProfilesInRange(db, slice[0]!, slice[slice.length - 1]!, { markersSinceMicros });
      };
      // One read ahead: Postgres computes the next range while this one is loaded into Redis.
      let next = ids.length > 0 ? read(0) : undefined;
      try {
        for (let i = 0; i < ids.length; i += chunk) {
          const profiles = await next!;
          next = i + chunk < ids.length ? read(i + chunk) : undefined;
          await store.load(profiles.map((p) => storedFromFacts(p, version)));
          options.onProgress?.({ customers: Math.min(ids.length, i + chunk), total: ids.length });
        }
      } finally {
        // A failed load leaves the read ahead running: wait for it (its error is not this one).
        await next?.catch(() => {});
      }
      if (await store.publishEpoch(view, epoch)) {
        const durationMs = Date.now() - started;
        const shards = partial ? lost.map((i) => view.shards[i]!.label) : undefined;
        logger.info(
          { epoch, customers: ids.length, durationMs, ...(shards ? { shards } : {}) },
          'rebuilt Redis aggregates from Postgres facts',
        );
        return { epoch, customers: ids.length, rebuilt: true, durationMs, ...(shards ? { shards } : {}) };
      }
      logger.warn({ epoch, attempt }, 'Redis lost data during the rebuild; starting over');
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => {});
    lock.release();
  }
}
