/**
 * `decodeMessage`: one transport message (key, value bytes) of an input topic to a validated,
 * normalised event, or a stable code and a human-readable reason for the dead-letter topic.
 * Runs once per message on the hot path: schemas are built at module load and the success path
 * allocates little beyond the result.
 */
import type { z } from 'zod';
import { fastDecodeEvent } from './fast-decode';
import { envelopeSchema, PAYLOAD_SCHEMAS } from './schemas';
import { INPUT_TOPICS } from './topics';
import type { DecodeErrorCode, DecodeResult, InputKind, Payload } from './types';

/** Every code a failed decode can carry; branch on these, never on the reason text. */
export const DECODE_ERROR_CODES = [
  'missing_value',
  'invalid_utf8',
  'invalid_json',
  'invalid_envelope',
  'wrong_type',
  'invalid_payload',
  'missing_key',
  'key_mismatch',
] as const satisfies readonly DecodeErrorCode[];

interface TopicRule {
  kind: InputKind;
  type: string;
  keyField: string;
  schema: z.ZodType<Payload, unknown>;
}

const RULES = new Map<InputKind, TopicRule>(
  INPUT_TOPICS.map((t) => [
    t.kind,
    { kind: t.kind, type: t.type, keyField: t.keyField, schema: PAYLOAD_SCHEMAS[t.kind] },
  ]),
);

/** The id a message must be keyed by, as a number, read from the normalised payload. */
function keyId(p: Payload): number {
  switch (p.kind) {
    case 'product':
      return p.productId;
    case 'campaign':
      return p.campaignId;
    default:
      return p.customerId;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const MAX_REASONS = 3;

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? 'value' : out;
}

/** "path: message" for the first few distinct issues. */
function formatIssues(prefix: string, issues: readonly z.core.$ZodIssue[]): string {
  const seen = new Set<string>();
  for (const iss of issues) {
    seen.add(`${formatPath(prefix, iss.path)}: ${iss.message}`);
  }
  const all = [...seen];
  const shown = all.slice(0, MAX_REASONS).join('; ');
  return all.length > MAX_REASONS ? `${shown}; and ${all.length - MAX_REASONS} more` : shown;
}

function fail(code: DecodeErrorCode, reason: string): DecodeResult {
  return { ok: false, code, reason };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * Decodes a message of the input topic of `kind`: UTF-8, JSON, CloudEvents envelope, `type` of the
 * topic, payload rules, and finally the key, which must be the payload's key field as a decimal string.
 * A valid event is read by the allocation-lean fast path (./fast-decode); whatever it is not sure of
 * goes through the zod schemas, which give the reasons.
 */
export function decodeMessage(kind: InputKind, key: Buffer | string | null, value: Buffer | null): DecodeResult {
  return decode(kind, key, value, true);
}

/**
 * The same answer by the zod schemas alone, without the fast path: the reference the fast path is
 * tested against (decodeMessage and this must agree on every input).
 */
export function decodeMessageByZod(kind: InputKind, key: Buffer | string | null, value: Buffer | null): DecodeResult {
  return decode(kind, key, value, false);
}

function decode(kind: InputKind, key: Buffer | string | null, value: Buffer | null, fast: boolean): DecodeResult {
  const rule = RULES.get(kind);
  if (rule === undefined) throw new RangeError(`unknown input kind ${kind}`);
  if (value === null) return fail('missing_value', 'value is missing (null, a tombstone); expected a CloudEvent');

  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return fail('invalid_utf8', 'value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('invalid_json', `value is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('invalid_envelope', `value must be a JSON object (a CloudEvent), got ${describeJson(json)}`);
  }

  let event = fast ? fastDecodeEvent(kind, rule.type, json as Record<string, unknown>) : undefined;
  if (event === undefined) {
    const env = envelopeSchema.safeParse(json);
    if (!env.success) return fail('invalid_envelope', formatIssues('', env.error.issues));
    const e = env.data;
    if (e.type !== rule.type) {
      return fail('wrong_type', `type ${quote(e.type)} is not allowed on the ${kind} topic (expected "${rule.type}")`);
    }
    const payload = rule.schema.safeParse(e.data);
    if (!payload.success) return fail('invalid_payload', formatIssues('data', payload.error.issues));
    event = { meta: { eventId: e.id, source: e.source, time: e.time }, data: payload.data };
  }
  const data = event.data;

  const want = keyId(data);
  if (key === null || key.length === 0) {
    return fail('missing_key', `key is missing; expected "${want}" (data.${rule.keyField})`);
  }
  const k = typeof key === 'string' ? key : key.toString('utf8');
  if (k !== String(want)) return fail('key_mismatch', `key ${quote(k)} does not match data.${rule.keyField} ${want}`);

  return { ok: true, event };
}
