/**
 * Money is carried as integer cents from the wire to Redis and as a decimal string to Postgres
 * `numeric`, so no binary floating point ever touches an amount.
 */

/** Largest accepted amount: 999999999999.99, in cents. Fits a JS number exactly (< 2^53). */
export const MAX_AMOUNT_CENTS = 99_999_999_999_999;

// Digits, then optionally a point and one or two digits. Leading zeros ("007.50") are accepted: the
// contract asks for a decimal string, and the value is unambiguous.
const DECIMAL = /^([0-9]+)(?:\.([0-9]{1,2}))?$/;

/** The amount as quoted in a reason, cut short so that a huge string cannot bloat a log line. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export type MoneyResult = { ok: true; cents: number } | { ok: false; reason: string };

/**
 * Parses a wire amount: a JSON number or a decimal string with at most two decimals,
 * 0 <= amount <= 999999999999.99. A JSON number is read through its shortest round-trip decimal
 * form (what `String(n)` prints), which is the literal the producer wrote for any amount with
 * at most 17 significant digits.
 */
export function parseMoney(value: unknown): MoneyResult {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'amount must be a finite number' };
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return { ok: false, reason: 'amount must be a number or a decimal string' };
  }
  const m = DECIMAL.exec(text);
  if (!m) {
    if (/^-/.test(text)) return { ok: false, reason: `amount ${quote(text)} is negative` };
    if (typeof value === 'number' && value > 999_999_999_999.99) {
      return { ok: false, reason: `amount ${text} exceeds 999999999999.99` };
    }
    return { ok: false, reason: `amount ${quote(text)} is not a decimal with at most 2 decimals` };
  }
  let whole = m[1]!;
  let zeros = 0;
  while (zeros < whole.length - 1 && whole.charCodeAt(zeros) === 48) zeros++;
  if (zeros > 0) whole = whole.slice(zeros);
  if (whole.length > 12) return { ok: false, reason: `amount ${quote(text)} exceeds 999999999999.99` };
  const frac = (m[2] ?? '').padEnd(2, '0');
  return { ok: true, cents: Number(whole) * 100 + Number(frac) };
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
