import type { ProfileState } from './state';

/**
 * The per-customer aggregate state, declared once. Each counter or date of `ProfileState` is a field
 * of the customer's Redis hash (`code`, kept short: the hash exists once per customer), folded there
 * by a Lua fragment of @cdp360/redis, and recomputed from the durable facts by a column of the
 * rebuild query of @cdp360/postgres (`column`). The Redis parse and serialise, the rebuild and the
 * unit tests that read the Lua scripts and the SQL as text are driven by this list, so adding an
 * aggregate is: an entry here, its fold in Lua, its column in the rebuild SQL (docs/architecture.md).
 */

/** How a field's text in Redis (and its column in the rebuild query) becomes the state's value. */
export type AggregateCodec =
  /** A count or sum kept as a JS number: HINCRBY / HINCRBYFLOAT text, absent = 0. */
  | 'number'
  /** An exact integer that may pass 2^53 (money in cents): HINCRBY text, absent = 0n. */
  | 'bigint'
  /** The latest `YYYY-MM-DD` date seen (kept by cdp_max_date), absent = null. */
  | 'date';

type KeysOfType<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T];

/** The state properties an aggregate field holds, by codec. */
export type NumberStateKey = KeysOfType<ProfileState, number>;
export type BigintStateKey = KeysOfType<ProfileState, bigint>;
export type DateStateKey = KeysOfType<ProfileState, string | null>;

export type AggregateField =
  | {
      code: string;
      state: Exclude<NumberStateKey, 'customerId' | 'campaignsEngaged'>;
      codec: 'number';
      column: string;
      meaning: string;
    }
  | { code: string; state: Exclude<BigintStateKey, 'version'>; codec: 'bigint'; column: string; meaning: string }
  | { code: string; state: DateStateKey; codec: 'date'; column: string; meaning: string };

/** The folded aggregates, in the order apply-customers.lua returns them (after `v`, before `p`). */
export const AGGREGATE_FIELDS: readonly AggregateField[] = [
  { code: 'po', state: 'orders', codec: 'number', column: 'orders', meaning: 'purchases applied' },
  {
    code: 'pv',
    state: 'lifetimeValueCents',
    codec: 'bigint',
    column: 'ltv_cents',
    meaning: 'sum of purchase totals, cents',
  },
  { code: 'pl', state: 'lastPurchaseDate', codec: 'date', column: 'last_purchase', meaning: 'latest purchase date' },
  { code: 'si', state: 'interactions', codec: 'number', column: 'interactions', meaning: 'service interactions' },
  {
    code: 'ss',
    state: 'satisfactionSum',
    codec: 'number',
    column: 'sat_sum',
    meaning: 'sum of satisfaction scores given',
  },
  {
    code: 'sn',
    state: 'satisfactionCount',
    codec: 'number',
    column: 'sat_count',
    meaning: 'interactions with a satisfaction score',
  },
  { code: 'sr', state: 'resolvedInteractions', codec: 'number', column: 'resolved', meaning: 'interactions resolved' },
  { code: 'rc', state: 'responses', codec: 'number', column: 'responses', meaning: 'campaign responses' },
  {
    code: 'rv',
    state: 'conversions',
    codec: 'number',
    column: 'conversions',
    meaning: 'responses that were conversions',
  },
  { code: 'wc', state: 'sessions', codec: 'number', column: 'sessions', meaning: 'web sessions' },
  { code: 'wp', state: 'pagesViewedSum', codec: 'number', column: 'pages_sum', meaning: 'sum of pages viewed' },
  {
    code: 'wt',
    state: 'timeSpentSum',
    codec: 'number',
    column: 'time_sum',
    meaning: 'sum of time spent, seconds (HINCRBYFLOAT)',
  },
  { code: 'wl', state: 'lastVisitDate', codec: 'date', column: 'last_visit', meaning: 'latest visit date' },
];

/**
 * The other fields of the aggregate hash, which are not folded counters: the state version, the
 * winning customer record and its rank, and one watermark per source stream (`o:<stream>`). The
 * product line counts and the distinct campaigns live in keys of their own (RedisKeys).
 */
export const STATE_META_FIELDS = {
  /** State version: bumped by every applied fact, starting from the epoch's base (keys.ts). */
  version: 'v',
  /** The winning customer record, as JSON. */
  record: 'p',
  /** Sortable CloudEvents time of the winning record (latest wins). */
  recordTime: 'pt',
  /** Log order of the winning record, for ties on time. */
  recordSeq: 'ps',
  /** Prefix of the per-stream watermark fields: `o:<stream>` = highest sequence applied. */
  watermarkPrefix: 'o:',
} as const;

/** Every field apply-customers.lua returns, in order: version, the aggregates, the record. */
export const STATE_FIELDS: readonly string[] = [
  STATE_META_FIELDS.version,
  ...AGGREGATE_FIELDS.map((f) => f.code),
  STATE_META_FIELDS.record,
];

/**
 * Sets `field`'s value on `state` from its stored text, or from its column of the rebuild query (pg
 * gives counts as numbers); null or undefined: absent, left at the empty state's value.
 */
export function decodeAggregate(
  state: ProfileState,
  field: AggregateField,
  text: string | number | null | undefined,
): void {
  if (text == null) return;
  switch (field.codec) {
    case 'number':
      state[field.state] = Number(text);
      break;
    case 'bigint':
      state[field.state] = BigInt(text);
      break;
    case 'date':
      state[field.state] = String(text);
      break;
  }
}

/** The stored text of `field` on `state`, or null when it is empty (zero or no date: not stored). */
export function encodeAggregate(state: ProfileState, field: AggregateField): string | null {
  const v = state[field.state];
  if (v === null || v === 0 || v === 0n) return null;
  return String(v);
}
