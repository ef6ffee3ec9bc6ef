/**
 * Money is carried as integer cents from the wire to Redis and as a decimal string to Postgres
 * `numeric`, so no binary floating point ever touches an amount.
 */

/** Largest accepted amount: 999999999999.99, in cents. Fits a JS number exactly (< 2^53). */
export const MAX_AMOUNT_CENTS = 99_999_999_999_999;

// The decimal string grammar: digits, then optionally a point and one or two digits. Leading zeros
// ("007.50") are accepted: the contract asks for a decimal string, and the value is unambiguous.
// (Parsing is done by hand in centsOfDecimal; this is for reasons and documentation.)
const DECIMAL = /^[0-9]+(?:\.[0-9]{1,2})?$/;

/** The amount as quoted in a reason, cut short so that a huge string cannot bloat a log line. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export type MoneyResult = { ok: true; cents: number } | { ok: false; reason: string };

/**
 * Cents of a decimal string (digits, optionally a point and 1 or 2 digits, leading zeros allowed),
 * or -1 when it is not one or exceeds the maximum. Integer arithmetic on at most 14 digits: exact.
 */
function centsOfDecimal(text: string): number {
  const n = text.length;
  let i = 0;
  let whole = 0;
  let significant = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (significant > 0 || c !== 0) {
      if (++significant > 12) return -1;
    }
    whole = whole * 10 + c;
  }
  if (i === 0) return -1;
  if (i === n) return whole * 100;
  if (text.charCodeAt(i) !== 46 || n - i < 2 || n - i > 3) return -1;
  let frac = 0;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j) - 48;
    if (c < 0 || c > 9) return -1;
    frac = frac * 10 + c;
  }
  return whole * 100 + (n - i === 2 ? frac * 10 : frac);
}

/**
 * Parses a wire amount: a JSON number or a decimal string with at most two decimals,
 * 0 <= amount <= 999999999999.99. A JSON number is read through its shortest round-trip decimal
 * form (what `String(n)` prints), which is the literal the producer wrote for any amount with
 * at most 17 significant digits. (Digits beyond what a double holds are lost in JSON.parse before
 * this runs: 19.999999999999999 arrives as 20.)
 */
export function parseMoney(value: unknown): MoneyResult {
  if (typeof value === 'number') {
    // Fast path, exact by construction: c / 100 === value holds exactly when the decimal c/100 reads
    // back as this double, i.e. when the number's shortest decimal form has at most 2 decimals.
    if (value >= 0 && value <= MAX_AMOUNT) {
      const c = Math.round(value * 100);
      if (c / 100 === value) return { ok: true, cents: c === 0 ? 0 : c };
    }
    return rejectNumber(value);
  }
  if (typeof value === 'string') {
    const c = centsOfDecimal(value);
    if (c >= 0) return { ok: true, cents: c };
    return rejectText(value);
  }
  return { ok: false, reason: 'amount must be a number or a decimal string' };
}

const MAX_AMOUNT = 999_999_999_999.99;

function rejectNumber(value: number): MoneyResult {
  if (!Number.isFinite(value)) return { ok: false, reason: 'amount must be a finite number' };
  if (value > MAX_AMOUNT) return { ok: false, reason: `amount ${String(value)} exceeds 999999999999.99` };
  return rejectText(String(value));
}

function rejectText(text: string): MoneyResult {
  if (text.startsWith('-')) return { ok: false, reason: `amount ${quote(text)} is negative` };
  if (DECIMAL.test(text)) return { ok: false, reason: `amount ${quote(text)} exceeds 999999999999.99` };
  return { ok: false, reason: `amount ${quote(text)} is not a decimal with at most 2 decimals` };
}

/** Formats integer cents (number or bigint) as a decimal string with two decimals: 12345 -> "123.45". */
export function formatCents(cents: number | bigint): string {
  const c = BigInt(cents);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** total / count rounded to whole cents, half away from zero (count > 0, total >= 0). */
export function averageCents(totalCents: bigint, count: bigint): bigint {
  if (count <= 0n) throw new RangeError('averageCents needs a positive count');
  if (totalCents < 0n) throw new RangeError('averageCents needs a non-negative total');
  return (2n * totalCents + count) / (2n * count);
}
