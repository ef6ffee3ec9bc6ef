import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, type InputKind, parseTimestamp } from '@cdp360/domain';
import {
  EXPECT_INVALID_HEADER,
  generateEvents,
  readManifest,
  readNdjsonDir,
  type WireMessage,
  writeNdjsonDir,
} from '.';

function collect(options: Parameters<typeof generateEvents>[0]): {
  messages: WireMessage[];
  gen: ReturnType<typeof generateEvents>;
} {
  const gen = generateEvents(options);
  const messages: WireMessage[] = [];
  for (const batch of gen) for (const m of batch) messages.push(m);
  return { messages, gen };
}

function digest(messages: WireMessage[]): string {
  const h = createHash('sha256');
  for (const m of messages) {
    h.update(`${m.kind}\0${m.key}\0`);
    h.update(m.value);
    h.update(`\0${JSON.stringify(m.headers)}\n`);
  }
  return h.digest('hex');
}

const bytes = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);
const isInvalid = (m: WireMessage): boolean => m.headers?.[EXPECT_INVALID_HEADER] !== undefined;

// One shared data set for the realism checks: big enough for the tails, small enough to be quick.
const base = collect({ customers: 1000, seed: 7 });

describe('determinism', () => {
  it('gives the same bytes and manifest for the same seed, and different bytes for another seed', () => {
    const a = collect({ customers: 300, days: 60, seed: 42, duplicateRate: 0.05, invalidRate: 0.05 });
    const b = collect({ customers: 300, days: 60, seed: 42, duplicateRate: 0.05, invalidRate: 0.05 });
    const c = collect({ customers: 300, days: 60, seed: 43, duplicateRate: 0.05, invalidRate: 0.05 });
    expect(a.messages.length).toBeGreaterThan(1000);
    expect(digest(a.messages)).toBe(digest(b.messages));
    expect(JSON.stringify(a.gen.manifest)).toBe(JSON.stringify(b.gen.manifest));
    expect(digest(c.messages)).not.toBe(digest(a.messages));
  });

  it('starts afresh on each iteration of the same generator', () => {
    const gen = generateEvents({ customers: 50, days: 20, seed: 3 });
    const first = digest([...gen].flat());
    const manifest = JSON.stringify(gen.manifest);
    expect(digest([...gen].flat())).toBe(first);
    expect(JSON.stringify(gen.manifest)).toBe(manifest);
  });
});

describe('rates and manifest', () => {
  const { messages, gen } = collect({ customers: 2000, days: 120, seed: 11, duplicateRate: 0.05, invalidRate: 0.03 });
  const m = gen.manifest;

  it('counts exactly what was produced, per topic', () => {
    expect(m.totals.messages).toBe(messages.length);
    expect(m.totals.messages).toBe(m.totals.validFirst + m.totals.duplicates + m.totals.invalid);
    for (const [topic, c] of Object.entries(m.topics)) {
      const own = messages.filter((x) => x.kind === c.kind);
      expect({ topic, n: own.length }).toEqual({ topic, n: c.messages });
      expect(own.filter(isInvalid).length).toBe(c.invalid);
      expect(Object.values(c.invalidReasons).reduce((a, b) => a + b, 0)).toBe(c.invalid);
    }
  });

  it('honours the duplicate and invalid rates roughly', () => {
    const facts = [
      'cdp.purchases.v1',
      'cdp.service-interactions.v1',
      'cdp.campaign-responses.v1',
      'cdp.web-sessions.v1',
    ];
    const firstFacts = facts.reduce((s, t) => s + m.topics[t]!.validFirst, 0);
    const dups = facts.reduce((s, t) => s + m.topics[t]!.duplicates, 0);
    expect(dups / firstFacts).toBeGreaterThan(0.04);
    expect(dups / firstFacts).toBeLessThan(0.06);
    expect(m.totals.invalid / m.totals.messages).toBeGreaterThan(0.025);
    expect(m.totals.invalid / m.totals.messages).toBeLessThan(0.035);
    // events per customer is a mean over the window
    expect(firstFacts / 2000).toBeCloseTo(20, 0);
  });

  it('re-sends duplicates later in the log with the same data and a new CloudEvents id', () => {
    const seen = new Map<string, { index: number; data: string; id: string }>();
    let dups = 0;
    messages.forEach((msg, index) => {
      if (isInvalid(msg) || !['purchase', 'web_session', 'service_interaction', 'campaign_response'].includes(msg.kind))
        return;
      const e = JSON.parse(msg.value as string);
      const bid = e.data.transaction_id ?? e.data.session_id ?? e.data.interaction_id ?? e.data.response_id;
      const prev = seen.get(bid);
      if (prev) {
        dups++;
        expect(index).toBeGreaterThan(prev.index);
        expect(JSON.stringify(e.data)).toBe(prev.data);
        expect(e.id).not.toBe(prev.id);
      } else {
        seen.set(bid, { index, data: JSON.stringify(e.data), id: e.id });
      }
    });
    expect(dups).toBe(m.totals.duplicates);
  });

  it('spreads customer ids over idSpace', () => {
    const { messages: spread } = collect({ customers: 100, days: 30, idSpace: 1_000_000, seed: 5, invalidRate: 0 });
    const ids = new Set(spread.filter((x) => x.kind === 'purchase').map((x) => Number(x.key)));
    expect(ids.size).toBeGreaterThan(50);
    for (const id of ids) expect(id >= 1 && id <= 1_000_000).toBe(true);
    expect(Math.max(...ids)).toBeGreaterThan(500_000);
  });

  it('yields batches no larger than batchSize', () => {
    const gen2 = generateEvents({ customers: 200, days: 30, batchSize: 100 });
    let batches = 0;
    for (const b of gen2) {
      expect(b.length).toBeLessThanOrEqual(100);
      batches++;
    }
    expect(batches).toBeGreaterThan(10);
  });
});

describe('decoding by the domain rules', () => {
  it('accepts every message without x-cdp-expect-invalid and rejects every message with it', () => {
    const { messages } = collect({ customers: 400, days: 90, seed: 9, duplicateRate: 0.05, invalidRate: 0.1 });
    const wronglyRejected: string[] = [];
    const wronglyAccepted: string[] = [];
    for (const m of messages) {
      const r = decodeMessage(m.kind, m.key, bytes(m.value));
      if (isInvalid(m) && r.ok)
        wronglyAccepted.push(`${m.headers![EXPECT_INVALID_HEADER]}: ${m.value.toString().slice(0, 300)}`);
      if (!isInvalid(m) && !r.ok) wronglyRejected.push(`${r.reason}: ${m.value.toString().slice(0, 300)}`);
    }
    expect(wronglyRejected.slice(0, 5)).toEqual([]);
    expect(wronglyAccepted.slice(0, 5)).toEqual([]);
    expect(messages.filter(isInvalid).length).toBeGreaterThan(100);
  });
});

describe('realism', () => {
  const events = base.messages
    .filter((m) => !isInvalid(m))
    .map((m) => {
      const r = decodeMessage(m.kind, m.key, bytes(m.value));
      if (!r.ok) throw new Error(r.reason);
      return { kind: m.kind as InputKind, raw: JSON.parse(m.value as string), ...r.event };
    });
  const of = <K extends InputKind>(kind: K) => events.filter((e) => e.kind === kind);

  it('has a wide lifetime value distribution crossing the 5,000 and 10,000 segment thresholds', () => {
    const ltv = new Map<number, number>();
    const seen = new Set<string>();
    for (const e of of('purchase')) {
      const p = e.data as Extract<typeof e.data, { kind: 'purchase' }>;
      if (seen.has(p.transactionId)) continue;
      seen.add(p.transactionId);
      ltv.set(p.customerId, (ltv.get(p.customerId) ?? 0) + p.totalCents);
    }
    const values = [...ltv.values()];
    expect(values.filter((v) => v > 1_000_000).length).toBeGreaterThan(0);
    expect(values.filter((v) => v > 500_000 && v <= 1_000_000).length).toBeGreaterThan(0);
    expect(values.filter((v) => v < 50_000).length).toBeGreaterThan(values.length / 3);
  });

  it('publishes the catalog first, some products late, some never', () => {
    const firstFact = events.findIndex((e) => e.kind === 'purchase');
    const products = of('product');
    expect(events.slice(0, 50).every((e) => e.kind === 'product')).toBe(true);
    const publishedAt = new Map<number, number>();
    events.forEach((e, i) => {
      if (e.kind === 'product' && !publishedAt.has(Number(e.raw.data.product_id)))
        publishedAt.set(Number(e.raw.data.product_id), i);
    });
    const referencedBefore = new Set<number>();
    const referenced = new Set<number>();
    events.forEach((e, i) => {
      if (e.kind !== 'purchase') return;
      for (const it of e.raw.data.items) {
        referenced.add(it.product_id);
        const at = publishedAt.get(it.product_id);
        if (at !== undefined && at > i) referencedBefore.add(it.product_id);
      }
    });
    expect(products.length).toBeGreaterThan(300);
    expect(referencedBefore.size).toBeGreaterThan(0); // late products
    expect([...referenced].filter((p) => !publishedAt.has(p)).length).toBeGreaterThan(0); // unknown products
    expect(firstFact).toBeGreaterThan(products.length / 2);
  });

  it('has customers without records and record versions whose time goes backwards in the log', () => {
    const withRecord = new Set(of('customer').map((e) => e.raw.data.customer_id));
    const active = new Set(of('purchase').map((e) => e.raw.data.customer_id));
    expect([...active].filter((c) => !withRecord.has(c)).length).toBeGreaterThan(0);
    const latest = new Map<number, string>();
    let backwards = 0;
    for (const e of of('customer')) {
      const prev = latest.get(e.raw.data.customer_id);
      if (prev !== undefined && e.meta.time < prev) backwards++;
      if (prev === undefined || e.meta.time > prev) latest.set(e.raw.data.customer_id, e.meta.time);
    }
    expect(backwards).toBeGreaterThan(0);
    expect(backwards).toBe(base.gen.manifest.customers.staleVersions);
  });

  it('registers customers strictly before their first activity', () => {
    const reg = new Map<number, string>();
    for (const e of of('customer')) {
      const c = e.data as Extract<typeof e.data, { kind: 'customer' }>;
      reg.set(c.customerId, c.registrationDate);
    }
    let checked = 0;
    for (const e of events) {
      if (e.kind === 'customer' || e.kind === 'product' || e.kind === 'campaign') continue;
      const d = e.data as {
        customerId: number;
        purchaseDate?: string;
        interactionDate?: string;
        responseDate?: string;
        visitDate?: string;
      };
      const date = d.purchaseDate ?? d.interactionDate ?? d.responseDate ?? d.visitDate!;
      const r = reg.get(d.customerId);
      if (r === undefined) continue;
      expect(r < date).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('covers the awkward values: null and Feb 29 birthdays, money as numbers and strings, 1-6 items, null satisfaction', () => {
    const customers = of('customer').map((e) => e.raw.data);
    expect(customers.some((c) => c.date_of_birth === null)).toBe(true);
    expect(customers.some((c) => typeof c.date_of_birth === 'string' && c.date_of_birth.endsWith('-02-29'))).toBe(true);
    const purchases = of('purchase').map((e) => e.raw.data);
    expect(purchases.some((p) => typeof p.total_amount === 'number' && !Number.isInteger(p.total_amount))).toBe(true);
    expect(purchases.some((p) => typeof p.total_amount === 'string')).toBe(true);
    const sizes = new Set(purchases.map((p) => p.items.length));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const services = of('service_interaction').map((e) => e.raw.data);
    expect(new Set(services.map((s) => s.satisfaction_score))).toEqual(new Set([null, 1, 2, 3, 4, 5]));
    expect(new Set(services.map((s) => s.resolution_status))).toEqual(new Set(['Resolved', 'Pending', 'Escalated']));
    const responses = of('campaign_response').map((e) => e.raw.data);
    expect(new Set(responses.map((s) => s.response_type))).toEqual(new Set(['Open', 'Click', 'Conversion']));
    const published = new Set(of('campaign').map((e) => e.raw.data.campaign_id));
    expect(responses.some((r) => !published.has(r.campaign_id))).toBe(true);
    const sessions = of('web_session').map((e) => e.raw.data);
    expect(sessions.some((s) => !Number.isInteger(s.time_spent))).toBe(true);
    expect(sessions.some((s) => s.pages_viewed === 0)).toBe(true);
  });

  it('writes some dates as timestamps near midnight whose local date is not the UTC date', () => {
    let crossing = 0;
    for (const e of events) {
      const d =
        e.raw.data.purchase_date ?? e.raw.data.visit_date ?? e.raw.data.interaction_date ?? e.raw.data.response_date;
      if (typeof d !== 'string' || d.length === 10) continue;
      const t = parseTimestamp(d)!;
      if (!d.endsWith('Z') && t.date !== d.slice(0, 10)) crossing++;
    }
    expect(crossing).toBeGreaterThan(50);
    expect(events.some((e) => /[+-]\d\d:\d\d$/.test(e.raw.time))).toBe(true);
  });

  it('logs facts in time order, all topics interleaved', () => {
    const seen = new Set<string>();
    let last = '';
    let outOfOrder = 0;
    for (const e of events) {
      if (e.kind === 'customer' || e.kind === 'product' || e.kind === 'campaign') continue;
      const raw = e.raw.data;
      const bid = raw.transaction_id ?? raw.session_id ?? raw.interaction_id ?? raw.response_id;
      if (seen.has(bid)) continue;
      seen.add(bid);
      if (e.meta.time < last) outOfOrder++;
      last = e.meta.time;
    }
    expect(outOfOrder).toBe(0);
  });
});

describe('NDJSON directory', () => {
  it('writes one file per topic and a manifest, and reads the same messages back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdp-gen-'));
    try {
      const gen = generateEvents({ customers: 100, days: 30, seed: 2, invalidRate: 0.1 });
      const written = await writeNdjsonDir(dir, gen, () => gen.manifest);
      const original = [...gen].flat();
      expect(original.some((m) => Buffer.isBuffer(m.value))).toBe(true);
      const back: WireMessage[] = [];
      for await (const batch of readNdjsonDir(dir, { batchSize: 50 })) back.push(...batch);
      const byKind = (list: WireMessage[], kind: InputKind) => digest(list.filter((m) => m.kind === kind));
      for (const kind of new Set(original.map((m) => m.kind))) expect(byKind(back, kind)).toBe(byKind(original, kind));
      expect(back.length).toBe(original.length);
      expect(await readManifest(dir)).toEqual(written);
      const purchases = await readFile(join(dir, 'cdp.purchases.v1.ndjson'), 'utf8');
      expect(purchases.split('\n')[0]).toMatch(/^\{"key":"\d+","value":"\{/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('zipf skew', () => {
  /** Share of the valid facts made by the busiest 1 % of customers. */
  function topShare(messages: WireMessage[]): number {
    const perKey = new Map<string, number>();
    let facts = 0;
    for (const m of messages) {
      if (isInvalid(m) || m.key === null) continue;
      if (m.kind === 'customer' || m.kind === 'product' || m.kind === 'campaign') continue;
      facts++;
      perKey.set(m.key, (perKey.get(m.key) ?? 0) + 1);
    }
    const counts = [...perKey.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.max(1, Math.round(counts.length / 100)));
    return top.reduce((a, b) => a + b, 0) / facts;
  }

  it('leaves the bytes and the manifest unchanged at 0, and rejects exponents outside 0..4', () => {
    const plain = collect({ customers: 200, days: 30, seed: 5 });
    const zero = collect({ customers: 200, days: 30, seed: 5, zipf: 0 });
    expect(digest(zero.messages)).toBe(digest(plain.messages));
    expect(JSON.stringify(zero.gen.manifest)).toBe(JSON.stringify(plain.gen.manifest));
    expect(() => generateEvents({ customers: 10, zipf: -1 })).toThrow(/zipf/);
    expect(() => generateEvents({ customers: 10, zipf: 5 })).toThrow(/zipf/);
  });

  it('makes a few customers do most of the facts at 1, and records the exponent in the manifest', () => {
    const skewed = collect({ customers: 1000, seed: 7, zipf: 1 });
    const uniform = topShare(base.messages);
    const share = topShare(skewed.messages);
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeGreaterThan(2 * uniform);
    expect(skewed.gen.manifest.options.zipf).toBe(1);
  });
});
