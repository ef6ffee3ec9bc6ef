import { INT4_MAX } from '../events/fields';
import type { DecodeResult, InputKind } from '../events/types';
import type { ProfileTrigger } from '../triggers/trigger-event';

/** Topics keyed by a customer id (the catalog topics are keyed by product and campaign ids). */
const CUSTOMER_KEYED: ReadonlySet<InputKind> = new Set<InputKind>([
  'customer',
  'purchase',
  'service_interaction',
  'campaign_response',
  'web_session',
  'erasure_request',
]);

const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;

/**
 * The customer a message key names on a customer-keyed topic, or null: a canonical decimal id
 * 1..2147483647 (what producers are told to write), nothing else. Used for messages that failed to
 * decode, whose payload cannot be trusted but whose key still says whose they are.
 */
export function customerOfKey(kind: InputKind, key: Buffer | string | null): number | null {
  if (key === null || !CUSTOMER_KEYED.has(kind)) return null;
  const k = typeof key === 'string' ? key : key.toString('latin1');
  if (!CANONICAL_ID.test(k)) return null;
  const n = Number(k);
  return n <= INT4_MAX ? n : null;
}

/**
 * Whose data a consumed message carries, as far as it can be told: the payload's customer for a
 * valid event on a customer-keyed topic, else the customer the key names (a rejected message of a
 * known person must not be copied to the dead-letter topic once they are suppressed). Null for
 * catalog records and for messages whose key names nobody.
 */
export function messageSubject(kind: InputKind, key: Buffer | string | null, decoded: DecodeResult): number | null {
  if (decoded.ok) {
    const d = decoded.event.data;
    return d.kind === 'product' || d.kind === 'campaign' ? null : d.customerId;
  }
  return customerOfKey(kind, key);
}

/**
 * What happens to a message of a unit, given the customers suppressed once the unit's own erasure
 * requests are recorded: a valid erasure request always goes through (its record makes a repeat a
 * no-op); anything else of a suppressed customer, valid or not, is dropped as `suppressed`, whether
 * it came before or after the request in the unit (the unit ends with the customer erased either
 * way, and a rejected message of theirs is not copied to the dead-letter topic).
 */
export function suppressionDecision(
  kind: InputKind,
  valid: boolean,
  subject: number | null,
  suppressed: ReadonlySet<number>,
): 'process' | 'suppressed' {
  if ((valid && kind === 'erasure_request') || subject === null) return 'process';
  return suppressed.has(subject) ? 'suppressed' : 'process';
}

/** The trigger rule name of an erasure, raised once per erased customer. */
export const PROFILE_ERASED_RULE = 'profile_erased';

/**
 * The trigger that tells downstream systems to delete the customer too. Its idempotency key is the
 * customer's alone, so however often the customer is erased, it is queued once.
 */
export function profileErasedTrigger(customerId: number): ProfileTrigger {
  return {
    idempotencyKey: `${customerId}:${PROFILE_ERASED_RULE}`,
    customerId,
    rule: PROFILE_ERASED_RULE,
    profileVersion: 'erased',
    // The row went away: the column that identified it, from the id to nothing.
    column: 'customer_id',
    old: customerId,
    new: null,
  };
}

/** What an erasure request carries besides its customer. */
export interface ErasureRequestInput {
  customerId: number;
  /** CloudEvents id: the request's identity (a re-send with the same id changes nothing). */
  requestId: string;
  reason?: string | null;
  requestedBy?: string | null;
  time: Date;
  source?: string;
}

/** An erasure request as a keyed CloudEvent for the erasure-requests topic. */
export function erasureRequestMessage(r: ErasureRequestInput): { key: string; value: string } {
  const data: Record<string, unknown> = { customer_id: r.customerId };
  if (r.reason != null) data.reason = r.reason;
  if (r.requestedBy != null) data.requested_by = r.requestedBy;
  return {
    key: String(r.customerId),
    value: JSON.stringify({
      specversion: '1.0',
      id: r.requestId,
      source: r.source ?? 'cdp360/erase',
      type: 'cdp.erasure_request.v1',
      time: r.time.toISOString(),
      datacontenttype: 'application/json',
      data,
    }),
  };
}
