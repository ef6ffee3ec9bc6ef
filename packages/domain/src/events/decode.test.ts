import { DECODE_ERROR_CODES, decodeMessage } from './decode';
import { INPUT_TOPICS, inputTopic } from './topics';
import type { DecodeResult, InputKind } from './types';

type Json = Record<string, unknown>;

const VALID: Record<InputKind, Json> = {
  customer: {
    customer_id: 42,
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone_number: '+44 20 0000 0000',
    date_of_birth: '1815-12-10',
    registration_date: '2024-02-29',
  },
  product: { product_id: 7, category: 'Books', brand: 'Acme', name: 'Notes' },
  campaign: {
    campaign_id: 9,
    campaign_name: 'Spring',
    channel: 'Email',
    start_date: '2026-03-01',
    end_date: '2026-03-31',
  },
  purchase: {
    transaction_id: 'T-1',
    customer_id: 42,
    purchase_date: '2026-11-20',
    total_amount: '59.97',
    items: [
      { product_id: 7, quantity: 2, amount: 19.99 },
      { product_id: 8, quantity: 1, amount: '19.99' },
    ],
  },
  service_interaction: {
    interaction_id: 'I-1',
    customer_id: 42,
    interaction_date: '2026-11-20',
    satisfaction_score: 4,
    resolution_status: 'Resolved',
  },
  campaign_response: {
    response_id: 'R-1',
    customer_id: 42,
    campaign_id: 9,
    response_type: 'Click',
    response_date: '2026-11-20',
  },
  web_session: { session_id: 'S-1', customer_id: 42, visit_date: '2026-11-20', pages_viewed: 5, time_spent: 123.5 },
  erasure_request: { customer_id: 42, reason: 'customer asked (ticket 17)', requested_by: 'privacy-desk' },
};

const KEY: Record<InputKind, string> = {
  customer: '42',
  product: '7',
  campaign: '9',
  purchase: '42',
  service_interaction: '42',
  campaign_response: '42',
  web_session: '42',
  erasure_request: '42',
};

function envelope(kind: InputKind, data: unknown, extra: Json = {}): Json {
  return {
    specversion: '1.0',
    id: '9b2f6c1e',
    source: 'shop-backend',
    type: inputTopic(kind).type,
    time: '2026-11-20T10:15:00Z',
    datacontenttype: 'application/json',
    data,
    ...extra,
  };
}

function value(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v), 'utf8');
}

/** Decodes `kind`'s valid payload with `patch` applied (undefined deletes a field). */
function decodeWith(kind: InputKind, patch: Json, key: string | null = KEY[kind]): DecodeResult {
  const data: Json = { ...VALID[kind], ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete data[k];
  return decodeMessage(kind, key, value(envelope(kind, data)));
}

function rejected(r: DecodeResult): { code: string; reason: string } {
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.event)}`);
  return { code: r.code, reason: r.reason };
}

function accepted(r: DecodeResult) {
  if (!r.ok) throw new Error(`expected acceptance, got ${r.code}: ${r.reason}`);
  return r.event;
}

describe('decodeMessage: valid events', () => {
  it('normalises a purchase to integer cents and UTC dates, keeping the envelope meta', () => {
    const event = accepted(
      decodeMessage(
        'purchase',
        Buffer.from('42'),
        value(
          envelope(
            'purchase',
            { ...VALID.purchase, purchase_date: '2026-11-20T23:30:00-05:00' },
            { time: '2026-11-20T10:15:00+01:00' },
          ),
        ),
      ),
    );
    expect(event).toEqual({
      meta: { eventId: '9b2f6c1e', source: 'shop-backend', time: '2026-11-20T09:15:00.000000000Z' },
      data: {
        kind: 'purchase',
        transactionId: 'T-1',
        customerId: 42,
        purchaseDate: '2026-11-21',
        totalCents: 5997,
        items: [
          { productId: 7, quantity: 2, amountCents: 1999 },
          { productId: 8, quantity: 1, amountCents: 1999 },
        ],
      },
    });
  });

  it.each(INPUT_TOPICS.map((t) => t.kind))('accepts the valid %s event', (kind) => {
    expect(accepted(decodeWith(kind, {})).data.kind).toBe(kind);
  });

  it('normalises every kind to the camelCase types', () => {
    expect(accepted(decodeWith('customer', {})).data).toEqual({
      kind: 'customer',
      customerId: 42,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phoneNumber: '+44 20 0000 0000',
      dateOfBirth: '1815-12-10',
      registrationDate: '2024-02-29',
    });
    expect(accepted(decodeWith('product', {})).data).toEqual({
      kind: 'product',
      productId: 7,
      category: 'Books',
      brand: 'Acme',
      name: 'Notes',
    });
    expect(accepted(decodeWith('campaign', {})).data).toEqual({
      kind: 'campaign',
      campaignId: 9,
      campaignName: 'Spring',
      channel: 'Email',
      startDate: '2026-03-01',
      endDate: '2026-03-31',
    });
    expect(accepted(decodeWith('service_interaction', {})).data).toEqual({
      kind: 'service_interaction',
      interactionId: 'I-1',
      customerId: 42,
      interactionDate: '2026-11-20',
      satisfactionScore: 4,
      resolutionStatus: 'Resolved',
    });
    expect(accepted(decodeWith('campaign_response', {})).data).toEqual({
      kind: 'campaign_response',
      responseId: 'R-1',
      customerId: 42,
      campaignId: 9,
      responseType: 'Click',
      responseDate: '2026-11-20',
    });
    expect(accepted(decodeWith('web_session', {})).data).toEqual({
      kind: 'web_session',
      sessionId: 'S-1',
      customerId: 42,
      visitDate: '2026-11-20',
      pagesViewed: 5,
      timeSpent: 123.5,
    });
  });

  it('turns absent and null optional fields into null', () => {
    const absent = { first_name: undefined, last_name: undefined, email: undefined, phone_number: undefined };
    expect(accepted(decodeWith('customer', { ...absent, date_of_birth: undefined })).data).toMatchObject({
      firstName: null,
      lastName: null,
      email: null,
      phoneNumber: null,
      dateOfBirth: null,
    });
    expect(accepted(decodeWith('customer', { first_name: null, date_of_birth: null })).data).toMatchObject({
      firstName: null,
      dateOfBirth: null,
    });
    expect(accepted(decodeWith('product', { name: undefined })).data).toMatchObject({ name: null });
    expect(accepted(decodeWith('product', { name: null })).data).toMatchObject({ name: null });
    expect(
      accepted(decodeWith('campaign', { channel: undefined, start_date: undefined, end_date: null })).data,
    ).toMatchObject({ channel: null, startDate: null, endDate: null });
    expect(accepted(decodeWith('service_interaction', { satisfaction_score: null })).data).toMatchObject({
      satisfactionScore: null,
    });
    expect(accepted(decodeWith('service_interaction', { satisfaction_score: undefined })).data).toMatchObject({
      satisfactionScore: null,
    });
    const items = [
      { product_id: 7, quantity: 1 },
      { product_id: 8, quantity: 1, amount: null },
    ];
    expect(accepted(decodeWith('purchase', { items })).data).toMatchObject({
      items: [
        { productId: 7, quantity: 1, amountCents: null },
        { productId: 8, quantity: 1, amountCents: null },
      ],
    });
  });

  it('ignores unknown envelope attributes and unknown data fields', () => {
    const data = { ...VALID.purchase, coupon: 'X', items: [{ product_id: 7, quantity: 1, colour: 'red' }] };
    const ev = envelope('purchase', data, { traceparent: '00-abc', partitionkey: 'x', dataschema: 'urn:x' });
    const event = accepted(decodeMessage('purchase', '42', value(ev)));
    expect(event.data).not.toHaveProperty('coupon');
    expect(event.data).toMatchObject({ items: [{ productId: 7, quantity: 1, amountCents: null }] });
  });

  it('accepts datacontenttype absent, application/json with parameters, and +json types', () => {
    for (const datacontenttype of [
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/cloudevents+json',
      'application/vnd.acme.order+json',
    ]) {
      const ev = envelope('product', VALID.product, { datacontenttype });
      expect(decodeMessage('product', '7', value(ev)).ok).toBe(true);
    }
  });

  it('accepts a UTF-8 BOM-free value with non-ASCII text, counting characters not UTF-16 units', () => {
    // 200 emoji: 400 UTF-16 code units but 200 characters, within 256.
    const name = '😀'.repeat(200);
    expect(accepted(decodeWith('customer', { first_name: name })).data).toMatchObject({ firstName: name });
    expect(accepted(decodeWith('purchase', { transaction_id: '€'.repeat(128) })).data).toMatchObject({
      transactionId: '€'.repeat(128),
    });
  });

  it('accepts the limits of every range', () => {
    expect(decodeWith('customer', { customer_id: 2147483647 }, '2147483647').ok).toBe(true);
    expect(decodeWith('customer', { customer_id: 1 }, '1').ok).toBe(true);
    expect(decodeWith('customer', { email: 'e'.repeat(256), first_name: '' }).ok).toBe(true);
    expect(decodeWith('product', { category: 'c', brand: 'b'.repeat(128) }).ok).toBe(true);
    expect(decodeWith('campaign', { campaign_name: '' }).ok).toBe(true);
    expect(decodeWith('purchase', { transaction_id: 't'.repeat(128), total_amount: 999999999999.99 }).ok).toBe(true);
    expect(decodeWith('purchase', { total_amount: 0 }).ok).toBe(true);
    expect(decodeWith('purchase', { total_amount: '0' }).ok).toBe(true);
    const items500 = Array.from({ length: 500 }, (_, i) => ({ product_id: i + 1, quantity: 1 }));
    expect(accepted(decodeWith('purchase', { items: items500 })).data).toMatchObject({ items: { length: 500 } });
    expect(decodeWith('purchase', { items: [{ product_id: 1, quantity: 2147483647, amount: 0 }] }).ok).toBe(true);
    for (const s of [1, 5]) expect(decodeWith('service_interaction', { satisfaction_score: s }).ok).toBe(true);
    expect(decodeWith('service_interaction', { resolution_status: 'x'.repeat(32) }).ok).toBe(true);
    expect(decodeWith('campaign_response', { response_type: 'x'.repeat(32) }).ok).toBe(true);
    expect(decodeWith('web_session', { pages_viewed: 0, time_spent: 0 }).ok).toBe(true);
    expect(decodeWith('web_session', { pages_viewed: 2147483647, time_spent: 1e300 }).ok).toBe(true);
    expect(decodeWith('customer', { customer_id: 42.0 }).ok).toBe(true); // JSON 42.0 is the integer 42
    const ev = envelope('product', VALID.product, { id: 'i'.repeat(128) });
    expect(decodeMessage('product', '7', value(ev)).ok).toBe(true);
  });
});

describe('decodeMessage: transport-level rejections', () => {
  it('rejects a missing value', () => {
    expect(rejected(decodeMessage('purchase', '42', null))).toEqual({
      code: 'missing_value',
      reason: expect.stringMatching(/value is missing/),
    });
  });

  it('rejects invalid UTF-8', () => {
    const bytes = Buffer.concat([value(envelope('product', VALID.product)).subarray(0, 20), Buffer.from([0xc3, 0x28])]);
    expect(rejected(decodeMessage('product', '7', bytes))).toEqual({
      code: 'invalid_utf8',
      reason: 'value is not valid UTF-8',
    });
    // a lone continuation byte inside an otherwise valid string value
    const text = JSON.stringify(envelope('product', { ...VALID.product, name: 'AB' }));
    const buf = Buffer.from(text);
    buf[buf.indexOf('AB')] = 0x80;
    expect(rejected(decodeMessage('product', '7', buf)).code).toBe('invalid_utf8');
  });

  it.each(['{"specversion":', '', 'not json', '{"a":1}x', "{'a':1}"])('rejects invalid JSON %p', (text) => {
    const r = rejected(decodeMessage('product', '7', Buffer.from(text)));
    expect(r.code).toBe('invalid_json');
    expect(r.reason).toMatch(/^value is not valid JSON: \S/);
  });

  it.each<[unknown, string]>([
    [[], 'an array'],
    [null, 'null'],
    [42, 'a number'],
    ['x', 'a string'],
  ])('rejects a JSON value that is not an object: %p', (v, got) => {
    expect(rejected(decodeMessage('product', '7', value(v)))).toEqual({
      code: 'invalid_envelope',
      reason: `value must be a JSON object (a CloudEvent), got ${got}`,
    });
  });
});

describe('decodeMessage: envelope', () => {
  const cases: [string, Json, RegExp][] = [
    ['specversion missing', { specversion: undefined }, /^specversion: is required/],
    ['specversion 0.3', { specversion: '0.3' }, /^specversion: must be "1.0" .*got "0.3"/],
    ['specversion as number', { specversion: 1 }, /^specversion: must be "1.0"/],
    ['id missing', { id: undefined }, /^id: is required \(a string of 1..128 characters\)/],
    ['id empty', { id: '' }, /^id: must be a string of 1..128 characters \(got an empty string\)/],
    ['id 129 chars', { id: 'i'.repeat(129) }, /^id: must be a string of 1..128 characters \(got a string of 129/],
    ['id not a string', { id: 5 }, /^id: must be a string/],
    ['source missing', { source: undefined }, /^source: is required/],
    ['source empty', { source: '' }, /^source: must be a non-empty string/],
    ['type missing', { type: undefined }, /^type: is required/],
    ['type empty', { type: '' }, /^type: must be a non-empty string/],
    ['time missing', { time: undefined }, /^time: is required \(an RFC 3339 timestamp/],
    ['time a date only', { time: '2026-11-20' }, /^time: must be an RFC 3339 timestamp.*got "2026-11-20"/],
    ['time without zone', { time: '2026-11-20T10:15:00' }, /^time: must be an RFC 3339/],
    ['time not a real instant', { time: '2026-02-30T10:15:00Z' }, /^time: must be an RFC 3339/],
    ['time a number', { time: 1763633700000 }, /^time: must be an RFC 3339/],
    ['datacontenttype text/plain', { datacontenttype: 'text/plain' }, /^datacontenttype: must be a JSON media type/],
    ['datacontenttype xml', { datacontenttype: 'application/xml' }, /^datacontenttype: must be a JSON media type/],
    ['datacontenttype null', { datacontenttype: null }, /^datacontenttype: must be a JSON media type/],
    ['data missing', { data: undefined }, /^data: is required \(a JSON object\)/],
    ['data an array', { data: [] }, /^data: must be a JSON object \(got an array of 0\)/],
    ['data a string', { data: '{"product_id":7}' }, /^data: must be a JSON object/],
    ['data null', { data: null }, /^data: must be a JSON object \(got null\)/],
  ];
  it.each(cases)('rejects %s', (_name, patch, reason) => {
    const ev = envelope('product', VALID.product, patch);
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete ev[k];
    const r = rejected(decodeMessage('product', '7', value(ev)));
    expect(r.code).toBe('invalid_envelope');
    expect(r.reason).toMatch(reason);
  });

  it('reports several envelope problems at once, the first few in full', () => {
    const r = rejected(decodeMessage('product', '7', value({ specversion: '0.3' })));
    expect(r.code).toBe('invalid_envelope');
    expect(r.reason).toMatch(/^specversion: .*; id: .*; source: .*; and \d+ more$/);
  });

  it('accepts any timestamp offset and fraction in time and normalises it for latest-wins', () => {
    const ev = envelope('product', VALID.product, { time: '2026-11-21T00:30:00.1234567891+02:00' });
    expect(accepted(decodeMessage('product', '7', value(ev))).meta.time).toBe('2026-11-20T22:30:00.123456789Z');
  });
});

describe('decodeMessage: type per topic', () => {
  const kinds = INPUT_TOPICS.map((t) => t.kind);
  it.each(kinds.flatMap((topicKind) => kinds.filter((k) => k !== topicKind).map((k) => [topicKind, k] as const)))(
    'rejects a %s-topic message carrying the %s type',
    (topicKind, otherKind) => {
      const ev = envelope(otherKind, VALID[otherKind]);
      const r = rejected(decodeMessage(topicKind, KEY[otherKind], value(ev)));
      expect(r).toEqual({
        code: 'wrong_type',
        reason: `type "${inputTopic(otherKind).type}" is not allowed on the ${topicKind} topic (expected "${inputTopic(topicKind).type}")`,
      });
    },
  );

  it.each(['cdp.purchase.v2', 'CDP.PURCHASE.V1', 'cdp.purchases.v1', 'cdp.profile_trigger.v1'])(
    'rejects the near miss %p',
    (type) => {
      const r = rejected(decodeMessage('purchase', '42', value(envelope('purchase', VALID.purchase, { type }))));
      expect(r.code).toBe('wrong_type');
    },
  );
});

describe('decodeMessage: keys', () => {
  it.each<[InputKind, string]>([
    ['customer', 'customer_id'],
    ['product', 'product_id'],
    ['campaign', 'campaign_id'],
    ['purchase', 'customer_id'],
    ['service_interaction', 'customer_id'],
    ['campaign_response', 'customer_id'],
    ['web_session', 'customer_id'],
  ])('keys %s events by data.%s', (kind, field) => {
    expect(decodeWith(kind, {}, KEY[kind]).ok).toBe(true);
    expect(decodeMessage(kind, Buffer.from(KEY[kind]), value(envelope(kind, VALID[kind]))).ok).toBe(true);
    expect(rejected(decodeWith(kind, {}, '43'))).toEqual({
      code: 'key_mismatch',
      reason: `key "43" does not match data.${field} ${KEY[kind]}`,
    });
  });

  it.each<[string, Buffer | string | null]>([
    ['null', null],
    ['an empty string', ''],
    ['an empty buffer', Buffer.alloc(0)],
  ])('rejects a key that is %s as missing', (_name, key) => {
    const r = rejected(decodeMessage('purchase', key, value(envelope('purchase', VALID.purchase))));
    expect(r).toEqual({ code: 'missing_key', reason: 'key is missing; expected "42" (data.customer_id)' });
  });

  it.each(['042', '42 ', ' 42', '+42', '42.0', '4.2e1', '0x2a', '43'])('rejects the key %p for id 42', (key) => {
    expect(rejected(decodeWith('purchase', {}, key)).code).toBe('key_mismatch');
  });

  it('checks the payload before the key', () => {
    expect(rejected(decodeWith('purchase', { customer_id: 0 }, null)).code).toBe('invalid_payload');
  });
});

/** [kind, patch, reason] where reason is matched against the whole decode reason. */
type Case = [InputKind, Json, RegExp | string];

function expectPayloadRejections(cases: Case[]) {
  it.each(cases)('%s %j is rejected', (kind, patch, reason) => {
    const key = typeof patch.customer_id === 'number' ? String(patch.customer_id) : KEY[kind];
    const r = rejected(decodeWith(kind, patch, key));
    expect(r.code).toBe('invalid_payload');
    if (typeof reason === 'string') expect(r.reason).toBe(reason);
    else expect(r.reason).toMatch(reason);
  });
}

describe('decodeMessage: ids are integers 1..2147483647', () => {
  const idFields: [InputKind, string][] = [
    ['customer', 'customer_id'],
    ['product', 'product_id'],
    ['campaign', 'campaign_id'],
    ['purchase', 'customer_id'],
    ['service_interaction', 'customer_id'],
    ['campaign_response', 'customer_id'],
    ['campaign_response', 'campaign_id'],
    ['web_session', 'customer_id'],
  ];
  const bad: [unknown, string][] = [
    [0, '0'],
    [-1, '-1'],
    [2147483648, '2147483648'],
    [1.5, '1.5'],
    ['42', '"42"'], // ids are JSON integers; a decimal string is not one (the key is the string form)
    [null, 'null'],
    [true, 'true'],
    [1e300, '1e+300'],
  ];
  const cases: [InputKind, string, unknown, string][] = idFields.flatMap(([kind, field]) =>
    bad.map(([v, shown]) => [kind, field, v, shown] as [InputKind, string, unknown, string]),
  );
  it.each(cases)('%s.%s = %p is rejected', (kind, field, v, shown) => {
    const r = rejected(decodeWith(kind, { [field]: v }));
    expect(r.code).toBe('invalid_payload');
    expect(r.reason).toBe(`data.${field}: must be an integer in 1..2147483647 (got ${shown})`);
  });

  it.each(idFields)('%s.%s is required', (kind, field) => {
    const r = rejected(decodeWith(kind, { [field]: undefined }));
    expect(r.reason).toBe(`data.${field}: is required (an integer in 1..2147483647)`);
  });

  it('checks item product ids too', () => {
    const r = rejected(
      decodeWith('purchase', {
        items: [
          { product_id: 1, quantity: 1 },
          { product_id: 0, quantity: 1 },
        ],
      }),
    );
    expect(r.reason).toBe('data.items[1].product_id: must be an integer in 1..2147483647 (got 0)');
  });
});

describe('decodeMessage: customer', () => {
  expectPayloadRejections([
    ['customer', { registration_date: undefined }, /^data.registration_date: is required/],
    ['customer', { registration_date: null }, /^data.registration_date: must be a real calendar date/],
    ['customer', { registration_date: '2023-02-29' }, /^data.registration_date: must be .*\(got "2023-02-29"\)$/],
    ['customer', { registration_date: '2026-11-20T10:15:00' }, /^data.registration_date: must be/],
    ['customer', { registration_date: '20.11.2026' }, /^data.registration_date: must be/],
    ['customer', { date_of_birth: '1990-02-30' }, /^data.date_of_birth: must be .*\(got a string of 10 characters\)$/],
    [
      'customer',
      { first_name: 'x'.repeat(257) },
      'data.first_name: must be a string of at most 256 characters or null (got a string of 257 characters)',
    ],
    ['customer', { last_name: 5 }, 'data.last_name: must be a string of at most 256 characters or null (got number)'],
    ['customer', { email: 'e'.repeat(300) }, /^data.email: must be a string of at most 256 characters/],
    [
      'customer',
      { phone_number: ['1'] },
      /^data.phone_number: must be a string of at most 256 characters or null \(got an array of 1\)$/,
    ],
    ['customer', { email: 'a\u0000b' }, /^data.email: must not contain U\+0000/],
    ['customer', { email: 'a\ud800b' }, /^data.email: must not contain U\+0000 or unpaired UTF-16 surrogates/],
    ['customer', { email: 'a\udc00' }, /unpaired UTF-16 surrogates/],
  ]);

  it('never echoes personal strings in a reason', () => {
    const r = rejected(
      decodeWith('customer', { email: `secret@example.com${'x'.repeat(300)}`, date_of_birth: '1990-02-30' }),
    );
    expect(r.reason).not.toMatch(/secret|1990/);
  });
});

describe('decodeMessage: product', () => {
  expectPayloadRejections([
    ['product', { category: undefined }, 'data.category: is required (a string of 1..128 characters)'],
    ['product', { category: '' }, 'data.category: must be a string of 1..128 characters (got an empty string)'],
    [
      'product',
      { brand: 'b'.repeat(129) },
      'data.brand: must be a string of 1..128 characters (got a string of 129 characters)',
    ],
    ['product', { brand: null }, /^data.brand: must be a string of 1..128 characters \(got null\)$/],
    ['product', { name: 7 }, /^data.name: must be a string or null \(got number\)$/],
    ['product', { category: '😀'.repeat(129) }, /^data.category: .*got a string of 129 characters/],
  ]);
});

describe('decodeMessage: campaign', () => {
  expectPayloadRejections([
    ['campaign', { campaign_name: undefined }, 'data.campaign_name: is required (a string)'],
    ['campaign', { campaign_name: null }, /^data.campaign_name: must be a string \(got null\)$/],
    ['campaign', { channel: 1 }, /^data.channel: must be a string or null/],
    [
      'campaign',
      { start_date: '2026-13-01' },
      /^data.start_date: must be a real calendar date .*\(got "2026-13-01"\)$/,
    ],
    ['campaign', { end_date: 20260301 }, /^data.end_date: must be a real calendar date .*\(got 20260301\)$/],
  ]);
});

describe('decodeMessage: purchase', () => {
  const item = { product_id: 7, quantity: 1 };
  expectPayloadRejections([
    ['purchase', { transaction_id: undefined }, 'data.transaction_id: is required (a string of 1..128 characters)'],
    ['purchase', { transaction_id: '' }, /^data.transaction_id: must be a string of 1..128/],
    ['purchase', { transaction_id: 't'.repeat(129) }, /^data.transaction_id: must be a string of 1..128/],
    ['purchase', { transaction_id: 17 }, /^data.transaction_id: must be a string of 1..128 characters \(got number\)$/],
    ['purchase', { purchase_date: undefined }, /^data.purchase_date: is required/],
    ['purchase', { purchase_date: '2023-02-29' }, /^data.purchase_date: must be a real calendar date/],
    ['purchase', { total_amount: undefined }, /^data.total_amount: is required \(money/],
    [
      'purchase',
      { total_amount: '1.234' },
      'data.total_amount: must be money: amount "1.234" is not a decimal with at most 2 decimals',
    ],
    ['purchase', { total_amount: -1 }, 'data.total_amount: must be money: amount "-1" is negative'],
    ['purchase', { total_amount: '1e3' }, /^data.total_amount: must be money: .*not a decimal/],
    ['purchase', { total_amount: '' }, /^data.total_amount: must be money: .*not a decimal/],
    ['purchase', { total_amount: 1000000000000 }, /^data.total_amount: must be money: .*exceeds 999999999999.99/],
    [
      'purchase',
      { total_amount: 0.30000000000000004 },
      /^data.total_amount: must be money: amount "0.30000000000000004"/,
    ],
    ['purchase', { total_amount: 'NaN' }, /^data.total_amount: must be money/],
    [
      'purchase',
      { total_amount: true },
      /^data.total_amount: must be money: a JSON number or a decimal string.*\(got true\)$/,
    ],
    ['purchase', { total_amount: null }, /^data.total_amount: must be money.*\(got null\)$/],
    ['purchase', { items: undefined }, 'data.items: is required (an array of 1..500 items)'],
    ['purchase', { items: [] }, 'data.items: must be an array of 1..500 items (got an array of 0)'],
    [
      'purchase',
      { items: Array.from({ length: 501 }, () => item) },
      'data.items: must be an array of 1..500 items (got an array of 501)',
    ],
    ['purchase', { items: { 0: item } }, /^data.items: must be an array of 1..500 items \(got an object\)$/],
    [
      'purchase',
      { items: [item, item, { product_id: 7, quantity: 0 }] },
      'data.items[2].quantity: must be an integer >= 1 (at most 2147483647, the Postgres integer maximum) (got 0)',
    ],
    [
      'purchase',
      { items: [{ product_id: 7, quantity: 1.5 }] },
      /^data.items\[0\].quantity: must be an integer >= 1 .*\(got 1.5\)$/,
    ],
    [
      'purchase',
      { items: [{ product_id: 7, quantity: 2147483648 }] },
      /^data.items\[0\].quantity: .*\(got 2147483648\)$/,
    ],
    ['purchase', { items: [{ product_id: 7 }] }, /^data.items\[0\].quantity: is required/],
    ['purchase', { items: [{ quantity: 1 }] }, /^data.items\[0\].product_id: is required/],
    [
      'purchase',
      { items: [{ product_id: 7, quantity: 1, amount: '1.999' }] },
      /^data.items\[0\].amount: must be money: .*not a decimal/,
    ],
    [
      'purchase',
      { items: [{ product_id: 7, quantity: 1, amount: -0.01 }] },
      /^data.items\[0\].amount: must be money: .*negative/,
    ],
    ['purchase', { items: [item, 'x'] }, 'data.items[1]: must be a JSON object (got "x")'],
  ]);

  it('reads money exactly as cents, never through float arithmetic', () => {
    for (const [wire, cents] of [
      ['0.29', 29],
      [0.29, 29],
      [1.15, 115],
      ['999999999999.99', 99999999999999],
      [999999999999.99, 99999999999999],
      ['19.9', 1990],
    ] as const) {
      expect(accepted(decodeWith('purchase', { total_amount: wire })).data).toMatchObject({ totalCents: cents });
    }
  });
});

describe('decodeMessage: service interaction', () => {
  expectPayloadRejections([
    ['service_interaction', { interaction_id: '' }, /^data.interaction_id: must be a string of 1..128/],
    ['service_interaction', { interaction_id: 'i'.repeat(129) }, /^data.interaction_id: must be a string of 1..128/],
    ['service_interaction', { interaction_date: '2026-02-30' }, /^data.interaction_date: must be a real calendar date/],
    [
      'service_interaction',
      { satisfaction_score: 0 },
      'data.satisfaction_score: must be an integer in 1..5 or null (got 0)',
    ],
    [
      'service_interaction',
      { satisfaction_score: 6 },
      'data.satisfaction_score: must be an integer in 1..5 or null (got 6)',
    ],
    ['service_interaction', { satisfaction_score: 4.5 }, /^data.satisfaction_score: .*\(got 4.5\)$/],
    ['service_interaction', { satisfaction_score: '4' }, /^data.satisfaction_score: .*\(got "4"\)$/],
    [
      'service_interaction',
      { resolution_status: undefined },
      'data.resolution_status: is required (a string of 1..32 characters)',
    ],
    ['service_interaction', { resolution_status: '' }, /^data.resolution_status: must be a string of 1..32/],
    [
      'service_interaction',
      { resolution_status: 'r'.repeat(33) },
      /^data.resolution_status: must be a string of 1..32 .*33/,
    ],
  ]);
});

describe('decodeMessage: campaign response', () => {
  expectPayloadRejections([
    ['campaign_response', { response_id: undefined }, /^data.response_id: is required/],
    ['campaign_response', { response_id: 'r'.repeat(129) }, /^data.response_id: must be a string of 1..128/],
    ['campaign_response', { response_type: '' }, /^data.response_type: must be a string of 1..32/],
    ['campaign_response', { response_type: 't'.repeat(33) }, /^data.response_type: must be a string of 1..32/],
    ['campaign_response', { response_date: undefined }, /^data.response_date: is required/],
    ['campaign_response', { response_date: '2026-11-31' }, /^data.response_date: must be a real calendar date/],
  ]);
});

describe('decodeMessage: web session', () => {
  expectPayloadRejections([
    ['web_session', { session_id: '' }, /^data.session_id: must be a string of 1..128/],
    ['web_session', { visit_date: 'today' }, /^data.visit_date: must be a real calendar date/],
    ['web_session', { pages_viewed: -1 }, /^data.pages_viewed: must be an integer >= 0 .*\(got -1\)$/],
    ['web_session', { pages_viewed: 1.5 }, /^data.pages_viewed: must be an integer >= 0 .*\(got 1.5\)$/],
    [
      'web_session',
      { pages_viewed: 2147483648 },
      /^data.pages_viewed: .*Postgres integer maximum\) \(got 2147483648\)$/,
    ],
    ['web_session', { pages_viewed: undefined }, /^data.pages_viewed: is required/],
    ['web_session', { time_spent: -0.5 }, 'data.time_spent: must be a finite number of seconds >= 0 (got -0.5)'],
    ['web_session', { time_spent: '12' }, /^data.time_spent: must be a finite number of seconds >= 0 \(got "12"\)$/],
    ['web_session', { time_spent: undefined }, /^data.time_spent: is required/],
  ]);

  it('rejects a time_spent that JSON reads as infinity', () => {
    const text = JSON.stringify(envelope('web_session', VALID.web_session)).replace('123.5', '1e400');
    const r = rejected(decodeMessage('web_session', '42', Buffer.from(text)));
    expect(r.reason).toMatch(/^data.time_spent: must be a finite number of seconds >= 0/);
  });
});

describe('DECODE_ERROR_CODES', () => {
  it('lists each code once', () => {
    expect(new Set(DECODE_ERROR_CODES).size).toBe(DECODE_ERROR_CODES.length);
    expect([...DECODE_ERROR_CODES].sort()).toEqual(
      [
        'invalid_envelope',
        'invalid_json',
        'invalid_payload',
        'invalid_utf8',
        'key_mismatch',
        'missing_key',
        'missing_value',
        'wrong_type',
      ].sort(),
    );
  });

  it('throws on an unknown kind: a wiring bug, not a bad message', () => {
    expect(() => decodeMessage('order' as InputKind, '1', Buffer.from('{}'))).toThrow(RangeError);
  });
});
