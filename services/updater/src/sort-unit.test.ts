import { DECODE_ERROR_CODES, type InputKind, inputTopic } from '@cdp360/domain';
import { decodeUnit, sortUnit } from './sort-unit';
import type { SourceMessage } from './source';

let offset = 0;

/** A message as a Kafka source would hand it over (the position does not matter to the sort). */
function message(kind: InputKind, data: Record<string, unknown> | string, key: string | null = '42'): SourceMessage {
  const topic = inputTopic(kind).topic;
  const value =
    typeof data === 'string'
      ? data
      : JSON.stringify({
          specversion: '1.0',
          id: `e-${offset}`,
          source: 'test',
          type: inputTopic(kind).type,
          time: '2026-11-20T10:15:00Z',
          datacontenttype: 'application/json',
          data,
        });
  offset++;
  return {
    kind,
    topic,
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(value),
    headers: {},
    stream: `${topic}/0`,
    seq: offset,
    position: { kind: 'kafka', partition: 0, offset: String(offset) },
  };
}

const purchase = (id: string) => ({
  transaction_id: id,
  customer_id: 42,
  purchase_date: '2026-11-20',
  total_amount: '19.99',
  items: [{ product_id: 7, quantity: 1, amount: '19.99' }],
});
const session = (id: string) => ({
  session_id: id,
  customer_id: 42,
  visit_date: '2026-11-20',
  pages_viewed: 5,
  time_spent: 12.5,
});
const customer = {
  customer_id: 42,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  phone_number: null,
  date_of_birth: '1815-12-10',
  registration_date: '2024-02-29',
};

describe('sortUnit: the decode-and-sort step of a unit', () => {
  it('sorts records and facts apart, in arrival order, with each CloudEvents time', () => {
    const unit = [
      message('purchase', purchase('T-1')),
      message('customer', customer),
      message('product', { product_id: 7, category: 'Books', brand: 'Acme', name: 'Notes' }, '7'),
      message('web_session', session('S-1')),
      message(
        'campaign',
        {
          campaign_id: 9,
          campaign_name: 'Spring',
          channel: 'Email',
          start_date: '2026-03-01',
          end_date: '2026-03-31',
        },
        '9',
      ),
    ];
    const sorted = sortUnit(unit);
    expect(sorted.facts.map((f) => f.message)).toEqual([unit[0], unit[3]]);
    expect(sorted.facts.map((f) => f.data.kind)).toEqual(['purchase', 'web_session']);
    expect(sorted.customers.map((c) => c.message)).toEqual([unit[1]]);
    expect(sorted.products.map((p) => p.data.productId)).toEqual([7]);
    expect(sorted.campaigns.map((c) => c.data.campaignId)).toEqual([9]);
    expect(sorted.facts[0]!.time).toBe(sorted.customers[0]!.time);
    expect(sorted.rejected).toEqual([]);
    expect(sorted.counters.totals()).toMatchObject({ applied: 0, duplicate: 0, deadLettered: 0 });
  });

  it('keeps the first copy of a business id in the unit and counts the rest as duplicates', () => {
    const unit = [
      message('purchase', purchase('T-1')),
      message('purchase', purchase('T-1')),
      message('purchase', purchase('T-2')),
    ];
    const sorted = sortUnit(unit);
    expect(sorted.facts.map((f) => f.message)).toEqual([unit[0], unit[2]]);
    expect(sorted.counters.byTopic.get(inputTopic('purchase').topic)).toEqual({
      applied: 0,
      duplicate: 1,
      deadLettered: 0,
      suppressed: 0,
    });
  });

  it('rejects bad messages with their stable code and reason, untouched, and goes on with the rest', () => {
    const bad = message('purchase', 'not json');
    const wrongKey = message('web_session', session('S-2'), '43');
    const good = message('web_session', session('S-3'));
    const sorted = sortUnit([bad, wrongKey, good]);
    expect(sorted.rejected.map((r) => r.message)).toEqual([bad, wrongKey]);
    for (const r of sorted.rejected) {
      expect(DECODE_ERROR_CODES).toContain(r.code);
      expect(r.reason.length).toBeGreaterThan(0);
    }
    expect(sorted.rejected[0]!.code).not.toBe(sorted.rejected[1]!.code);
    expect(sorted.facts.map((f) => f.message)).toEqual([good]);
    expect(sorted.counters.totals()).toMatchObject({ deadLettered: 2, duplicate: 0 });
  });

  it('an empty unit sorts to nothing', () => {
    const sorted = sortUnit([]);
    expect([sorted.facts, sorted.customers, sorted.products, sorted.campaigns, sorted.rejected]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
  });
});

describe('sortUnit with suppressed customers', () => {
  it('counts anything of a suppressed customer as suppressed, valid or not, before or after the request', () => {
    const messages = [
      message('purchase', purchase('T-s1')),
      message('erasure_request', { customer_id: 42, reason: 'ticket' }),
      message('purchase', '{"broken'),
      message('purchase', { ...purchase('T-s2'), customer_id: 43 }, '43'),
    ];
    const unit = decodeUnit(messages);
    expect(unit.subjects).toEqual([42, 42, 42, 43]);
    expect(unit.erasures.map((e) => [e.data.customerId, e.message])).toEqual([[42, messages[1]]]);
    expect(unit.erasures[0]!.eventId).toMatch(/^e-\d+$/);
    const sorted = sortUnit(messages, unit, new Set([42]));
    expect(sorted.facts.map((f) => f.data.customerId)).toEqual([43]);
    expect(sorted.rejected).toEqual([]);
    expect(sorted.counters.totals()).toMatchObject({ suppressed: 2, deadLettered: 0, duplicate: 0 });
  });

  it('dead-letters a malformed request of a customer who is not suppressed', () => {
    const messages = [message('erasure_request', '{"specversion":"1.0"', '44')];
    const sorted = sortUnit(messages, decodeUnit(messages), new Set([42]));
    expect(sorted.rejected.map((r) => r.code)).toEqual(['invalid_json']);
  });
});
