import { averageCents, formatCents, MAX_AMOUNT_CENTS, parseMoney } from './money';

function cents(value: unknown): number | string {
  const r = parseMoney(value);
  return r.ok ? r.cents : `rejected: ${r.reason}`;
}

describe('parseMoney', () => {
  it.each<[unknown, number]>([
    ['19.99', 1999],
    [19.99, 1999],
    ['0', 0],
    [0, 0],
    [-0, 0],
    ['0.5', 50],
    ['0.05', 5],
    [0.05, 5],
    ['19.9', 1990],
    ['100', 10000],
    [100, 10000],
    [1e3, 100000],
    ['999999999999.99', MAX_AMOUNT_CENTS],
    [999999999999.99, MAX_AMOUNT_CENTS],
    // leading zeros are still a decimal string
    ['007.50', 750],
    ['0000000000000999999999999.99', MAX_AMOUNT_CENTS],
    // amounts whose binary float is inexact still come out exact
    [0.29, 29],
    [1.15, 115],
    [4.35, 435],
    [1234567890.12, 123456789012],
  ])('accepts %p as %p cents', (value, expected) => {
    expect(cents(value)).toBe(expected);
  });

  it.each<[unknown, RegExp]>([
    ['1.234', /not a decimal with at most 2 decimals/],
    [1.234, /not a decimal with at most 2 decimals/],
    [0.1 + 0.2, /"0.30000000000000004" is not a decimal/],
    [-1, /negative/],
    ['-1', /negative/],
    ['-0.01', /negative/],
    ['1e3', /not a decimal/],
    ['', /not a decimal/],
    [' 1', /not a decimal/],
    ['1 ', /not a decimal/],
    ['+1', /not a decimal/],
    ['1.', /not a decimal/],
    ['.5', /not a decimal/],
    ['1,50', /not a decimal/],
    ['0x10', /not a decimal/],
    ['NaN', /not a decimal/],
    ['Infinity', /not a decimal/],
    [Number.NaN, /finite/],
    [Number.POSITIVE_INFINITY, /finite/],
    [1000000000000, /exceeds 999999999999.99/],
    ['1000000000000', /exceeds 999999999999.99/],
    ['1000000000000.00', /exceeds/],
    [1e21, /exceeds/],
    [1e-7, /not a decimal/],
    [true, /number or a decimal string/],
    [null, /number or a decimal string/],
    [undefined, /number or a decimal string/],
    [{}, /number or a decimal string/],
    [[1], /number or a decimal string/],
  ])('rejects %p', (value, reason) => {
    const r = parseMoney(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('keeps reasons short for huge strings and does not backtrack on long digit runs', () => {
    const long = `${'0'.repeat(200_000)}x`;
    const started = Date.now();
    const r = parseMoney(long);
    expect(Date.now() - started).toBeLessThan(500);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(100);
  });
});

/** The specification of the number path: the shortest decimal form, read as a decimal string. */
function referenceCents(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(String(n));
  if (!m || m[1]!.length > 12) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

describe('parseMoney on numbers agrees with reading their shortest decimal form', () => {
  function check(n: number) {
    const r = parseMoney(n);
    const want = referenceCents(n);
    if ((r.ok ? r.cents : null) !== want) throw new Error(`${n}: got ${JSON.stringify(r)}, want ${want}`);
  }

  it('for every cent amount up to 10000.00 and around powers of ten', () => {
    for (let c = 0; c <= 1_000_000; c++) check(c / 100);
    for (let e = 0; e <= 14; e++) {
      const base = 10 ** e;
      for (let d = -200; d <= 200; d++) check((base + d) / 100);
    }
    for (let d = 0; d < 10_000; d++) check((99_999_999_999_999 - d) / 100);
  });

  it('for pseudo-random doubles, with and without 2 decimals', () => {
    let x = 123456789;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
    for (let i = 0; i < 200_000; i++) {
      const v = next() * 10 ** Math.floor(next() * 13);
      check(v);
      check(Math.round(v * 100) / 100);
      check(v + 0.001);
    }
  });
});

describe('formatCents', () => {
  it.each<[number | bigint, string]>([
    [0, '0.00'],
    [5, '0.05'],
    [1999, '19.99'],
    [MAX_AMOUNT_CENTS, '999999999999.99'],
    [-150, '-1.50'],
    [12345678901234567890n, '123456789012345678.90'],
  ])('formats %p as %p', (value, expected) => {
    expect(formatCents(value)).toBe(expected);
  });
});

describe('averageCents', () => {
  it('rounds half away from zero', () => {
    expect(averageCents(1001n, 2n)).toBe(501n); // 500.5 -> 501
    expect(averageCents(1000n, 3n)).toBe(333n); // 333.33 -> 333
    expect(averageCents(2000n, 3n)).toBe(667n); // 666.67 -> 667
    expect(averageCents(0n, 4n)).toBe(0n);
  });
  it('refuses a zero count and a negative total', () => {
    expect(() => averageCents(1n, 0n)).toThrow(RangeError);
    expect(() => averageCents(-1n, 1n)).toThrow(RangeError);
  });
});
