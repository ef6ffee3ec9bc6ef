import { completedYears, daysBetween } from '../dates';
import { averageCents, formatCents } from '../money';
import type { ProfileState } from './state';

/** Product attributes that favourites are computed from (an entry is replaced, never changed). */
export interface CatalogEntry {
  readonly category: string;
  readonly brand: string;
}

export type CatalogLookup = (productId: number) => CatalogEntry | undefined;

/**
 * One customer_360 row, with the table's column names and order. Money columns are decimal strings
 * ("1234.50") so they reach Postgres `numeric` exactly; dates are `YYYY-MM-DD`.
 */
export interface Customer360Row {
  customer_id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  date_of_birth: string | null;
  registration_date: string | null;
  age: number | null;
  customer_tenure_days: number | null;
  total_orders: number | null;
  total_lifetime_value: string | null;
  average_order_value: string | null;
  last_purchase_date: string | null;
  days_since_last_purchase: number | null;
  favorite_category: string | null;
  favorite_brand: string | null;
  total_interactions: number | null;
  avg_satisfaction_score: number | null;
  resolved_interactions: number | null;
  campaigns_engaged: number | null;
  campaign_conversions: number | null;
  total_sessions: number | null;
  avg_pages_per_session: number | null;
  avg_time_per_session: number | null;
  last_visit_date: string | null;
  customer_segment: CustomerSegment;
  churn_risk_score: number | null;
  customer_lifetime_value_score: number | null;
  engagement_score: number;
}

/** The 29 columns in table order. */
export const CUSTOMER_360_COLUMNS = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'phone_number',
  'date_of_birth',
  'registration_date',
  'age',
  'customer_tenure_days',
  'total_orders',
  'total_lifetime_value',
  'average_order_value',
  'last_purchase_date',
  'days_since_last_purchase',
  'favorite_category',
  'favorite_brand',
  'total_interactions',
  'avg_satisfaction_score',
  'resolved_interactions',
  'campaigns_engaged',
  'campaign_conversions',
  'total_sessions',
  'avg_pages_per_session',
  'avg_time_per_session',
  'last_visit_date',
  'customer_segment',
  'churn_risk_score',
  'customer_lifetime_value_score',
  'engagement_score',
] as const satisfies readonly (keyof Customer360Row)[];

export type CustomerSegment = 'High Value' | 'Medium Value' | 'Low Value';

const CENTS_5000 = 500_000n;
const CENTS_10000 = 1_000_000n;

/** > 10000.00 High, > 5000.00 Medium, else (no purchases included) Low. */
export function customerSegment(lifetimeValueCents: bigint | null): CustomerSegment {
  if (lifetimeValueCents === null) return 'Low Value';
  if (lifetimeValueCents > CENTS_10000) return 'High Value';
  if (lifetimeValueCents > CENTS_5000) return 'Medium Value';
  return 'Low Value';
}

/** 5 (> 365 days) .. 1 (<= 30 days); null for a customer who never purchased. */
export function churnRiskScore(daysSinceLastPurchase: number | null): number | null {
  if (daysSinceLastPurchase === null) return null;
  if (daysSinceLastPurchase > 365) return 5;
  if (daysSinceLastPurchase > 180) return 4;
  if (daysSinceLastPurchase > 90) return 3;
  if (daysSinceLastPurchase > 30) return 2;
  return 1;
}

/** Integer division of the three engagement counts, as the seed computes it. */
export function engagementScore(campaigns: number, sessions: number, interactions: number): number {
  return Math.floor((campaigns + sessions + interactions) / 3);
}

const utf8 = new TextEncoder();
/** Code units whose UTF-16 order differs from code point order: surrogates and U+E000..U+FFFF. */
const ABOVE_SURROGATES = /[\uD800-\uFFFF]/;

/** Byte-order (UTF-8, i.e. code point order) comparison, matching Postgres COLLATE "C". */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // Below U+D800 a code unit is its code point, so JavaScript's own string order is code point
  // order; only texts with surrogates or U+E000 and above need their UTF-8 bytes compared.
  if (!ABOVE_SURROGATES.test(a) && !ABOVE_SURROGATES.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

/**
 * A small number for each distinct (category, brand) pair, found once per catalog entry object (a
 * catalog's entries live long, and every row derivation asks for the pairs of all of a customer's
 * products), and the first entry seen with each pair. \u0000 cannot occur in Postgres text, so it
 * separates the pair's texts unambiguously in the key that finds a pair's number.
 */
const pairOfEntry = new WeakMap<CatalogEntry, number>();
const pairOfKey = new Map<string, number>();
const pairEntries: CatalogEntry[] = [];

function pairOf(entry: CatalogEntry): number {
  let pair = pairOfEntry.get(entry);
  if (pair === undefined) {
    const key = `${entry.category}\u0000${entry.brand}`;
    pair = pairOfKey.get(key);
    if (pair === undefined) {
      pair = pairEntries.length;
      pairOfKey.set(key, pair);
      pairEntries.push(entry);
    }
    pairOfEntry.set(entry, pair);
  }
  return pair;
}

/** Line items per pair number while favoritePair runs (zero outside it), and the pairs it touched. */
let linesOfPair = new Float64Array(256);
const touchedPairs: number[] = [];

/**
 * The (category, brand) pair with the most line items among products in the catalog; ties go to the
 * smallest pair in byte order. Null when no line item's product is in the catalog.
 */
export function favoritePair(productLines: ReadonlyMap<number, number>, catalog: CatalogLookup): CatalogEntry | null {
  let best = -1;
  try {
    for (const [productId, lines] of productLines) {
      if (lines <= 0) continue;
      const entry = catalog(productId);
      if (!entry) continue;
      const pair = pairOf(entry);
      if (pair >= linesOfPair.length) {
        const grown = new Float64Array(Math.max(pair + 1, linesOfPair.length * 2));
        grown.set(linesOfPair);
        linesOfPair = grown;
      }
      if (linesOfPair[pair] === 0) touchedPairs.push(pair);
      linesOfPair[pair]! += lines;
    }
    let bestLines = 0;
    for (const pair of touchedPairs) {
      const n = linesOfPair[pair]!;
      if (best < 0 || n > bestLines || (n === bestLines && comparePairs(pairEntries[pair]!, pairEntries[best]!) < 0)) {
        best = pair;
        bestLines = n;
      }
    }
  } finally {
    for (const pair of touchedPairs) linesOfPair[pair] = 0;
    touchedPairs.length = 0;
  }
  if (best < 0) return null;
  const e = pairEntries[best]!;
  return { category: e.category, brand: e.brand };
}

function comparePairs(a: CatalogEntry, b: CatalogEntry): number {
  return compareBytes(a.category, b.category) || compareBytes(a.brand, b.brand);
}

/**
 * Derives a customer's customer_360 row from its aggregate state for an as-of date. The CLV quintile
 * is not derivable from one customer; it is passed in (null until a scoring run or estimate).
 */
export function customer360Row(
  state: ProfileState,
  catalog: CatalogLookup,
  asOf: string,
  clvScore: number | null = null,
): Customer360Row {
  const r = state.record;
  const bought = state.orders > 0;
  const ltv = bought ? state.lifetimeValueCents : null;
  const daysSince = state.lastPurchaseDate === null ? null : daysBetween(state.lastPurchaseDate, asOf);
  const fav = favoritePair(state.productLines, catalog);
  const hasInteractions = state.interactions > 0;
  const hasResponses = state.responses > 0;
  const hasSessions = state.sessions > 0;
  return {
    customer_id: state.customerId,
    first_name: r?.firstName ?? null,
    last_name: r?.lastName ?? null,
    email: r?.email ?? null,
    phone_number: r?.phoneNumber ?? null,
    date_of_birth: r?.dateOfBirth ?? null,
    registration_date: r?.registrationDate ?? null,
    age: r?.dateOfBirth ? completedYears(r.dateOfBirth, asOf) : null,
    customer_tenure_days: r ? daysBetween(r.registrationDate, asOf) : null,
    total_orders: bought ? state.orders : null,
    total_lifetime_value: ltv === null ? null : formatCents(ltv),
    average_order_value: ltv === null ? null : formatCents(averageCents(ltv, BigInt(state.orders))),
    last_purchase_date: state.lastPurchaseDate,
    days_since_last_purchase: daysSince,
    favorite_category: fav?.category ?? null,
    favorite_brand: fav?.brand ?? null,
    total_interactions: hasInteractions ? state.interactions : null,
    avg_satisfaction_score: state.satisfactionCount > 0 ? state.satisfactionSum / state.satisfactionCount : null,
    resolved_interactions: hasInteractions ? state.resolvedInteractions : null,
    campaigns_engaged: hasResponses ? state.campaignsEngaged : null,
    campaign_conversions: hasResponses ? state.conversions : null,
    total_sessions: hasSessions ? state.sessions : null,
    avg_pages_per_session: hasSessions ? state.pagesViewedSum / state.sessions : null,
    avg_time_per_session: hasSessions ? state.timeSpentSum / state.sessions : null,
    last_visit_date: state.lastVisitDate,
    customer_segment: customerSegment(ltv),
    churn_risk_score: churnRiskScore(daysSince),
    customer_lifetime_value_score: clvScore,
    engagement_score: engagementScore(state.campaignsEngaged, state.sessions, state.interactions),
  };
}
