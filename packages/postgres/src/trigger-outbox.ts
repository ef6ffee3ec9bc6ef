import type { ProfileTrigger } from '@cdp360/domain';
import type { ClientBase } from 'pg';

/** Queues triggers in the caller's transaction; a trigger already queued (same key) is kept once. */
export async function queueTriggers(client: ClientBase, triggers: readonly ProfileTrigger[]): Promise<void> {
  if (triggers.length === 0) return;
  await client.query(
    `INSERT INTO profile_trigger_outbox (idempotency_key, customer_id, rule, profile_version, column_name, old_value, new_value)
     SELECT * FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      triggers.map((t) => t.idempotencyKey),
      triggers.map((t) => t.customerId),
      triggers.map((t) => t.rule),
      triggers.map((t) => t.profileVersion),
      triggers.map((t) => t.column),
      triggers.map((t) => JSON.stringify(t.old)),
      triggers.map((t) => JSON.stringify(t.new)),
    ],
  );
}

interface OutboxRow {
  id: string;
  idempotency_key: string;
  customer_id: number;
  rule: string;
  profile_version: string;
  column_name: string;
  old_value: unknown;
  new_value: unknown;
}

/**
 * Takes up to `limit` queued triggers, oldest first, inside the caller's transaction: they are
 * deleted when it commits and come back if it rolls back (publish, then commit). Rows another
 * transaction holds are skipped, so several publishers never send the same row at once.
 */
export async function claimTriggers(client: ClientBase, limit: number): Promise<ProfileTrigger[]> {
  const res = await client.query<OutboxRow>(
    `DELETE FROM profile_trigger_outbox WHERE id IN (
       SELECT id FROM profile_trigger_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, idempotency_key, customer_id, rule, profile_version, column_name, old_value, new_value`,
    [limit],
  );
  // RETURNING has no order: restore the queue's (per customer, triggers go out in the order they arose).
  const rows = res.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  return rows.map((r) => ({
    idempotencyKey: r.idempotency_key,
    customerId: r.customer_id,
    rule: r.rule,
    profileVersion: r.profile_version,
    column: r.column_name,
    old: r.old_value,
    new: r.new_value,
  }));
}
