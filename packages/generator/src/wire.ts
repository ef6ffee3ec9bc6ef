import type { InputKind } from '@cdp360/domain';
import { fromEpochDay } from '@cdp360/domain';

export const DAY_MS = 86_400_000;

/** One message as a producer sends it: `value` is the CloudEvent JSON text (a Buffer only when it is not UTF-8). */
export interface WireMessage {
  /** Which input topic the message goes to. */
  kind: InputKind;
  /** The Kafka key / Pub/Sub ordering key; null when the producer sent none. */
  key: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Header carried by every deliberately invalid message; its value says what is wrong. */
export const EXPECT_INVALID_HEADER = 'x-cdp-expect-invalid';

/** CloudEvents Kafka protocol binding, structured mode. */
export const CONTENT_TYPE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/cloudevents+json; charset=UTF-8',
});

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const PAD2 = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

// Messages come in time order, so the date part of consecutive timestamps is nearly always the same.
let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD` of an instant (UTC). */
export function utcDateOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = fromEpochDay(day);
  }
  return cachedDate;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` of an instant (what toISOString gives, for years 1000..9999, faster). */
export function utcTimestamp(ms: number): string {
  const date = utcDateOf(ms);
  let r = ms - cachedDay * DAY_MS;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return `${date}T${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
}

/**
 * The same instant written in a local offset (minutes east of UTC), e.g. `2026-03-04T19:30:00.000-05:00`
 * for 00:30Z on the 5th: its local date differs from its UTC date, which is what consumers must use.
 */
export function offsetTimestamp(ms: number, offsetMinutes: number): string {
  const local = utcTimestamp(ms + offsetMinutes * 60_000).slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** Money as a producer might write it: a JSON number, or a decimal string with two (or fewer) decimals. */
export function moneyValue(cents: number, asString: boolean, trimmed: boolean): number | string {
  if (!asString) return cents / 100; // exact shortest form: JSON.stringify prints e.g. 123.4 for 12340
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  if (trimmed && frac === 0) return String(whole);
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/**
 * A CloudEvents 1.0 structured-mode envelope around already-serialised `data`. The attributes are
 * ASCII we control, so plain concatenation is safe and avoids re-serialising the payload (duplicates
 * re-wrap the original `data` text).
 */
export function envelope(id: string, source: string, type: string, time: string, dataJson: string): string {
  return `{"specversion":"1.0","id":"${id}","source":"${source}","type":"${type}","time":"${time}","datacontenttype":"application/json","data":${dataJson}}`;
}
