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
    let publishFailed = false;
    try {
      await withTransaction(db, async (client) => {
        claimed = await claimTriggers(client, CLAIM);
        if (claimed.length > 0) {
          await sink.publish(claimed).catch((err: unknown) => {
            publishFailed = true;
            throw err;
          });
        }
      });
    } catch (err) {
      // A failed publish is ours to tell. Anything else is Postgres failing (the claim, or the commit
      // after a publish that went out: those triggers go out again, with the same idempotency keys),
      // which the caller hears of. One line with the reason; a stack says nothing here, and a broker
      // outage is expected now and then.
      if (publishFailed) {
        const reason = err instanceof Error ? err.message : String(err);
        logger.warn({ err: reason, triggers: claimed.length }, 'publishing triggers failed; they stay queued');
      }
      throw err;
    }
    sent += claimed.length;
    if (claimed.length < CLAIM) return sent;
  }
}
