import type { InputKind } from '@cdp360/domain';
import type { Rng } from './random';
import { envelope } from './wire';

/** A valid event before serialisation; invalid messages are made by breaking one rule of it. */
export interface BaseEvent {
  kind: InputKind;
  key: string;
  id: string;
  source: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

export interface InvalidMessage {
  key: string | null;
  value: string | Buffer;
  /** A short code for what is wrong (the `x-cdp-expect-invalid` header). */
  reason: string;
}

type Breaker = (e: BaseEvent, rng: Rng, otherType: string) => InvalidMessage;

const asJson = (e: BaseEvent, data: unknown = e.data): string =>
  envelope(e.id, e.source, e.type, e.time, JSON.stringify(data));
const withData = (reason: string, change: (d: Record<string, unknown>, rng: Rng) => void): Breaker => {
  return (e, rng) => {
    const d = { ...e.data };
    change(d, rng);
    return { key: e.key, value: asJson(e, d), reason };
  };
};
const envelopeWithout = (e: BaseEvent, attribute: string): string => {
  const o: Record<string, unknown> = {
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time,
    datacontenttype: 'application/json',
    data: e.data,
  };
  delete o[attribute];
  return JSON.stringify(o);
};

/** Rules every topic shares: bytes, JSON, the CloudEvents envelope and the key. */
const GENERIC: Breaker[] = [
  (e, rng) => {
    const text = asJson(e);
    return { key: e.key, value: text.slice(0, rng.int(1, text.length - 2)), reason: 'not-json' };
  },
  (e) => {
    // 0xFF 0xFE can never occur in UTF-8; they sit inside the `source` string of otherwise fine JSON.
    const text = asJson(e);
    const at = text.indexOf('"source":"') + 10;
    const value = Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(text.slice(at)),
    ]);
    return { key: e.key, value, reason: 'invalid-utf8' };
  },
  (e) => ({ key: e.key, value: `[${asJson(e)}]`, reason: 'not-an-object' }),
  (e) => ({
    key: e.key,
    value: asJson(e).replace('"specversion":"1.0"', '"specversion":"0.3"'),
    reason: 'wrong-specversion',
  }),
  (e) => ({ key: e.key, value: envelopeWithout(e, 'id'), reason: 'missing-id' }),
  (e) => ({ key: e.key, value: envelope('', e.source, e.type, e.time, JSON.stringify(e.data)), reason: 'empty-id' }),
  (e) => ({ key: e.key, value: envelopeWithout(e, 'time'), reason: 'missing-time' }),
  (e, rng) => ({
    key: e.key,
    value: envelope(
      e.id,
      e.source,
      e.type,
      rng.pick(['2026-02-30T10:00:00Z', 'yesterday', '2026-01-01 25:00']),
      JSON.stringify(e.data),
    ),
    reason: 'bad-time',
  }),
  (e, _rng, otherType) => ({
    key: e.key,
    value: envelope(e.id, e.source, otherType, e.time, JSON.stringify(e.data)),
    reason: 'wrong-type',
  }),
  (e) => ({ key: null, value: asJson(e), reason: 'missing-key' }),
  (e) => ({ key: String(Number(e.key) + 1), value: asJson(e), reason: 'key-mismatch' }),
  (e) => ({ key: e.key, value: envelopeWithout(e, 'data'), reason: 'missing-data' }),
];

const CUSTOMER_ID_RANGE: Breaker = (e, rng) => {
  const id = rng.pick([0, -7, 2147483648]);
  return { key: String(id), value: asJson(e, { ...e.data, customer_id: id }), reason: 'customer-id-out-of-range' };
};

/** Payload rules of each topic. */
const BY_KIND: Record<InputKind, Breaker[]> = {
  customer: [
    withData('missing-registration-date', (d) => {
      delete d.registration_date;
    }),
    withData('impossible-date', (d) => {
      d.date_of_birth = '1990-02-30';
    }),
    withData('string-too-long', (d) => {
      d.first_name = 'A'.repeat(257);
    }),
    CUSTOMER_ID_RANGE,
  ],
  product: [
    withData('empty-category', (d) => {
      d.category = '';
    }),
    withData('string-too-long', (d) => {
      d.brand = 'B'.repeat(129);
    }),
    withData('missing-brand', (d) => {
      delete d.brand;
    }),
  ],
  campaign: [
    withData('missing-campaign-name', (d) => {
      delete d.campaign_name;
    }),
    withData('impossible-date', (d) => {
      d.end_date = '2025-02-29';
    }),
  ],
  purchase: [
    withData('negative-amount', (d, rng) => {
      d.total_amount = rng.chance(0.5) ? -12.5 : '-12.50';
    }),
    withData('three-decimals', (d, rng) => {
      d.total_amount = rng.chance(0.5) ? 19.999 : '19.999';
    }),
    withData('amount-too-large', (d) => {
      d.total_amount = '1000000000000.00';
    }),
    withData('amount-not-money', (d, rng) => {
      d.total_amount = rng.pick(['12,50', '$12.50', true, null]);
    }),
    withData('no-items', (d) => {
      d.items = [];
    }),
    withData('quantity-zero', (d) => {
      const items = (d.items as Array<Record<string, unknown>>).map((i) => ({ ...i }));
      items[0]!.quantity = 0;
      d.items = items;
    }),
    withData('impossible-date', (d, rng) => {
      d.purchase_date = rng.pick(['2025-02-29', '2026-04-31', '2026-13-01']);
    }),
    withData('missing-transaction-id', (d) => {
      delete d.transaction_id;
    }),
    CUSTOMER_ID_RANGE,
  ],
  service_interaction: [
    withData('satisfaction-out-of-range', (d, rng) => {
      d.satisfaction_score = rng.pick([0, 6, 10]);
    }),
    withData('satisfaction-not-integer', (d) => {
      d.satisfaction_score = 4.5;
    }),
    withData('empty-status', (d) => {
      d.resolution_status = '';
    }),
    withData('impossible-date', (d) => {
      d.interaction_date = '2026-06-31';
    }),
    CUSTOMER_ID_RANGE,
  ],
  campaign_response: [
    withData('missing-campaign-id', (d) => {
      delete d.campaign_id;
    }),
    withData('string-too-long', (d) => {
      d.response_type = 'Conversion'.repeat(4);
    }),
    withData('impossible-date', (d) => {
      d.response_date = '2026-00-10';
    }),
    CUSTOMER_ID_RANGE,
  ],
  web_session: [
    withData('negative-pages', (d) => {
      d.pages_viewed = -1;
    }),
    withData('pages-not-integer', (d) => {
      d.pages_viewed = 2.5;
    }),
    withData('negative-time-spent', (d) => {
      d.time_spent = -3.25;
    }),
    withData('time-spent-not-number', (d) => {
      d.time_spent = '95s';
    }),
    CUSTOMER_ID_RANGE,
  ],
  // The generator writes no erasure requests (tests send their own).
  erasure_request: [],
};

/** Breaks one rule of `e`, chosen at random: half the time an envelope/key rule, else a payload rule. */
export function breakEvent(e: BaseEvent, rng: Rng, otherType: string): InvalidMessage {
  const list = rng.chance(0.5) ? GENERIC : BY_KIND[e.kind];
  return rng.pick(list)(e, rng, otherType);
}
