import { type ProfileTrigger, type TriggerRowChange, type TriggerRules, triggersFor } from '@cdp360/domain';
import { queueTriggers } from '@cdp360/postgres';
import type { ClientBase } from 'pg';

/**
 * Evaluates the rules on a batch of row changes and queues the triggers they raise in the caller's
 * transaction (the one that writes the rows): a trigger exists exactly when its change committed.
 */
export async function queueRaisedTriggers(
  client: ClientBase,
  rules: TriggerRules,
  changes: readonly TriggerRowChange[],
): Promise<ProfileTrigger[]> {
  const raised = triggersFor(rules, changes);
  await queueTriggers(client, raised);
  return raised;
}
