import fc from 'fast-check';
import {
  type CatalogEntry,
  churnRiskScore,
  compareBytes,
  customer360Row,
  customerSegment,
  engagementScore,
  favoritePair,
} from './customer360';
import { emptyProfileState } from './state';

const catalog = new Map([
  [1, { category: 'Books', brand: 'Acme' }],
  [2, { category: 'Books', brand: 'Zed' }],
  [3, { category: 'alpha', brand: 'Acme' }],
  [4, { category: 'Zeta', brand: 'Acme' }],
]);
const lookup = (id: number) => catalog.get(id);

describe('customerSegment', () => {
  it.each([
    [null, 'Low Value'],
    [0n, 'Low Value'],
    [500_000n, 'Low Value'],
    [500_001n, 'Medium Value'],
    [1_000_000n, 'Medium Value'],
    [1_000_001n, 'High Value'],
  ] as const)('%p cents -> %s', (cents, segment) => {
    expect(customerSegment(cents)).toBe(segment);
  });
});

describe('churnRiskScore', () => {
  it.each([
    [null, null],
    [0, 1],
    [30, 1],
    [31, 2],
    [90, 2],
    [91, 3],
    [180, 3],
    [181, 4],
    [365, 4],
    [366, 5],
  ] as const)('%p days -> %p', (days, score) => {
    expect(churnRiskScore(days)).toBe(score);
  });
});

describe('favoritePair', () => {
  it('counts line items per (category, brand), ignoring products missing from the catalog', () => {
    const lines = new Map([
      [1, 2],
      [2, 1],
      [99, 10],
    ]);
    expect(favoritePair(lines, lookup)).toEqual({ category: 'Books', brand: 'Acme' });
  });
  it('breaks ties by byte order of category then brand (uppercase before lowercase)', () => {
    expect(
      favoritePair(
        new Map([
          [3, 1],
          [4, 1],
        ]),
        lookup,
      ),
    ).toEqual({ category: 'Zeta', brand: 'Acme' });
    expect(
      favoritePair(
        new Map([
          [2, 1],
          [1, 1],
        ]),
        lookup,
      ),
    ).toEqual({ category: 'Books', brand: 'Acme' });
  });
  it('is null when no product is known', () => {
    expect(favoritePair(new Map([[99, 3]]), lookup)).toBeNull();
  });
  it('agrees with counting per pair text on random catalogs and histories', () => {
    // The definition, written plainly: line items summed per (category, brand) text, the most wins,
    // ties to the smallest pair in byte order.
    const reference = (lines: ReadonlyMap<number, number>, look: (id: number) => CatalogEntry | undefined) => {
      const counts = new Map<string, { category: string; brand: string; n: number }>();
      for (const [id, n] of lines) {
        const e = look(id);
        if (!e || n <= 0) continue;
        const k = JSON.stringify([e.category, e.brand]);
        const c = counts.get(k) ?? { category: e.category, brand: e.brand, n: 0 };
        c.n += n;
        counts.set(k, c);
      }
      const sorted = [...counts.values()].sort(
        (a, b) => b.n - a.n || compareBytes(a.category, b.category) || compareBytes(a.brand, b.brand),
      );
      return sorted[0] ? { category: sorted[0].category, brand: sorted[0].brand } : null;
    };
    const text = fc.constantFrom('Books', 'books', 'Acme', 'Zed', '', 'caf\u00e9', '\uff5e', '\u{1f600}', 'a\u0000b');
    // Products share pairs through distinct entry objects, as a catalog refreshed over time has them.
    const catalogs = fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), text, text), { maxLength: 40 });
    const histories = fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -2, max: 5 })), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(catalogs, histories, (entries, history) => {
        const cat = new Map<number, CatalogEntry>();
        for (const [id, category, brand] of entries) cat.set(id, { category, brand });
        const look = (id: number) => cat.get(id);
        const lines = new Map(history);
        expect(favoritePair(lines, look)).toEqual(reference(lines, look));
      }),
      { numRuns: 3_000 },
    );
  });

  it('compares by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E (3 bytes EF BD 9E) sorts before U+1F600 (4 bytes F0 ...) in bytes, after it in UTF-16 units.
    expect(compareBytes('\uff5e', '\u{1f600}')).toBeLessThan(0);
  });
  it('orders any two texts as their UTF-8 bytes do (ASCII, accents, CJK, emoji, mixed)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('customer360Row', () => {
  it('derives every column for a customer with all kinds of facts', () => {
    const s = emptyProfileState(42);
    s.record = {
      firstName: 'Ada',
      lastName: 'L',
      email: 'a@x',
      phoneNumber: null,
      dateOfBirth: '2000-02-29',
      registrationDate: '2026-01-01',
    };
    s.orders = 3;
    s.lifetimeValueCents = 1_000_001n;
    s.lastPurchaseDate = '2026-10-25';
    s.productLines = new Map([[1, 2]]);
    s.interactions = 2;
    s.satisfactionSum = 7;
    s.satisfactionCount = 2;
    s.resolvedInteractions = 0;
    s.responses = 3;
    s.conversions = 1;
    s.campaignsEngaged = 2;
    s.sessions = 4;
    s.pagesViewedSum = 10;
    s.timeSpentSum = 100.5;
    s.lastVisitDate = '2026-11-01';
    const row = customer360Row(s, lookup, '2027-02-28', 3);
    expect(row).toEqual({
      customer_id: 42,
      first_name: 'Ada',
      last_name: 'L',
      email: 'a@x',
      phone_number: null,
      date_of_birth: '2000-02-29',
      registration_date: '2026-01-01',
      age: 26,
      customer_tenure_days: 423,
      total_orders: 3,
      total_lifetime_value: '10000.01',
      average_order_value: '3333.34',
      last_purchase_date: '2026-10-25',
      days_since_last_purchase: 126,
      favorite_category: 'Books',
      favorite_brand: 'Acme',
      total_interactions: 2,
      avg_satisfaction_score: 3.5,
      resolved_interactions: 0,
      campaigns_engaged: 2,
      campaign_conversions: 1,
      total_sessions: 4,
      avg_pages_per_session: 2.5,
      avg_time_per_session: 25.125,
      last_visit_date: '2026-11-01',
      customer_segment: 'High Value',
      churn_risk_score: 3,
      customer_lifetime_value_score: 3,
      engagement_score: 2,
    });
    expect(customer360Row(s, lookup, '2027-03-01').age).toBe(27);
  });

  it('leaves fact columns NULL for a customer known only from a record', () => {
    const s = emptyProfileState(7);
    s.record = {
      firstName: null,
      lastName: null,
      email: null,
      phoneNumber: null,
      dateOfBirth: null,
      registrationDate: '2026-11-20',
    };
    const row = customer360Row(s, lookup, '2026-11-25');
    expect(row.total_orders).toBeNull();
    expect(row.total_lifetime_value).toBeNull();
    expect(row.average_order_value).toBeNull();
    expect(row.resolved_interactions).toBeNull();
    expect(row.campaign_conversions).toBeNull();
    expect(row.churn_risk_score).toBeNull();
    expect(row.customer_segment).toBe('Low Value');
    expect(row.customer_tenure_days).toBe(5);
    expect(row.age).toBeNull();
    expect(row.engagement_score).toBe(0);
  });

  it('leaves record columns NULL for a customer known only from events', () => {
    const s = emptyProfileState(8);
    s.orders = 2;
    s.lifetimeValueCents = 2001n; // 20.01 over 2 orders = 10.005 -> 10.01 (half away from zero)
    s.lastPurchaseDate = '2026-11-25';
    const row = customer360Row(s, lookup, '2026-11-25');
    expect(row.first_name).toBeNull();
    expect(row.registration_date).toBeNull();
    expect(row.customer_tenure_days).toBeNull();
    expect(row.average_order_value).toBe('10.01');
    expect(row.days_since_last_purchase).toBe(0);
    expect(row.churn_risk_score).toBe(1);
  });

  it('computes engagement with integer division', () => {
    expect(engagementScore(1, 1, 0)).toBe(0);
    expect(engagementScore(2, 2, 1)).toBe(1);
    expect(engagementScore(3, 3, 3)).toBe(3);
  });
});
