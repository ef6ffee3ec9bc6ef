import { PROFILE_TRIGGER_TYPE } from '../events/topics';
import { evaluateTriggers, type TriggerHit, type TriggerRow, type TriggerRules } from './rules';

/** A trigger ready to publish: the CloudEvent's id is its idempotency key. */
export interface ProfileTrigger {
  idempotencyKey: string;
  customerId: number;
  rule: string;
  /** The profile version the change produced (stream: the aggregate state version; scorer: its run). */
  profileVersion: string;
  column: string;
  old: unknown;
  new: unknown;
}

/** Stable across repeats of the same change: (customer, rule, profile version). */
export function triggerIdempotencyKey(customerId: number, rule: string, profileVersion: string): string {
  return `${customerId}:${rule}:${profileVersion}`;
}

export function profileTrigger(customerId: number, profileVersion: string, hit: TriggerHit): ProfileTrigger {
  return {
    idempotencyKey: triggerIdempotencyKey(customerId, hit.rule, profileVersion),
    customerId,
    rule: hit.rule,
    profileVersion,
    column: hit.column,
    old: hit.old,
    new: hit.new,
  };
}

/** The trigger as a CloudEvents 1.0 structured-mode JSON value (the key is the customer id). */
export function triggerCloudEvent(t: ProfileTrigger, time: Date, source = 'cdp360'): string {
  return JSON.stringify({
    specversion: '1.0',
    id: t.idempotencyKey,
    source,
    type: PROFILE_TRIGGER_TYPE,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data: {
      customer_id: t.customerId,
      rule: t.rule,
      idempotency_key: t.idempotencyKey,
      profile_version: t.profileVersion,
      column: t.column,
      old_value: t.old,
      new_value: t.new,
    },
  });
}

/** A row change: the row before (null for a customer seen for the first time), after, and the version it carries. */
export interface TriggerRowChange {
  old: TriggerRow | null;
  next: TriggerRow;
  /** The profile version of the change (stream: the state version; scorer: `score-<run id>`). */
  version: string;
}

/**
 * The triggers a batch of row changes raises, each keyed by (customer, rule, profile version): the
 * one evaluation loop, for the updater's rows and the scorer's captured changes alike.
 */
export function triggersFor(rules: TriggerRules, changes: readonly TriggerRowChange[]): ProfileTrigger[] {
  const out: ProfileTrigger[] = [];
  for (const c of changes) {
    for (const hit of evaluateTriggers(rules, c.old, c.next))
      out.push(profileTrigger(c.next.customer_id, c.version, hit));
  }
  return out;
}
