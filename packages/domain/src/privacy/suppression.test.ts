import { decodeMessage } from '../events/decode';
import {
  customerOfKey,
  erasureRequestMessage,
  messageSubject,
  PROFILE_ERASED_RULE,
  profileErasedTrigger,
  suppressionDecision,
} from './suppression';

const time = new Date('2026-11-30T10:00:00.000Z');

function request(over: Partial<Parameters<typeof erasureRequestMessage>[0]> = {}) {
  return erasureRequestMessage({ customerId: 42, requestId: 'req-1:42', time, ...over });
}

describe('erasure request on the wire', () => {
  it('decodes what cdp erase writes, reason and requester included', () => {
    const m = request({ reason: 'ticket 17', requestedBy: 'privacy-desk' });
    const r = decodeMessage('erasure_request', Buffer.from(m.key), Buffer.from(m.value));
    expect(r).toEqual({
      ok: true,
      event: {
        meta: { eventId: 'req-1:42', source: 'cdp360/erase', time: '2026-11-30T10:00:00.000000000Z' },
        data: { kind: 'erasure_request', customerId: 42, reason: 'ticket 17', requestedBy: 'privacy-desk' },
      },
    });
  });

  it('reason and requester are optional', () => {
    const m = request();
    const r = decodeMessage('erasure_request', Buffer.from(m.key), Buffer.from(m.value));
    expect(r.ok && r.event.data).toEqual({ kind: 'erasure_request', customerId: 42, reason: null, requestedBy: null });
  });

  it('refuses a reason over 256 or a requester over 128 characters, a bad id, a key of someone else', () => {
    const long = request({ reason: 'x'.repeat(257) });
    expect(decodeMessage('erasure_request', Buffer.from('42'), Buffer.from(long.value))).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    const who = request({ requestedBy: 'y'.repeat(129) });
    expect(decodeMessage('erasure_request', Buffer.from('42'), Buffer.from(who.value))).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    const zero = JSON.parse(request().value);
    zero.data.customer_id = 0;
    expect(decodeMessage('erasure_request', Buffer.from('0'), Buffer.from(JSON.stringify(zero)))).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    expect(decodeMessage('erasure_request', Buffer.from('43'), Buffer.from(request().value))).toMatchObject({
      ok: false,
      code: 'key_mismatch',
    });
  });

  it('is refused on another topic (its type is its own)', () => {
    expect(decodeMessage('customer', Buffer.from('42'), Buffer.from(request().value))).toMatchObject({
      ok: false,
      code: 'wrong_type',
    });
  });
});

describe('whose message it is', () => {
  it('reads a canonical customer id from the key of customer-keyed topics only', () => {
    expect(customerOfKey('purchase', Buffer.from('42'))).toBe(42);
    expect(customerOfKey('customer', '2147483647')).toBe(2147483647);
    expect(customerOfKey('erasure_request', '7')).toBe(7);
    for (const k of ['', '0', '042', '-1', '4.2', ' 42', '2147483648', 'abc', '99999999999']) {
      expect(customerOfKey('web_session', k)).toBeNull();
    }
    expect(customerOfKey('web_session', null)).toBeNull();
    expect(customerOfKey('product', '42')).toBeNull();
    expect(customerOfKey('campaign', '42')).toBeNull();
  });

  it('a valid event is its payload customer; a rejected one is the customer its key names', () => {
    const ok = decodeMessage('erasure_request', Buffer.from('42'), Buffer.from(request().value));
    expect(messageSubject('erasure_request', '42', ok)).toBe(42);
    const bad = decodeMessage('purchase', Buffer.from('42'), Buffer.from('{not json'));
    expect(messageSubject('purchase', '42', bad)).toBe(42);
    const tombstone = decodeMessage('customer', Buffer.from('42'), null);
    expect(messageSubject('customer', '42', tombstone)).toBe(42);
    expect(messageSubject('product', '42', bad)).toBeNull();
  });
});

describe('suppression decision', () => {
  const suppressed = new Set([42]);
  it('drops anything of a suppressed customer, valid or not', () => {
    expect(suppressionDecision('purchase', true, 42, suppressed)).toBe('suppressed');
    expect(suppressionDecision('customer', false, 42, suppressed)).toBe('suppressed');
    expect(suppressionDecision('erasure_request', false, 42, suppressed)).toBe('suppressed');
  });
  it('lets a valid erasure request through (its record makes a repeat a no-op)', () => {
    expect(suppressionDecision('erasure_request', true, 42, suppressed)).toBe('process');
  });
  it('processes everyone else and messages of nobody known', () => {
    expect(suppressionDecision('purchase', true, 43, suppressed)).toBe('process');
    expect(suppressionDecision('purchase', false, null, suppressed)).toBe('process');
    expect(suppressionDecision('product', true, null, suppressed)).toBe('process');
  });
});

describe('profile_erased trigger', () => {
  it('has one key per customer, so it is queued once however often they are erased', () => {
    const t = profileErasedTrigger(42);
    expect(t).toEqual({
      idempotencyKey: `42:${PROFILE_ERASED_RULE}`,
      customerId: 42,
      rule: 'profile_erased',
      profileVersion: 'erased',
      column: 'customer_id',
      old: 42,
      new: null,
    });
    expect(profileErasedTrigger(42).idempotencyKey).toBe(t.idempotencyKey);
  });
});
