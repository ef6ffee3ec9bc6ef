import type { Logger } from '@cdp360/config';
import type { ProfileTrigger } from '@cdp360/domain';
import { claimTriggers, withTransaction } from '@cdp360/postgres';
import type { Pool } from 'pg';

/** Where published triggers go (a Kafka topic or a Pub/Sub topic). Resolves once they are durable. */
export interface TriggerSink {
  publish(triggers: readonly ProfileTrigger[]): Promise<void>;
}

const CLAIM = 1000;

/**
 * Sends queued triggers: claim a chunk in a transaction, publish it, then commit (deleting it). A
 * failed publish rolls back and the triggers stay queued; a crash after the publish and before the
 * commit sends them again, with the same idempotency keys.
 */
export async function publishQueuedTriggers(db: Pool, sink: TriggerSink, logger: Logger): Promise<number> {
  let sent = 0;
  for (;;) {
    let claimed: ProfileTrigger[] = [];
    try {
      await withTransaction(db, async (client) => {
        claimed = await claimTriggers(client, CLAIM);
        if (claimed.length > 0) await sink.publish(claimed);
      });
    } catch (err) {
      // Nothing claimed: Postgres failed, and the caller hears of that; a failed publish is ours to tell.
      // One line with the reason; a stack says nothing here, and a broker outage is expected now and then.
      if (claimed.length > 0) {
        const reason = err instanceof Error ? err.message : String(err);
        logger.warn({ err: reason, triggers: claimed.length }, 'publishing triggers failed; they stay queued');
      }
      throw err;
    }
    sent += claimed.length;
    if (claimed.length < CLAIM) return sent;
  }
}
