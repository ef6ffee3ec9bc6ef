/**
 * Calendar dates are plain `YYYY-MM-DD` strings (UTC); arithmetic goes through epoch days so that
 * no local time zone or DST can shift a result.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time: date "T" time, optional fraction of any length (RFC 3339 sets no limit; digits
// past the nanosecond are dropped), then Z or a numeric offset. A space separator is also accepted
// (RFC 3339 section 5.6 note).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

const MS_PER_DAY = 86_400_000;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function validYmd(y: number, m: number, d: number): boolean {
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, by arithmetic (H. Hinnant's days_from_civil).
 * `Date.UTC` cannot be used: it maps years 0..99 to 1900..1999.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Epoch days of 0001-01-01 and 9999-12-31: the range a fixed-width `YYYY-MM-DD` can name. */
const MIN_EPOCH_DAY = daysFromCivil(1, 1, 1);
const MAX_EPOCH_DAY = daysFromCivil(9999, 12, 31);

/** Days since 1970-01-01 of a valid `YYYY-MM-DD` (read by position; the pattern says what is not one). */
export function epochDay(date: string): number {
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = digitsAt(date, 0, 4);
    const mo = digitsAt(date, 5, 2);
    const d = digitsAt(date, 8, 2);
    if (y >= 0 && mo >= 0 && d >= 0) return daysFromCivil(y, mo, d);
  }
  return epochDayByPattern(date);
}

/** epochDay by the pattern alone: the reference the positional reading is tested against. */
export function epochDayByPattern(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `YYYY-MM-DD` of an epoch day. */
export function fromEpochDay(day: number): string {
  const d = new Date(day * MS_PER_DAY);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** b - a in days. */
export function daysBetween(a: string, b: string): number {
  return epochDay(b) - epochDay(a);
}

export function addDays(date: string, days: number): string {
  return fromEpochDay(epochDay(date) + days);
}

/** Today's UTC date for a clock reading. */
export function utcDate(now: Date): string {
  return fromEpochDay(Math.floor(now.getTime() / MS_PER_DAY));
}

/**
 * Completed years from `birth` to `asOf`. A Feb 29 birthday completes on Mar 1 in non-leap years,
 * which falls out of comparing (month, day) pairs. Negative when asOf precedes birth.
 */
export function completedYears(birth: string, asOf: string): number {
  // Both are YYYY-MM-DD: month and day compare as the number MMDD.
  const by = +birth.slice(0, 4);
  const ay = +asOf.slice(0, 4);
  const before = +(asOf.slice(5, 7) + asOf.slice(8, 10)) < +(birth.slice(5, 7) + birth.slice(8, 10));
  return ay - by - (before ? 1 : 0);
}

export interface ParsedTimestamp {
  /** The UTC calendar date of the instant. */
  date: string;
  /** Milliseconds since the epoch (sub-millisecond digits dropped). */
  epochMs: number;
  /**
   * A fixed-width UTC form, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, whose string order is time order at
   * full nanosecond precision; used for latest-wins comparisons.
   */
  sortable: string;
}

/**
 * Parses an RFC 3339 date-time with any offset. Returns null when it is not one, names no real
 * instant, or its UTC date falls outside 0001-01-01..9999-12-31 (the fixed-width forms below could
 * not express it, and Postgres `date` has no year 0).
 */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  return parseUtcTimestamp(text) ?? parseTimestampByPattern(text);
}

/** The digits text[from..from+len) as a number, or -1 when one of them is not an ASCII digit. */
function digitsAt(text: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common form, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with an upper-case T and Z and no leap second,
 * read by position without a regular expression (no match array, no substrings): the same result
 * as parseTimestampByPattern, or undefined for anything else (which then goes there).
 */
function parseUtcTimestamp(text: string): ParsedTimestamp | null | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  if (n > 20 && (n === 21 || text.charCodeAt(19) !== 46 || digitsAt(text, 20, Math.min(n - 21, 9)) < 0))
    return undefined;
  if (n > 30 && digitsAt(text, 29, n - 30) < 0) return undefined; // digits past the nanosecond
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const h = digitsAt(text, 11, 2);
  const mi = digitsAt(text, 14, 2);
  const sec = digitsAt(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  if (sec === 60) return undefined; // a leap second: the general path folds it
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || sec > 60) return null;
  const nanos =
    n === 20 ? '000000000' : n === 30 ? text.slice(20, 29) : text.slice(20, Math.min(n - 1, 29)).padEnd(9, '0');
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
  const day = Math.floor(seconds / 86_400);
  if (day < MIN_EPOCH_DAY || day > MAX_EPOCH_DAY) return null;
  const date = text.slice(0, 10);
  const epochMs = seconds * 1000 + Math.floor(+nanos / 1e6);
  const sortable = n === 30 ? text : `${date}T${text.slice(11, 19)}.${nanos}Z`;
  return { date, epochMs, sortable };
}

/** parseTimestamp by the RFC 3339 pattern alone: the reference the positional reading is tested against. */
export function parseTimestampByPattern(text: string): ParsedTimestamp | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  const h = +m[4]!;
  const mi = +m[5]!;
  const s = +m[6]!;
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 60) return null;
  const fraction = m[7];
  let offsetMin = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = +zone.slice(1, 3);
    const om = +zone.slice(4, 6);
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone.charCodeAt(0) === 45 ? -1 : 1) * (oh * 60 + om);
  }
  // A leap second (:60) is folded onto :59.999999999 of the same minute, keeping order.
  const leap = s === 60;
  const nanos = leap ? '999999999' : fraction === undefined ? '000000000' : fraction.slice(0, 9).padEnd(9, '0');
  // Whole seconds since the epoch by arithmetic (Date.UTC would misread years 0..99).
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + (leap ? 59 : s) - offsetMin * 60;
  const day = Math.floor(seconds / 86_400);
  if (day < MIN_EPOCH_DAY || day > MAX_EPOCH_DAY) return null;
  const secOfDay = seconds - day * 86_400;
  const epochMs = seconds * 1000 + Math.floor(+nanos / 1e6);
  // Without an offset the UTC date and time are the text's own digits.
  const date = offsetMin === 0 ? `${m[1]}-${m[2]}-${m[3]}` : fromEpochDay(day);
  const sortable =
    offsetMin === 0 && !leap
      ? `${date}T${m[4]}:${m[5]}:${m[6]}.${nanos}Z`
      : `${date}T${pad2(Math.floor(secOfDay / 3600))}:${pad2(Math.floor(secOfDay / 60) % 60)}:${pad2(secOfDay % 60)}.${nanos}Z`;
  return { date, epochMs, sortable };
}

/**
 * Accepts `YYYY-MM-DD` (a real calendar date) or an RFC 3339 date-time, which counts as its UTC date.
 * Returns null for anything else.
 */
export function parseDateLike(text: string): string | null {
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const y = digitsAt(text, 0, 4);
    const mo = digitsAt(text, 5, 2);
    const d = digitsAt(text, 8, 2);
    if (y >= 0 && mo >= 0 && d >= 0) return validYmd(y, mo, d) ? text : null;
  }
  const m = DATE.exec(text);
  if (m) return validYmd(+m[1]!, +m[2]!, +m[3]!) ? text : null;
  return parseTimestamp(text)?.date ?? null;
}

/** parseDateLike by the patterns alone: the reference the positional reading is tested against. */
export function parseDateLikeByPattern(text: string): string | null {
  const m = DATE.exec(text);
  if (m) return validYmd(+m[1]!, +m[2]!, +m[3]!) ? text : null;
  return parseTimestampByPattern(text)?.date ?? null;
}
