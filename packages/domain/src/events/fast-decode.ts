/**
 * `fastDecodeEvent`: the valid case of the decoder without zod. It reads a parsed CloudEvent and
 * answers either "valid, here is the event" (exactly what the zod schemas of ./schemas would give) or
 * `undefined`, "not sure, ask zod". It never rejects: the zod schemas stay the source of truth and give
 * every reason. It checks the same rules with the same predicates (./fields, ../money, ../dates) and
 * builds nothing but the result, so the hot path does not allocate zod's intermediate objects, issue
 * arrays and the wire-shaped copy it then normalises.
 *
 * The property test in decode.property.test.ts holds it to zod: on every generated, mutated and
 * random input, `decodeMessage` (fast path first) and `decodeMessageByZod` give the same answer.
 */
import { parseDateLike, parseTimestamp } from '../dates';
import { parseMoney } from '../money';
import { INT4_MAX, isStorableText, textLengthFits } from './fields';
import { JSON_MEDIA_TYPE } from './schemas';
import type {
  CampaignRecord,
  CampaignResponse,
  CustomerRecord,
  DecodedEvent,
  ErasureRequest,
  InputKind,
  Payload,
  ProductRecord,
  Purchase,
  PurchaseItem,
  ServiceInteraction,
  WebSession,
} from './types';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `text(min, max)`: a string of min..max code points that Postgres text can store. */
function isText(v: unknown, min: number, max: number | undefined): v is string {
  return typeof v === 'string' && textLengthFits(v, min, max) && isStorableText(v);
}

/** `nullableText(max)`: absent, null or a storable string of at most max code points. */
function isNullableText(v: unknown, max: number | undefined): boolean {
  return v === undefined || v === null || isText(v, 0, max);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isId(v: unknown): v is number {
  return isInt(v, 1, INT4_MAX);
}

/** `date`: a date or timestamp, to its UTC `YYYY-MM-DD`; null when not one. */
function dateOf(v: unknown): string | null {
  return typeof v === 'string' ? parseDateLike(v) : null;
}

/** `money`: integer cents, or -1 when not money. */
function centsOf(v: unknown): number {
  if (typeof v !== 'number' && typeof v !== 'string') return -1;
  const r = parseMoney(v);
  return r.ok ? r.cents : -1;
}

function customer(d: Json): CustomerRecord | undefined {
  const { customer_id, first_name, last_name, email, phone_number, date_of_birth } = d;
  if (!isId(customer_id)) return undefined;
  if (!isNullableText(first_name, 256) || !isNullableText(last_name, 256)) return undefined;
  if (!isNullableText(email, 256) || !isNullableText(phone_number, 256)) return undefined;
  let dateOfBirth: string | null = null;
  if (date_of_birth !== undefined && date_of_birth !== null) {
    dateOfBirth = dateOf(date_of_birth);
    if (dateOfBirth === null) return undefined;
  }
  const registrationDate = dateOf(d.registration_date);
  if (registrationDate === null) return undefined;
  return {
    kind: 'customer',
    customerId: customer_id,
    firstName: (first_name as string | null | undefined) ?? null,
    lastName: (last_name as string | null | undefined) ?? null,
    email: (email as string | null | undefined) ?? null,
    phoneNumber: (phone_number as string | null | undefined) ?? null,
    dateOfBirth,
    registrationDate,
  };
}

function product(d: Json): ProductRecord | undefined {
  const { product_id, category, brand, name } = d;
  if (!isId(product_id) || !isText(category, 1, 128) || !isText(brand, 1, 128)) return undefined;
  if (!isNullableText(name, undefined)) return undefined;
  return { kind: 'product', productId: product_id, category, brand, name: (name as string | null | undefined) ?? null };
}

function campaign(d: Json): CampaignRecord | undefined {
  const { campaign_id, campaign_name, channel, start_date, end_date } = d;
  if (!isId(campaign_id) || !isText(campaign_name, 0, undefined) || !isNullableText(channel, undefined)) {
    return undefined;
  }
  let startDate: string | null = null;
  if (start_date !== undefined && start_date !== null) {
    startDate = dateOf(start_date);
    if (startDate === null) return undefined;
  }
  let endDate: string | null = null;
  if (end_date !== undefined && end_date !== null) {
    endDate = dateOf(end_date);
    if (endDate === null) return undefined;
  }
  return {
    kind: 'campaign',
    campaignId: campaign_id,
    campaignName: campaign_name,
    channel: (channel as string | null | undefined) ?? null,
    startDate,
    endDate,
  };
}

function purchase(d: Json): Purchase | undefined {
  const { transaction_id, customer_id, items: wire } = d;
  if (!isText(transaction_id, 1, 128) || !isId(customer_id)) return undefined;
  const purchaseDate = dateOf(d.purchase_date);
  if (purchaseDate === null) return undefined;
  const totalCents = centsOf(d.total_amount);
  if (totalCents < 0) return undefined;
  if (!Array.isArray(wire) || wire.length < 1 || wire.length > 500) return undefined;
  const items = new Array<PurchaseItem>(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const it: unknown = wire[i];
    if (!isObject(it)) return undefined;
    const { product_id, quantity, amount } = it;
    if (!isId(product_id) || !isInt(quantity, 1, INT4_MAX)) return undefined;
    let amountCents: number | null = null;
    if (amount !== undefined && amount !== null) {
      amountCents = centsOf(amount);
      if (amountCents < 0) return undefined;
    }
    items[i] = { productId: product_id, quantity, amountCents };
  }
  return { kind: 'purchase', transactionId: transaction_id, customerId: customer_id, purchaseDate, totalCents, items };
}

function serviceInteraction(d: Json): ServiceInteraction | undefined {
  const { interaction_id, customer_id, satisfaction_score, resolution_status } = d;
  if (!isText(interaction_id, 1, 128) || !isId(customer_id) || !isText(resolution_status, 1, 32)) return undefined;
  if (satisfaction_score !== undefined && satisfaction_score !== null && !isInt(satisfaction_score, 1, 5)) {
    return undefined;
  }
  const interactionDate = dateOf(d.interaction_date);
  if (interactionDate === null) return undefined;
  return {
    kind: 'service_interaction',
    interactionId: interaction_id,
    customerId: customer_id,
    interactionDate,
    satisfactionScore: (satisfaction_score as number | null | undefined) ?? null,
    resolutionStatus: resolution_status,
  };
}

function campaignResponse(d: Json): CampaignResponse | undefined {
  const { response_id, customer_id, campaign_id, response_type } = d;
  if (!isText(response_id, 1, 128) || !isId(customer_id) || !isId(campaign_id) || !isText(response_type, 1, 32)) {
    return undefined;
  }
  const responseDate = dateOf(d.response_date);
  if (responseDate === null) return undefined;
  return {
    kind: 'campaign_response',
    responseId: response_id,
    customerId: customer_id,
    campaignId: campaign_id,
    responseType: response_type,
    responseDate,
  };
}

function webSession(d: Json): WebSession | undefined {
  const { session_id, customer_id, pages_viewed, time_spent } = d;
  if (!isText(session_id, 1, 128) || !isId(customer_id) || !isInt(pages_viewed, 0, INT4_MAX)) return undefined;
  if (typeof time_spent !== 'number' || !Number.isFinite(time_spent) || !(time_spent >= 0)) return undefined;
  const visitDate = dateOf(d.visit_date);
  if (visitDate === null) return undefined;
  return {
    kind: 'web_session',
    sessionId: session_id,
    customerId: customer_id,
    visitDate,
    pagesViewed: pages_viewed,
    timeSpent: time_spent,
  };
}

function erasureRequest(d: Json): ErasureRequest | undefined {
  const { customer_id, reason, requested_by } = d;
  if (!isId(customer_id) || !isNullableText(reason, 256) || !isNullableText(requested_by, 128)) return undefined;
  return {
    kind: 'erasure_request',
    customerId: customer_id,
    reason: (reason as string | null | undefined) ?? null,
    requestedBy: (requested_by as string | null | undefined) ?? null,
  };
}

function payloadOf(kind: InputKind, d: Json): Payload | undefined {
  switch (kind) {
    case 'customer':
      return customer(d);
    case 'product':
      return product(d);
    case 'campaign':
      return campaign(d);
    case 'purchase':
      return purchase(d);
    case 'service_interaction':
      return serviceInteraction(d);
    case 'campaign_response':
      return campaignResponse(d);
    case 'web_session':
      return webSession(d);
    case 'erasure_request':
      return erasureRequest(d);
  }
}

/**
 * The event a parsed CloudEvent of the topic of `kind` (whose CloudEvents type is `type`) decodes to,
 * or `undefined` when this path is not sure it is valid (zod then decides, and says why).
 */
export function fastDecodeEvent(kind: InputKind, type: string, json: Json): DecodedEvent | undefined {
  const { specversion, id, source, time, datacontenttype, data } = json;
  if (specversion !== '1.0' || json.type !== type || !isObject(data)) return undefined;
  if (typeof id !== 'string' || !textLengthFits(id, 1, 128)) return undefined;
  if (typeof source !== 'string' || source.length === 0 || typeof time !== 'string') return undefined;
  if (
    datacontenttype !== undefined &&
    (typeof datacontenttype !== 'string' || !JSON_MEDIA_TYPE.test(datacontenttype))
  ) {
    return undefined;
  }
  const ts = parseTimestamp(time);
  if (ts === null) return undefined;
  const payload = payloadOf(kind, data);
  if (payload === undefined) return undefined;
  return { meta: { eventId: id, source, time: ts.sortable }, data: payload };
}
