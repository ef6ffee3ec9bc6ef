/**
 * The per-customer aggregate state kept incrementally by the stream (in Redis) and rebuilt from the
 * durable facts when needed. Everything a customer_360 row needs, except the catalog (for favourites),
 * the as-of date (for date-dependent columns) and the CLV score (owned by the scoring job).
 */
export interface CustomerProfileRecord {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  dateOfBirth: string | null;
  registrationDate: string;
}

export interface ProfileState {
  customerId: number;
  /** Monotonic version of this state (see the Redis keys module); guards row upserts. */
  version: bigint;
  /** The winning customer record, or null while none has arrived. */
  record: CustomerProfileRecord | null;
  orders: number;
  lifetimeValueCents: bigint;
  lastPurchaseDate: string | null;
  /** Purchase line items per product id (all products, known to the catalog or not). */
  productLines: Map<number, number>;
  interactions: number;
  satisfactionSum: number;
  satisfactionCount: number;
  resolvedInteractions: number;
  responses: number;
  conversions: number;
  /** Distinct campaign ids among the customer's responses. */
  campaignsEngaged: number;
  sessions: number;
  pagesViewedSum: number;
  timeSpentSum: number;
  lastVisitDate: string | null;
}

export function emptyProfileState(customerId: number): ProfileState {
  return {
    customerId,
    version: 0n,
    record: null,
    orders: 0,
    lifetimeValueCents: 0n,
    lastPurchaseDate: null,
    productLines: new Map(),
    interactions: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    resolvedInteractions: 0,
    responses: 0,
    conversions: 0,
    campaignsEngaged: 0,
    sessions: 0,
    pagesViewedSum: 0,
    timeSpentSum: 0,
    lastVisitDate: null,
  };
}
