/**
 * The normalised, validated form of every input event. Wire payloads (snake_case, money as
 * number-or-string, dates-or-timestamps) are decoded into these by `decodeMessage`; everything
 * downstream works on these types only.
 *
 * Conventions: ids are integers 1..2147483647 (business ids of facts are strings 1..128 chars);
 * dates are `YYYY-MM-DD` UTC; money is integer cents; optional/nullable wire fields become `null`.
 */

export type ReferenceKind = 'customer' | 'product' | 'campaign';
export type FactKind = 'purchase' | 'service_interaction' | 'campaign_response' | 'web_session';
/** A request to erase a customer and suppress everything that arrives for them afterwards. */
export type RequestKind = 'erasure_request';
export type InputKind = ReferenceKind | FactKind | RequestKind;

/** From the CloudEvents envelope. */
export interface EventMeta {
  /** CloudEvents `id` (1..128 chars). */
  eventId: string;
  source: string;
  /**
   * CloudEvents `time` in the fixed-width sortable UTC form `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`
   * (see `parseTimestamp`): string order is time order. Used for latest-wins of reference records.
   */
  time: string;
}

export interface CustomerRecord {
  kind: 'customer';
  customerId: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  dateOfBirth: string | null;
  registrationDate: string;
}

export interface ProductRecord {
  kind: 'product';
  productId: number;
  category: string;
  brand: string;
  name: string | null;
}

export interface CampaignRecord {
  kind: 'campaign';
  campaignId: number;
  campaignName: string;
  channel: string | null;
  startDate: string | null;
  endDate: string | null;
}

export interface PurchaseItem {
  productId: number;
  quantity: number;
  amountCents: number | null;
}

export interface Purchase {
  kind: 'purchase';
  transactionId: string;
  customerId: number;
  purchaseDate: string;
  totalCents: number;
  items: PurchaseItem[];
}

export interface ServiceInteraction {
  kind: 'service_interaction';
  interactionId: string;
  customerId: number;
  interactionDate: string;
  satisfactionScore: number | null;
  resolutionStatus: string;
}

export interface CampaignResponse {
  kind: 'campaign_response';
  responseId: string;
  customerId: number;
  campaignId: number;
  responseType: string;
  responseDate: string;
}

export interface WebSession {
  kind: 'web_session';
  sessionId: string;
  customerId: number;
  visitDate: string;
  pagesViewed: number;
  /** Seconds, finite, >= 0. */
  timeSpent: number;
}

export interface ErasureRequest {
  kind: 'erasure_request';
  customerId: number;
  /** Why (free text, at most 256 characters; kept in the audit table, so no personal data). */
  reason: string | null;
  /** Who asked (a ticket, a system or an operator id, at most 128 characters). */
  requestedBy: string | null;
}

export type ReferenceRecord = CustomerRecord | ProductRecord | CampaignRecord;
export type Fact = Purchase | ServiceInteraction | CampaignResponse | WebSession;
export type Payload = ReferenceRecord | Fact | ErasureRequest;

export interface DecodedEvent<P extends Payload = Payload> {
  meta: EventMeta;
  data: P;
}

/** Why a message was rejected; stable, for metrics and branching (the reason text is for humans). */
export type DecodeErrorCode =
  | 'missing_value'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'invalid_envelope'
  | 'wrong_type'
  | 'invalid_payload'
  | 'missing_key'
  | 'key_mismatch';

export type DecodeResult = { ok: true; event: DecodedEvent } | { ok: false; code: DecodeErrorCode; reason: string };
