import {
  AGGREGATE_FIELDS,
  type CustomerProfileRecord,
  decodeAggregate,
  emptyProfileState,
  encodeAggregate,
  STATE_META_FIELDS as META,
  type ProfileState,
  STATE_FIELDS,
} from '@cdp360/domain';
import type { StoredProfile } from './aggregate-store';
import { watermarkField } from './keys';

/**
 * The customer's aggregate hash as the scripts return it, parsed and serialised from the one
 * declaration of its fields (AGGREGATE_FIELDS in @cdp360/domain). aggregate-state.test.ts checks the
 * Lua scripts against the same declaration.
 */

export type ReadReply = [string[], string[], number];

const BY_CODE = new Map(AGGREGATE_FIELDS.map((f) => [f.code, f]));
const WATERMARK_PREFIX_LENGTH = META.watermarkPrefix.length;

/** A stored profile from read-profile-3.lua's reply (the hash as a flat field/value list). */
export function parseProfile(customerId: number, reply: ReadReply): StoredProfile {
  const [aggFlat, productFlat, campaigns] = reply;
  const s = emptyProfileState(customerId);
  const watermarks = new Map<string, string>();
  let recordTime: string | null = null;
  let recordSeq: string | null = null;
  for (let i = 0; i < aggFlat.length; i += 2) {
    const f = aggFlat[i]!;
    const v = aggFlat[i + 1]!;
    const field = BY_CODE.get(f);
    if (field) decodeAggregate(s, field, v);
    else if (f === META.version) s.version = BigInt(v);
    else if (f === META.record) s.record = JSON.parse(v) as CustomerProfileRecord;
    else if (f === META.recordTime) recordTime = v;
    else if (f === META.recordSeq) recordSeq = v;
    else if (f.startsWith(META.watermarkPrefix)) watermarks.set(f.slice(WATERMARK_PREFIX_LENGTH), v);
  }
  readSideKeys(s, productFlat, campaigns);
  return { state: s, recordTime, recordSeq, watermarks };
}

const VERSION_AT = 0;
const RECORD_AT = STATE_FIELDS.length - 1;
/** Lines of apply-customers.lua's text before the product lines: outcomes, STATE_FIELDS, campaigns. */
const PRODUCTS_AT = 1 + STATE_FIELDS.length + 1;

/** A customer's reply from apply-customers.lua: the outcome code of each of its ops, and its state. */
export interface AppliedCustomer {
  /** One digit per op, in order: the APPLIED, ALREADY_APPLIED or RECORD_OUTRANKED code. */
  outcomes: string;
  state: ProfileState;
}

/**
 * Parses one customer's text from apply-customers.lua: the op outcomes, the values of STATE_FIELDS by
 * position (empty when absent), the number of distinct campaigns, then product id / count pairs, each
 * on its own line.
 */
export function parseAppliedCustomer(customerId: number, text: string): AppliedCustomer {
  // The head (outcomes, state fields, campaigns) line by line; the product lines, most of a long
  // history's text, are read in place without cutting them out (see readProductLines).
  const head: string[] = new Array(PRODUCTS_AT);
  let from = 0;
  let lines = 0;
  for (; lines < PRODUCTS_AT && from <= text.length; lines++) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    head[lines] = text.slice(from, end);
    from = end + 1;
  }
  const s = emptyProfileState(customerId);
  const productLines = lines === PRODUCTS_AT ? readProductLines(text, from, s.productLines) : 0;
  if (lines < PRODUCTS_AT || productLines % 2 !== 0) {
    throw new Error(`malformed state of customer ${customerId} from Redis (${lines + productLines} lines)`);
  }
  const at = (i: number) => {
    const v = head[1 + i]!;
    return v === '' ? null : v;
  };
  const version = at(VERSION_AT);
  if (version !== null) s.version = BigInt(version);
  for (let i = 0; i < AGGREGATE_FIELDS.length; i++) decodeAggregate(s, AGGREGATE_FIELDS[i]!, at(i + 1));
  const record = at(RECORD_AT);
  if (record !== null) s.record = JSON.parse(record) as CustomerProfileRecord;
  s.campaignsEngaged = Number(head[PRODUCTS_AT - 1]);
  return { outcomes: head[0]!, state: s };
}

/**
 * Reads the product id / count lines of `text` from `from` (past its end: none) into `into`, and
 * returns how many lines there were. Each line is read as `Number` reads it; a plain decimal one,
 * as the script writes them, without cutting it out of the text first.
 */
function readProductLines(text: string, from: number, into: Map<number, number>): number {
  if (from > text.length) return 0;
  let lines = 0;
  let id = 0;
  for (let start = from; ; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const v = decimalAt(text, start, end);
    if (lines % 2 === 0) id = v;
    else into.set(id, v);
    lines++;
    if (nl < 0) return lines;
    start = nl + 1;
  }
}

/** `Number(text.slice(start, end))`, computed in place for up to 15 plain digits. */
function decimalAt(text: string, start: number, end: number): number {
  if (end - start > 0 && end - start <= 15) {
    let n = 0;
    let i = start;
    for (; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === end) return n;
  }
  return Number(text.slice(start, end));
}

function readSideKeys(s: ProfileState, productFlat: readonly string[], campaigns: number): void {
  for (let i = 0; i < productFlat.length; i += 2) {
    s.productLines.set(Number(productFlat[i]), Number(productFlat[i + 1]));
  }
  s.campaignsEngaged = Number(campaigns);
}

/** The inverse of parseProfile, minus the campaign ids themselves (a rebuild passes those in). */
export function serializeProfile(p: StoredProfile): {
  agg: string[];
  products: string[];
  campaigns: string[];
} {
  const s = p.state;
  const agg: string[] = [META.version, s.version.toString()];
  for (const f of AGGREGATE_FIELDS) {
    const v = encodeAggregate(s, f);
    if (v !== null) agg.push(f.code, v);
  }
  if (s.record) {
    agg.push(META.record, JSON.stringify(s.record));
    if (p.recordTime !== null) agg.push(META.recordTime, p.recordTime);
    if (p.recordSeq !== null) agg.push(META.recordSeq, p.recordSeq);
  }
  for (const [stream, seq] of p.watermarks) agg.push(watermarkField(stream), seq);
  const products: string[] = [];
  for (const [id, n] of s.productLines) products.push(String(id), String(n));
  const campaigns = (p.campaignIds ?? []).map(String);
  return { agg, products, campaigns };
}
