/**
 * zod builders for the field rules of the event contract (docs EVENTS.md). Each builder validates,
 * normalises (money to cents, dates to UTC `YYYY-MM-DD`) and carries one rule text that becomes both
 * the rejection reason ("must be <rule> (got <value>)") and the JSON Schema annotations.
 *
 * Everything here is built once at module load; nothing allocates closures per message.
 */
import { z } from 'zod';
import { parseDateLike, parseTimestamp } from '../dates';
import { parseMoney } from '../money';

/** Largest Postgres `integer`; ids, quantities and page counts are stored in such columns. */
export const INT4_MAX = 2_147_483_647;

/**
 * JSON Schema annotations and keywords that zod cannot derive from a check it does not understand
 * (code-point lengths, money, calendar dates). Kept apart from zod's global registry so that other
 * users of zod in the process are unaffected.
 */
export const jsonSchemaMeta = z.registry<Record<string, unknown>>();

type RawIssue = z.core.$ZodRawIssue;

/** How an offending value is shown in a reason. Strings are never echoed: they may be personal data. */
function describeValue(input: unknown, echo: boolean): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return `an array of ${input.length}`;
  switch (typeof input) {
    case 'string':
      if (!echo) return input.length === 0 ? 'an empty string' : `a string of ${codePointLength(input)} characters`;
      return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
    case 'number':
    case 'boolean':
      return echo ? String(input) : typeof input;
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

/** A zod error map stating `rule`, naming a missing field as such. */
export function ruleError(rule: string, echo = true): z.core.$ZodErrorMap {
  return (iss: RawIssue) =>
    iss.input === undefined ? `is required (${rule})` : `must be ${rule} (got ${describeValue(iss.input, echo)})`;
}

/** Unicode code points: what "characters" means in the contract, JSON Schema and Postgres. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// U+0000, or a UTF-16 surrogate without its partner (reachable through "\ud800" JSON escapes).
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what must be found
const NOT_STORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface TextRule {
  min: number;
  max: number | undefined;
  /**
   * The value is stored in a Postgres `text` column, which cannot hold U+0000; an unpaired surrogate
   * would silently become U+FFFD on the way (so two distinct business ids could collide). Both are
   * therefore rejected: a limit needed to fit Postgres, not one of the contract.
   */
  storable: boolean;
  message: string;
}

/** Whether `v` has min..max code points (max undefined: no upper bound); the rule of `text`. */
export function textLengthFits(v: string, min: number, max: number | undefined): boolean {
  // UTF-16 length >= code points, so the count is only needed when the cheap test fails.
  return v.length >= min && (max === undefined || v.length <= max || codePointLength(v) <= max);
}

/** Whether a Postgres `text` column can hold `v` unchanged (no U+0000, no unpaired surrogate). */
export function isStorableText(v: string): boolean {
  return !NOT_STORABLE.test(v);
}

function checkText(payload: z.core.ParsePayload<string>, rule: TextRule): void {
  const v = payload.value;
  if (!textLengthFits(v, rule.min, rule.max)) {
    payload.issues.push({ code: 'custom', message: rule.message.replace('%', describeValue(v, false)), input: v });
    return;
  }
  if (rule.storable && !isStorableText(v)) {
    payload.issues.push({
      code: 'custom',
      message: 'must not contain U+0000 or unpaired UTF-16 surrogates (they cannot be stored in Postgres text)',
      input: v,
    });
  }
}

function lengthRule(min: number, max: number | undefined): string {
  if (max === undefined) return min > 0 ? `a non-empty string` : 'a string';
  return min > 0 ? `a string of ${min}..${max} characters` : `a string of at most ${max} characters`;
}

/** A string of min..max Unicode characters (max undefined: unbounded). */
export function text(min: number, max: number | undefined, storable = true, orNullRule = false): z.ZodString {
  const rule = lengthRule(min, max) + (orNullRule ? ' or null' : '');
  const textRule: TextRule = { min, max, storable, message: `must be ${rule} (got %)` };
  const schema = z.string({ error: ruleError(rule, false) }).check((payload) => checkText(payload, textRule));
  const meta: Record<string, unknown> = {};
  if (min > 0) meta.minLength = min;
  if (max !== undefined) meta.maxLength = max;
  jsonSchemaMeta.add(schema, meta);
  return schema;
}

/** A string of at most `max` characters, or null, or absent (absent reads as null). */
export function nullableText(max: number | undefined) {
  return text(0, max, true, true).nullable().optional();
}

/** An integer min..max. */
export function integer(min: number, max: number, rule = `an integer in ${min}..${max}`): z.ZodInt {
  return z
    .int({ error: ruleError(rule) })
    .min(min)
    .max(max);
}

/** An id: integer 1..2147483647. */
export const id = integer(1, INT4_MAX);

function toCents(value: number | string, ctx: z.core.ParsePayload<number | string>): number {
  const r = parseMoney(value);
  if (r.ok) return r.cents;
  ctx.issues.push({ code: 'custom', message: `must be money: ${r.reason}`, input: value });
  return z.NEVER;
}

const MONEY_RULE = 'money: a JSON number or a decimal string with at most 2 decimals, 0..999999999999.99';

/** Money: number or decimal string, at most 2 decimals, 0..999999999999.99, to integer cents. */
export const money = z.union([z.number(), z.string()], { error: ruleError(MONEY_RULE) }).transform(toCents);
jsonSchemaMeta.add(money, {
  description:
    `Money: a JSON number or a decimal string with at most 2 decimals, 0 <= amount <= 999999999999.99, read ` +
    'exactly as integer cents. JSON Schema cannot express "at most 2 decimals" for a number nor the maximum for ' +
    'a string; the decoder checks both.',
  anyOf: [
    { type: 'number', minimum: 0, maximum: 999_999_999_999.99 },
    { type: 'string', pattern: '^[0-9]+(\\.[0-9]{1,2})?$' },
  ],
});

const DATE_RULE = 'a real calendar date YYYY-MM-DD or an RFC 3339 timestamp';
const TIMESTAMP_PATTERN =
  '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})';

function dateIssue(value: string, echo: boolean): RawIssue {
  const got = describeValue(value, echo);
  return { code: 'custom', message: `must be ${DATE_RULE} (got ${got})`, input: value };
}

function toDate(value: string, ctx: z.core.ParsePayload<string>): string {
  const d = parseDateLike(value);
  if (d !== null) return d;
  ctx.issues.push(dateIssue(value, true));
  return z.NEVER;
}

function toPrivateDate(value: string, ctx: z.core.ParsePayload<string>): string {
  const d = parseDateLike(value);
  if (d !== null) return d;
  ctx.issues.push(dateIssue(value, false));
  return z.NEVER;
}

function dateSchema(echo: boolean) {
  const schema = z.string({ error: ruleError(DATE_RULE, echo) }).transform(echo ? toDate : toPrivateDate);
  jsonSchemaMeta.add(schema, {
    description:
      'A date YYYY-MM-DD, or an RFC 3339 timestamp which counts as its UTC date. JSON Schema cannot check that ' +
      'the date exists in the calendar (2023-02-29 matches the pattern); the decoder does.',
    pattern: `^[0-9]{4}-[0-9]{2}-[0-9]{2}$|^${TIMESTAMP_PATTERN}$`,
  });
  return schema;
}

/** A date or timestamp, normalised to its UTC `YYYY-MM-DD`. */
export const date = dateSchema(true);
/** The same, never echoing the value in a reason (a date of birth is personal data). */
export const privateDate = dateSchema(false);

const TIMESTAMP_RULE = 'an RFC 3339 timestamp with a time zone';

function toSortable(value: string, ctx: z.core.ParsePayload<string>): string {
  const t = parseTimestamp(value);
  if (t !== null) return t.sortable;
  ctx.issues.push({
    code: 'custom',
    message: `must be ${TIMESTAMP_RULE}, naming a real instant (got ${describeValue(value, true)})`,
    input: value,
  });
  return z.NEVER;
}

/** An RFC 3339 timestamp, normalised to the fixed-width sortable UTC form of `parseTimestamp`. */
export const timestamp = z.string({ error: ruleError(TIMESTAMP_RULE) }).transform(toSortable);
jsonSchemaMeta.add(timestamp, {
  description:
    'An RFC 3339 timestamp with a time zone (Z or an offset). JSON Schema cannot check that the date exists in ' +
    'the calendar; the decoder does.',
  pattern: `^${TIMESTAMP_PATTERN}$`,
});

/** `undefined` (an absent optional field) becomes `null`, the normalised form of "no value". */
export function orNull<T>(v: T | null | undefined): T | null {
  return v === undefined ? null : v;
}
