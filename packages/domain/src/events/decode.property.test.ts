/**
 * Hostile input, property-based: the decoder is the one place where bytes from outside meet our
 * types, so it must hold up against anything a producer (or an attacker) can put on a topic.
 *
 * Properties, each over seeded random cases (CDP_FUZZ_SEED fixes the seed, CDP_FUZZ_SCALE multiplies
 * the case counts for a longer local run; CI runs the default of well over 100,000 cases in all):
 *   - it never throws, and answers either a valid event or one of the stable codes with a short reason;
 *   - the same bytes always give the same answer;
 *   - a valid event decodes to exactly the values it carries (money to the cent, dates to their UTC day);
 *   - a decoded event written back to the wire decodes to itself;
 *   - a reason never repeats personal data (names, email, phone, date of birth) from the message;
 *   - the fast path and zod alone give the same answer for every message, and every valid event
 *     takes the fast path (each case is decoded both ways, so one generation serves both checks).
 * Counterexamples fast-check finds are kept in REGRESSIONS below, each with what it broke.
 */
import fc from 'fast-check';
import { MAX_AMOUNT_CENTS } from '../money';
import { DECODE_ERROR_CODES, decodeMessage, decodeMessageByZod } from './decode';
import { fastDecodeEvent } from './fast-decode';
import { INPUT_TOPICS, inputTopic } from './topics';
import type { DecodedEvent, DecodeResult, InputKind, Payload } from './types';

const SEED = Number(process.env.CDP_FUZZ_SEED ?? 20_261_201);
const SCALE = Number(process.env.CDP_FUZZ_SCALE ?? 1);
const KINDS = INPUT_TOPICS.map((t) => t.kind);
const CODES = new Set<string>(DECODE_ERROR_CODES);
/** Reasons go to dead-letter headers and logs: whatever the input, they stay short. */
const MAX_REASON = 600;

function runs(n: number): fc.Parameters<unknown> {
  // A run that is cut short by the time limit fails: a property must never pass on fewer cases silently.
  return {
    seed: SEED,
    numRuns: Math.ceil(n * SCALE),
    interruptAfterTimeLimit: 300_000 * SCALE,
    markInterruptAsFailure: true,
  };
}

// ---------------------------------------------------------------------------------------------------
// Valid events, generated from the contract together with the normalised values they must decode to.

interface Case {
  kind: InputKind;
  key: string;
  /** The wire payload (`data`). */
  data: Record<string, unknown>;
  /** What `data` must decode to. */
  expected: Payload;
  /** Personal values in the message: never to be repeated in a reason. */
  pii: string[];
}

const INT4_MAX = 2_147_483_647;
const idArb = fc.oneof(fc.integer({ min: 1, max: INT4_MAX }), fc.constantFrom(1, INT4_MAX));
/** A storable string: no U+0000, no lone surrogates (fast-check's strings of whole code points). */
const textArb = (min: number, max: number) =>
  fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => {
    const n = [...s].length;
    return n >= min && n <= max && !s.includes('\u0000');
  });

const DAY_MS = 86_400_000;
const MIN_DAY = Date.UTC(1900, 0, 1) / DAY_MS;
const MAX_DAY = Date.UTC(2100, 11, 31) / DAY_MS;
const ymd = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A date as a producer may write it, and the UTC day it means. */
const dateArb: fc.Arbitrary<{ wire: string; day: string }> = fc.oneof(
  fc.integer({ min: MIN_DAY, max: MAX_DAY }).map((d) => ({ wire: ymd(d), day: ymd(d) })),
  fc
    .record({
      ms: fc.integer({ min: MIN_DAY * DAY_MS, max: MAX_DAY * DAY_MS }),
      offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      frac: fc.constantFrom('', '.5', '.123', '.123456789', '.1234567891234'),
      z: fc.constantFrom('Z', 'z', '+00:00'),
      sep: fc.constantFrom('T', 't', ' '),
    })
    .map(({ ms, offset, frac, z, sep }) => {
      const local = new Date(ms + offset * 60_000).toISOString();
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const zone =
        offset === 0
          ? z
          : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return {
        wire: `${local.slice(0, 10)}${sep}${local.slice(11, 19)}${frac}${zone}`,
        day: ymd(Math.floor(ms / DAY_MS)),
      };
    }),
);

/** Money as a producer may write it (number, or decimal string with 0..2 decimals and leading zeros), and its cents. */
const moneyArb: fc.Arbitrary<{ wire: number | string; cents: number }> = fc
  .record({
    cents: fc.oneof(
      fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.constantFrom(0, 1, 10, 99, 100, 101, 1999, 500_000, 1_000_000, MAX_AMOUNT_CENTS),
    ),
    form: fc.constantFrom('number', 'string2', 'string-trim', 'leading-zero'),
  })
  .map(({ cents, form }) => {
    const whole = Math.floor(cents / 100);
    const frac = String(cents % 100).padStart(2, '0');
    switch (form) {
      case 'number':
        return { wire: cents / 100, cents };
      case 'string2':
        return { wire: `${whole}.${frac}`, cents };
      case 'leading-zero':
        return { wire: `00${whole}.${frac}`, cents };
      default:
        return {
          wire: frac === '00' ? String(whole) : frac.endsWith('0') ? `${whole}.${frac[0]}` : `${whole}.${frac}`,
          cents,
        };
    }
  });

/** An optional field: absent, null, or the value. */
function optional<T>(
  arb: fc.Arbitrary<T>,
): fc.Arbitrary<{ present: 'absent' } | { present: 'null' } | { present: 'value'; v: T }> {
  return fc.oneof(
    fc.constant({ present: 'absent' as const }),
    fc.constant({ present: 'null' as const }),
    arb.map((v) => ({ present: 'value' as const, v })),
  );
}

function put<T>(
  data: Record<string, unknown>,
  field: string,
  o: { present: string; v?: T },
  wire: (v: T) => unknown,
): void {
  if (o.present === 'null') data[field] = null;
  else if (o.present === 'value') data[field] = wire(o.v as T);
}

function normalisedOf<T, R>(o: { present: string; v?: T }, norm: (v: T) => R): R | null {
  return o.present === 'value' ? norm(o.v as T) : null;
}

/** Unknown fields a producer may add; they are to be ignored. */
const extrasArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).map((k) => `x_${k}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);

const customerArb: fc.Arbitrary<Case> = fc
  .record({
    id: idArb,
    first: optional(textArb(0, 256)),
    last: optional(textArb(0, 256)),
    email: optional(textArb(0, 256)),
    phone: optional(textArb(0, 256)),
    dob: optional(dateArb),
    reg: dateArb,
    extras: extrasArb,
  })
  .map((r) => {
    const data: Record<string, unknown> = { ...r.extras, customer_id: r.id, registration_date: r.reg.wire };
    put(data, 'first_name', r.first, (v) => v);
    put(data, 'last_name', r.last, (v) => v);
    put(data, 'email', r.email, (v) => v);
    put(data, 'phone_number', r.phone, (v) => v);
    put(data, 'date_of_birth', r.dob, (v) => v.wire);
    // Dates of birth are left to the dedicated property below: a random date can equal another date
    // of the message by chance, which the decoder may rightly quote.
    const pii = [r.first, r.last, r.email, r.phone].flatMap((o) => (o.present === 'value' ? [o.v] : []));
    return {
      kind: 'customer' as const,
      key: String(r.id),
      data,
      pii,
      expected: {
        kind: 'customer' as const,
        customerId: r.id,
        firstName: normalisedOf(r.first, (v) => v),
        lastName: normalisedOf(r.last, (v) => v),
        email: normalisedOf(r.email, (v) => v),
        phoneNumber: normalisedOf(r.phone, (v) => v),
        dateOfBirth: normalisedOf(r.dob, (v) => v.day),
        registrationDate: r.reg.day,
      },
    };
  });

const productArb: fc.Arbitrary<Case> = fc
  .record({
    id: idArb,
    category: textArb(1, 128),
    brand: textArb(1, 128),
    name: optional(textArb(0, 300)),
    extras: extrasArb,
  })
  .map((r) => {
    const data: Record<string, unknown> = { ...r.extras, product_id: r.id, category: r.category, brand: r.brand };
    put(data, 'name', r.name, (v) => v);
    return {
      kind: 'product' as const,
      key: String(r.id),
      data,
      pii: [],
      expected: {
        kind: 'product' as const,
        productId: r.id,
        category: r.category,
        brand: r.brand,
        name: normalisedOf(r.name, (v) => v),
      },
    };
  });

const campaignArb: fc.Arbitrary<Case> = fc
  .record({
    id: idArb,
    name: textArb(0, 200),
    channel: optional(textArb(0, 50)),
    start: optional(dateArb),
    end: optional(dateArb),
    extras: extrasArb,
  })
  .map((r) => {
    const data: Record<string, unknown> = { ...r.extras, campaign_id: r.id, campaign_name: r.name };
    put(data, 'channel', r.channel, (v) => v);
    put(data, 'start_date', r.start, (v) => v.wire);
    put(data, 'end_date', r.end, (v) => v.wire);
    return {
      kind: 'campaign' as const,
      key: String(r.id),
      data,
      pii: [],
      expected: {
        kind: 'campaign' as const,
        campaignId: r.id,
        campaignName: r.name,
        channel: normalisedOf(r.channel, (v) => v),
        startDate: normalisedOf(r.start, (v) => v.day),
        endDate: normalisedOf(r.end, (v) => v.day),
      },
    };
  });

const itemArb = fc.record({
  product: idArb,
  quantity: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(INT4_MAX)),
  amount: optional(moneyArb),
});

const purchaseArb: fc.Arbitrary<Case> = fc
  .record({
    tx: textArb(1, 128),
    customer: idArb,
    date: dateArb,
    total: moneyArb,
    // The contract's largest order (500 items) now and then; it is costly to generate, so rarely.
    items: fc.oneof(
      { arbitrary: fc.array(itemArb, { minLength: 1, maxLength: 5 }), weight: 50 },
      { arbitrary: fc.array(itemArb, { minLength: 500, maxLength: 500 }), weight: 1 },
    ),
    extras: extrasArb,
  })
  .map((r) => {
    const items = r.items.map((it) => {
      const w: Record<string, unknown> = { product_id: it.product, quantity: it.quantity };
      put(w, 'amount', it.amount, (v) => v.wire);
      return w;
    });
    return {
      kind: 'purchase' as const,
      key: String(r.customer),
      data: {
        ...r.extras,
        transaction_id: r.tx,
        customer_id: r.customer,
        purchase_date: r.date.wire,
        total_amount: r.total.wire,
        items,
      },
      pii: [],
      expected: {
        kind: 'purchase' as const,
        transactionId: r.tx,
        customerId: r.customer,
        purchaseDate: r.date.day,
        totalCents: r.total.cents,
        items: r.items.map((it) => ({
          productId: it.product,
          quantity: it.quantity,
          amountCents: normalisedOf(it.amount, (v) => v.cents),
        })),
      },
    };
  });

const interactionArb: fc.Arbitrary<Case> = fc
  .record({
    id: textArb(1, 128),
    customer: idArb,
    date: dateArb,
    score: optional(fc.integer({ min: 1, max: 5 })),
    status: textArb(1, 32),
  })
  .map((r) => {
    const data: Record<string, unknown> = {
      interaction_id: r.id,
      customer_id: r.customer,
      interaction_date: r.date.wire,
      resolution_status: r.status,
    };
    put(data, 'satisfaction_score', r.score, (v) => v);
    return {
      kind: 'service_interaction' as const,
      key: String(r.customer),
      data,
      pii: [],
      expected: {
        kind: 'service_interaction' as const,
        interactionId: r.id,
        customerId: r.customer,
        interactionDate: r.date.day,
        satisfactionScore: normalisedOf(r.score, (v) => v),
        resolutionStatus: r.status,
      },
    };
  });

const responseArb: fc.Arbitrary<Case> = fc
  .record({ id: textArb(1, 128), customer: idArb, campaign: idArb, type: textArb(1, 32), date: dateArb })
  .map((r) => ({
    kind: 'campaign_response' as const,
    key: String(r.customer),
    data: {
      response_id: r.id,
      customer_id: r.customer,
      campaign_id: r.campaign,
      response_type: r.type,
      response_date: r.date.wire,
    },
    pii: [],
    expected: {
      kind: 'campaign_response' as const,
      responseId: r.id,
      customerId: r.customer,
      campaignId: r.campaign,
      responseType: r.type,
      responseDate: r.date.day,
    },
  }));

const sessionArb: fc.Arbitrary<Case> = fc
  .record({
    id: textArb(1, 128),
    customer: idArb,
    date: dateArb,
    pages: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(INT4_MAX)),
    spent: fc.oneof(
      fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -0, 1e-300),
    ),
  })
  .map((r) => ({
    kind: 'web_session' as const,
    key: String(r.customer),
    data: {
      session_id: r.id,
      customer_id: r.customer,
      visit_date: r.date.wire,
      pages_viewed: r.pages,
      time_spent: r.spent,
    },
    pii: [],
    expected: {
      kind: 'web_session' as const,
      sessionId: r.id,
      customerId: r.customer,
      visitDate: r.date.day,
      pagesViewed: r.pages,
      // JSON has no -0: it is written as 0 and read back as 0.
      timeSpent: JSON.parse(JSON.stringify(r.spent)) as number,
    },
  }));

const erasureArb: fc.Arbitrary<Case> = fc
  .record({ customer: idArb, reason: optional(textArb(0, 256)), by: optional(textArb(0, 128)), extras: extrasArb })
  .map((r) => {
    const data: Record<string, unknown> = { ...r.extras, customer_id: r.customer };
    put(data, 'reason', r.reason, (v) => v);
    put(data, 'requested_by', r.by, (v) => v);
    return {
      kind: 'erasure_request' as const,
      key: String(r.customer),
      data,
      pii: [],
      expected: {
        kind: 'erasure_request' as const,
        customerId: r.customer,
        reason: normalisedOf(r.reason, (v) => v),
        requestedBy: normalisedOf(r.by, (v) => v),
      },
    };
  });

const CASES: Record<InputKind, fc.Arbitrary<Case>> = {
  customer: customerArb,
  product: productArb,
  campaign: campaignArb,
  purchase: purchaseArb,
  service_interaction: interactionArb,
  campaign_response: responseArb,
  web_session: sessionArb,
  erasure_request: erasureArb,
};
const caseArb = fc.oneof(...KINDS.map((k) => CASES[k]));

const envelopeArb = fc.record({
  id: textArb(1, 128),
  source: textArb(1, 64),
  time: dateArb.filter((d) => d.wire.length > 10),
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'application/cloudevents+json; charset=UTF-8',
    'text/json',
  ),
  extension: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
});

type Envelope = typeof envelopeArb extends fc.Arbitrary<infer E> ? E : never;

function wrap(c: Case, e: Envelope): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: inputTopic(c.kind).type,
    time: e.time.wire,
    data: c.data,
  };
  if (e.contentType !== undefined) ev.datacontenttype = e.contentType;
  if (e.extension !== undefined) ev.cdpextension = e.extension;
  return ev;
}

function decode(kind: InputKind, key: string | Buffer | null, value: string | Buffer | null): DecodeResult {
  return decodeMessage(
    kind,
    typeof key === 'string' ? Buffer.from(key) : key,
    typeof value === 'string' ? Buffer.from(value) : value,
  );
}

/** The shape every answer must have, whatever the input. */
function checkAnswer(r: DecodeResult): void {
  if (r.ok) {
    expect(typeof r.event.meta.eventId).toBe('string');
    return;
  }
  expect(CODES.has(r.code)).toBe(true);
  expect(typeof r.reason).toBe('string');
  expect(r.reason.length).toBeGreaterThan(0);
  expect(r.reason.length).toBeLessThanOrEqual(MAX_REASON);
}

// ---------------------------------------------------------------------------------------------------
// A decoded event written back as a producer would write it (money as a two-decimal string).

function cents(c: number): string {
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

function toWire(p: Payload): Record<string, unknown> {
  switch (p.kind) {
    case 'customer':
      return {
        customer_id: p.customerId,
        first_name: p.firstName,
        last_name: p.lastName,
        email: p.email,
        phone_number: p.phoneNumber,
        date_of_birth: p.dateOfBirth,
        registration_date: p.registrationDate,
      };
    case 'product':
      return { product_id: p.productId, category: p.category, brand: p.brand, name: p.name };
    case 'campaign':
      return {
        campaign_id: p.campaignId,
        campaign_name: p.campaignName,
        channel: p.channel,
        start_date: p.startDate,
        end_date: p.endDate,
      };
    case 'purchase':
      return {
        transaction_id: p.transactionId,
        customer_id: p.customerId,
        purchase_date: p.purchaseDate,
        total_amount: cents(p.totalCents),
        items: p.items.map((i) => ({
          product_id: i.productId,
          quantity: i.quantity,
          amount: i.amountCents === null ? null : cents(i.amountCents),
        })),
      };
    case 'service_interaction':
      return {
        interaction_id: p.interactionId,
        customer_id: p.customerId,
        interaction_date: p.interactionDate,
        satisfaction_score: p.satisfactionScore,
        resolution_status: p.resolutionStatus,
      };
    case 'campaign_response':
      return {
        response_id: p.responseId,
        customer_id: p.customerId,
        campaign_id: p.campaignId,
        response_type: p.responseType,
        response_date: p.responseDate,
      };
    case 'web_session':
      return {
        session_id: p.sessionId,
        customer_id: p.customerId,
        visit_date: p.visitDate,
        pages_viewed: p.pagesViewed,
        time_spent: p.timeSpent,
      };
    case 'erasure_request':
      return { customer_id: p.customerId, reason: p.reason, requested_by: p.requestedBy };
  }
}

function reencode(kind: InputKind, e: DecodedEvent): string {
  return JSON.stringify({
    specversion: '1.0',
    id: e.meta.eventId,
    source: e.meta.source,
    type: inputTopic(kind).type,
    time: e.meta.time,
    data: toWire(e.data),
  });
}

// ---------------------------------------------------------------------------------------------------
// Mutations of valid events: what a broken or hostile producer sends.

/** Values that break a field's rule in the ways producers really do (and some attackers try). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    0,
    -1,
    -0,
    0.001,
    1.005,
    2_147_483_648,
    -2_147_483_649,
    1e21,
    1e308,
    '1e309',
    'NaN',
    'Infinity',
    '-Infinity',
    '-0',
    '',
    ' 42',
    '42 ',
    '+42',
    '042',
    '0x2a',
    '4_2',
    '1,000.00',
    '12.345',
    '.5',
    '5.',
    '-1.00',
    '999999999999.99',
    '1000000000000.00',
    '2023-02-29',
    '2024-02-30',
    '2026-13-01',
    '2026-11-20T25:00:00Z',
    '2026-11-20T10:00:00',
    '\u0000',
    '\ud800',
    '\udfff abc',
    'a\u0007b\u001bc',
    '\ufeffBOM',
    true,
    false,
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

type Mutation =
  | { op: 'remove'; path: string[] }
  | { op: 'set'; path: string[]; value: unknown }
  | { op: 'raw'; text: (json: string) => string };

function paths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (typeof v === 'object' && v !== null) {
    const keys = Array.isArray(v) ? v.slice(0, 3).map((_, i) => String(i)) : Object.keys(v);
    for (const k of keys) {
      const p = [...prefix, k];
      out.push(p);
      paths((v as Record<string, unknown>)[k], p, out);
    }
  }
  return out;
}

function applyMutation(event: Record<string, unknown>, m: Mutation): string {
  if (m.op === 'raw') return m.text(JSON.stringify(event));
  const copy = structuredClone(event) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const k of m.path.slice(0, -1)) target = target[k] as Record<string, unknown>;
  const last = m.path[m.path.length - 1]!;
  if (m.op === 'remove') delete target[last];
  else Object.defineProperty(target, last, { value: m.value, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(copy);
}

const rawMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ op: 'raw', text: (j) => `\ufeff${j}` }),
  fc.constant<Mutation>({
    op: 'raw',
    text: (j) => `${j.slice(0, -1)},"data":{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}}}}`,
  }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => `${j.slice(0, -1)},"type":"cdp.other.v1"}` }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace('"data":{', '"data":{"customer_id":1,') }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => `${'['.repeat(5000)}${j}${']'.repeat(5000)}` }),
  fc.constant<Mutation>({
    op: 'raw',
    text: (j) => j.replace('"data":', `"deep":${'['.repeat(2000)}${']'.repeat(2000)},"data":`),
  }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace('"data":{', `"data":{"x_pad":"${'x'.repeat(200_000)}",`) }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.slice(0, Math.floor(j.length / 2)) }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace(/"/, "'") }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace(/:(\d+)/, ':1e309') }),
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace(/:(\d+)/, ':-0') }),
  // 2^53 + 1: no double holds it, JSON.parse rounds it.
  fc.constant<Mutation>({ op: 'raw', text: (j) => j.replace(/:(\d+)/, ':9007199254740993') }),
  fc
    .integer({ min: 0, max: 31 })
    .map<Mutation>((c) => ({ op: 'raw', text: (j) => j.replace('"1.0"', `"1.0${String.fromCharCode(c)}"`) })),
);

function mutationArb(event: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const ps = paths(event);
  const path = fc.constantFrom(...ps);
  return fc.oneof(
    path.map<Mutation>((p) => ({ op: 'remove', path: p })),
    fc.tuple(path, hostileValue).map<Mutation>(([p, value]) => ({ op: 'set', path: p, value })),
    fc.tuple(path, fc.constantFrom('__proto__', 'constructor', 'prototype')).map<Mutation>(([p, k]) => ({
      op: 'set',
      path: [...p.slice(0, -1), k],
      value: { polluted: true },
    })),
    rawMutation,
  );
}

const keyMutation = fc.oneof(
  fc.constant<(k: string) => string | null>((k) => k),
  fc.constant<(k: string) => string | null>((k) => k),
  fc.constant<(k: string) => string | null>(() => null),
  fc.constantFrom<(k: string) => string | null>(
    (k) => `0${k}`,
    (k) => `+${k}`,
    (k) => ` ${k}`,
    (k) => `${k} `,
    (k) => `-${k}`,
    () => '',
    (k) => `${k}.0`,
  ),
);

// ---------------------------------------------------------------------------------------------------

/** Inputs that once broke a property, kept so they are tried first on every run. */
const REGRESSIONS: { name: string; kind: InputKind; key: string | null; value: string | Buffer }[] = [
  {
    name: 'a JSON number too large for a double (1e309) reads as Infinity and must be refused, not stored',
    kind: 'web_session',
    key: '1',
    value:
      '{"specversion":"1.0","id":"a","source":"s","type":"cdp.web_session.v1","time":"2026-01-01T00:00:00Z","data":{"session_id":"s","customer_id":1,"visit_date":"2026-01-01","pages_viewed":1,"time_spent":1e309}}',
  },
  {
    name: 'an own "__proto__" key in data must neither pollute prototypes nor pass as a field',
    kind: 'product',
    key: '7',
    value:
      '{"specversion":"1.0","id":"a","source":"s","type":"cdp.product.v1","time":"2026-01-01T00:00:00Z","data":{"__proto__":{"product_id":7,"category":"c","brand":"b"}}}',
  },
];

describe('decodeMessage under hostile input (property-based)', () => {
  afterEach(() => {
    // Nothing a message carries may reach Object.prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  it.each(REGRESSIONS)('regression: $name', ({ kind, key, value }) => {
    const r = agreeing(kind, key, value).result;
    checkAnswer(r);
    expect(r.ok).toBe(false);
  });

  it('random bytes: never throws, always a stable code (the fast path and zod agree)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.option(fc.uint8Array({ maxLength: 16 })),
        fc.uint8Array({ maxLength: 300 }),
        (kind, key, value) => {
          const r = agreeing(kind, key === null ? null : Buffer.from(key), Buffer.from(value)).result;
          checkAnswer(r);
          expect(r.ok).toBe(false);
        },
      ),
      runs(15_000),
    );
  });

  it('random JSON values, raw or as the data of a well-formed envelope: never throws, always a stable code (the fast path and zod agree)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.jsonValue(), fc.boolean(), (kind, json, inEnvelope) => {
        const value = inEnvelope
          ? JSON.stringify({
              specversion: '1.0',
              id: 'x',
              source: 's',
              type: inputTopic(kind).type,
              time: '2026-01-01T00:00:00Z',
              data: json,
            })
          : JSON.stringify(json);
        const r = agreeing(kind, '1', value ?? 'null').result;
        checkAnswer(r);
        if (r.ok) expect(r.event.data.kind).toBe(kind);
      }),
      runs(25_000),
    );
  });

  it('valid events decode to exactly what they carry (money to the cent, dates to their UTC day), all by the fast path, as zod reads them', () => {
    fc.assert(
      fc.property(caseArb, envelopeArb, (c, e) => {
        const { result: r, fastTook } = agreeing(c.kind, c.key, JSON.stringify(wrap(c, e)));
        if (!r.ok) throw new Error(`${c.kind} rejected: ${r.code}: ${r.reason}`);
        expect(fastTook).toBe(true);
        expect(r.event.data).toEqual(c.expected);
        expect(r.event.meta.eventId).toBe(e.id);
      }),
      runs(30_000),
    );
  });

  it('a valid event written back to the wire decodes to itself', () => {
    fc.assert(
      fc.property(caseArb, envelopeArb, (c, e) => {
        const first = decode(c.kind, c.key, JSON.stringify(wrap(c, e)));
        if (!first.ok) throw new Error(`${c.kind} rejected: ${first.reason}`);
        const again = decode(c.kind, c.key, reencode(c.kind, first.event));
        if (!again.ok) throw new Error(`re-encoded ${c.kind} rejected: ${again.reason}`);
        expect(again.event).toEqual(first.event);
      }),
      runs(10_000),
    );
  });

  it('mutated valid events: never throws, a valid event or a stable code, the same answer twice, no personal data in reasons, the fast path and zod agree', () => {
    const arb = fc.tuple(caseArb, envelopeArb).chain(([c, e]) => {
      const event = wrap(c, e);
      return fc.tuple(
        fc.constant(c),
        fc.constant(event),
        fc.array(mutationArb(event), { minLength: 1, maxLength: 3 }),
        keyMutation,
      );
    });
    let taken = 0;
    fc.assert(
      fc.property(arb, ([c, event, mutations, keyOf]) => {
        let text = JSON.stringify(event);
        for (const m of mutations) {
          try {
            text = applyMutation(JSON.parse(text) as Record<string, unknown>, m);
          } catch {
            // An earlier raw mutation made it unparseable: apply the rest to the text as it is.
            if (m.op === 'raw') text = m.text(text);
          }
        }
        const key = keyOf(c.key);
        const { result: r, fastTook } = agreeing(c.kind, key, text);
        if (fastTook) taken++;
        checkAnswer(r);
        expect(decode(c.kind, key, text)).toEqual(r);
        if (!r.ok) {
          for (const v of c.pii) {
            // A distinctive stretch of the value; very short values could occur in any text.
            if (v.length >= 8) expect(r.reason).not.toContain(v.slice(0, 8));
          }
        }
      }),
      runs(20_000),
    );
    // Some mutations leave the event valid (an extension removed, a value replaced by a valid one):
    // the fast path must have taken some, or this property would only ever have exercised zod.
    expect(taken).toBeGreaterThan(0);
  });

  it('personal data is never repeated in a reason, valid or not (names, email, phone, date of birth)', () => {
    // Distinctive values, each valid or broken in a way that makes the decoder talk about it.
    const distinctive = fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 20 }).map((s) => `Pii${s}`);
    const personal = fc.oneof(
      distinctive,
      distinctive.map((s) => s.padEnd(300, 'z')), // too long
      distinctive.map((s) => `${s}\u0000`), // not storable
      distinctive.map((s) => `${s}\ud800`), // lone surrogate
    );
    const birth = fc.oneof(
      fc.constantFrom('1990-02-30', '1985-13-01', '2001-00-10', '1979-06-31T10:00:00Z', 'Pii-1990-01-01'),
      distinctive,
    );
    const arb = fc.record({
      first: personal,
      last: personal,
      email: personal,
      phone: personal,
      dob: birth,
      breakOther: fc.constantFrom('none', 'registration_date', 'customer_id', 'key'),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const data: Record<string, unknown> = {
          customer_id: 5,
          first_name: r.first,
          last_name: r.last,
          email: r.email,
          phone_number: r.phone,
          date_of_birth: r.dob,
          registration_date: r.breakOther === 'registration_date' ? '2026-02-30' : '2026-01-01',
        };
        if (r.breakOther === 'customer_id') data.customer_id = '5';
        const value = JSON.stringify({
          specversion: '1.0',
          id: 'e',
          source: 's',
          type: 'cdp.customer.v1',
          time: '2026-01-01T00:00:00Z',
          data,
        });
        const res = decode('customer', r.breakOther === 'key' ? '6' : '5', value);
        checkAnswer(res);
        if (res.ok) return;
        for (const v of [r.first, r.last, r.email, r.phone, r.dob]) {
          const stretch = v.slice(0, 8);
          expect(res.reason).not.toContain(stretch);
          expect(res.reason).not.toContain(JSON.stringify(stretch).slice(1, -1));
        }
      }),
      runs(10_000),
    );
  });

  it('invalid UTF-8 anywhere in an otherwise valid message is refused as invalid_utf8', () => {
    const bad = fc.constantFrom(
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xc0, 0xaf],
    );
    fc.assert(
      fc.property(caseArb, envelopeArb, bad, fc.nat(), (c, e, bytes, at) => {
        const good = Buffer.from(JSON.stringify(wrap(c, e)));
        const i = at % (good.length + 1);
        const value = Buffer.concat([good.subarray(0, i), Buffer.from(bytes), good.subarray(i)]);
        const r = decode(c.kind, c.key, value);
        checkAnswer(r);
        expect(r.ok ? 'ok' : r.code).toBe('invalid_utf8');
      }),
      runs(5_000),
    );
  });

  it('money strings: accepted exactly when they are a decimal with at most 2 decimals within the range, and read exactly', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 16 });
    const moneyText = fc.oneof(
      fc.tuple(digits, fc.constantFrom('', '.'), digits).map(([a, dot, b]) => `${a}${dot}${b}`),
      fc.string({ unit: fc.constantFrom(...'0123456789.-+e '), maxLength: 18 }),
    );
    fc.assert(
      fc.property(moneyText, (s) => {
        const c: Case = {
          kind: 'purchase',
          key: '1',
          data: {
            transaction_id: 't',
            customer_id: 1,
            purchase_date: '2026-01-01',
            total_amount: s,
            items: [{ product_id: 1, quantity: 1 }],
          },
          expected: {} as Payload,
          pii: [],
        };
        const r = decode(
          'purchase',
          '1',
          JSON.stringify(
            wrap(c, {
              id: 'e',
              source: 's',
              time: { wire: '2026-01-01T00:00:00Z', day: '' },
              contentType: undefined,
              extension: undefined,
            }),
          ),
        );
        const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(s);
        // The reference reading, in BigInt: no floating point anywhere.
        const exact = m ? BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0') : null;
        if (exact !== null && exact <= BigInt(MAX_AMOUNT_CENTS)) {
          if (!r.ok) throw new Error(`"${s}" rejected: ${r.reason}`);
          expect((r.event.data as Extract<Payload, { kind: 'purchase' }>).totalCents).toBe(Number(exact));
        } else {
          expect(r.ok ? 'ok' : r.code).toBe('invalid_payload');
        }
      }),
      runs(10_000),
    );
  });

  it('money numbers: accepted exactly when their shortest decimal form has at most 2 decimals within the range', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true }),
          fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }).map((c) => c / 100),
        ),
        (n) => {
          const text = `{"specversion":"1.0","id":"e","source":"s","type":"cdp.purchase.v1","time":"2026-01-01T00:00:00Z","data":{"transaction_id":"t","customer_id":1,"purchase_date":"2026-01-01","total_amount":${JSON.stringify(n)},"items":[{"product_id":1,"quantity":1}]}}`;
          const r = decode('purchase', '1', text);
          const read = JSON.parse(JSON.stringify(n)) as number; // what the wire carries (null for ±Infinity)
          const shortest = String(read);
          const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(shortest);
          const exact = m ? BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0') : null;
          if (exact !== null && exact <= BigInt(MAX_AMOUNT_CENTS)) {
            if (!r.ok) throw new Error(`${shortest} rejected: ${r.reason}`);
            expect((r.event.data as Extract<Payload, { kind: 'purchase' }>).totalCents).toBe(Number(exact));
          } else {
            expect(r.ok ? 'ok' : r.code).toBe('invalid_payload');
          }
        },
      ),
      runs(10_000),
    );
  });

  it('large messages are answered with a result, not a crash: 1 MB and 10 MB values, 500 and 501 items', () => {
    const base = {
      specversion: '1.0',
      id: 'big',
      source: 's',
      type: 'cdp.purchase.v1',
      time: '2026-01-01T00:00:00Z',
    };
    const items = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ product_id: i + 1, quantity: 1, amount: '1.00' }));
    const ok500 = decode(
      'purchase',
      '1',
      JSON.stringify({
        ...base,
        data: {
          transaction_id: 't',
          customer_id: 1,
          purchase_date: '2026-01-01',
          total_amount: '500.00',
          items: items(500),
        },
      }),
    );
    expect(ok500.ok).toBe(true);
    const bad501 = decode(
      'purchase',
      '1',
      JSON.stringify({
        ...base,
        data: {
          transaction_id: 't',
          customer_id: 1,
          purchase_date: '2026-01-01',
          total_amount: '501.00',
          items: items(501),
        },
      }),
    );
    expect(bad501.ok ? 'ok' : bad501.code).toBe('invalid_payload');
    checkAnswer(bad501);
    for (const size of [1 << 20, 10 << 20]) {
      const padded = decode(
        'purchase',
        '1',
        JSON.stringify({
          ...base,
          data: {
            transaction_id: 't',
            customer_id: 1,
            purchase_date: '2026-01-01',
            total_amount: '1',
            items: items(1),
            x_pad: 'x'.repeat(size),
          },
        }),
      );
      expect(padded.ok).toBe(true); // unknown fields are ignored, whatever their size
      const hugeId = decode(
        'purchase',
        '1',
        JSON.stringify({
          ...base,
          data: {
            transaction_id: 'x'.repeat(size),
            customer_id: 1,
            purchase_date: '2026-01-01',
            total_amount: '1',
            items: items(1),
          },
        }),
      );
      checkAnswer(hugeId);
      expect(hugeId.ok ? 'ok' : hugeId.code).toBe('invalid_payload');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The fast path (./fast-decode) against zod, the source of truth: the properties above over random
// bytes, random JSON, valid and mutated events decode each message both ways and require one answer.

/** The key a decoded payload must carry. */
function keyOf(p: Payload): string {
  if (p.kind === 'product') return String(p.productId);
  if (p.kind === 'campaign') return String(p.campaignId);
  return String(p.customerId);
}

/**
 * Decodes with and without the fast path and requires the same answer (the same event, or the same
 * code and reason). When the fast path alone takes the JSON, zod must accept it as the same event.
 * Returns the answer and whether the fast path took the message.
 */
function agreeing(
  kind: InputKind,
  key: string | Buffer | null,
  value: string | Buffer,
): { result: DecodeResult; fastTook: boolean } {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const keyBytes = typeof key === 'string' ? Buffer.from(key) : key;
  const result = decodeMessage(kind, keyBytes, bytes);
  expect(result).toStrictEqual(decodeMessageByZod(kind, keyBytes, bytes));
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { result, fastTook: false };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { result, fastTook: false };
  const fast = fastDecodeEvent(kind, inputTopic(kind).type, json as Record<string, unknown>);
  if (fast === undefined) return { result, fastTook: false };
  expect(decodeMessageByZod(kind, Buffer.from(keyOf(fast.data)), bytes)).toStrictEqual({ ok: true, event: fast });
  return { result, fastTook: true };
}
