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
  const lines = text.split('\n');
  if (lines.length < PRODUCTS_AT || (lines.length - PRODUCTS_AT) % 2 !== 0) {
    throw new Error(`malformed state of customer ${customerId} from Redis (${lines.length} lines)`);
  }
  const s = emptyProfileState(customerId);
  const at = (i: number) => {
    const v = lines[1 + i]!;
    return v === '' ? null : v;
  };
  const version = at(VERSION_AT);
  if (version !== null) s.version = BigInt(version);
  for (let i = 0; i < AGGREGATE_FIELDS.length; i++) decodeAggregate(s, AGGREGATE_FIELDS[i]!, at(i + 1));
  const record = at(RECORD_AT);
  if (record !== null) s.record = JSON.parse(record) as CustomerProfileRecord;
  s.campaignsEngaged = Number(lines[PRODUCTS_AT - 1]);
  for (let i = PRODUCTS_AT; i < lines.length; i += 2) s.productLines.set(Number(lines[i]), Number(lines[i + 1]));
  return { outcomes: lines[0]!, state: s };
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
