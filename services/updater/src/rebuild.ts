import type { Logger } from '@cdp360/config';
import {
  allCustomerIds,
  bumpUpdaterState,
  type FactsProfile,
  profilesFromFacts,
  readUpdaterState,
} from '@cdp360/postgres';
import { type AggregateStore, type StoredProfile, versionBase } from '@cdp360/redis';
import type { Pool } from 'pg';

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
 * Rebuilds every customer's Redis aggregates from the durable facts in Postgres, under a new epoch.
 * One instance at a time (advisory lock); safe to interrupt and run again (it starts over). With
 * `onlyIfLost`, does nothing when Redis already holds the current epoch (another instance rebuilt).
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
      if (options.onlyIfLost && current > 0 && (await store.readEpoch()) === current) {
        return { epoch: current, customers: 0, rebuilt: false, durationMs: Date.now() - started };
      }
      const epoch = Number(await bumpUpdaterState(lock, 'redis_epoch'));
      const version = versionBase(epoch) + 1n;
      await store.beginRebuild();
      const ids = await allCustomerIds(db);
      const chunk = options.chunkSize ?? 2000;
      let done = 0;
      for (let i = 0; i < ids.length; i += chunk) {
        const slice = ids.slice(i, i + chunk);
        const profiles = await profilesFromFacts(db, slice[0]!, slice[slice.length - 1]!, {
          markersSinceMicros: store.markerHorizonMicros(),
        });
        await store.load(profiles.map((p) => storedFromFacts(p, version)));
        done += slice.length;
        options.onProgress?.({ customers: done, total: ids.length });
      }
      if (await store.publishEpoch(epoch)) {
        const durationMs = Date.now() - started;
        logger.info({ epoch, customers: ids.length, durationMs }, 'rebuilt Redis aggregates from Postgres facts');
        return { epoch, customers: ids.length, rebuilt: true, durationMs };
      }
      logger.warn({ epoch, attempt }, 'Redis lost data during the rebuild; starting over');
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => {});
    lock.release();
  }
}
