/**
 * The v1 event contract as zod schemas: the CloudEvents 1.0 envelope (JSON structured mode) and one
 * payload schema per input topic. Payload schemas validate the wire form (snake_case) and output the
 * normalised types of ./types. Unknown envelope attributes and unknown data fields are dropped, not
 * rejected. These schemas are the single source of the JSON Schema files under schemas/events/.
 */
import { z } from 'zod';
import {
  date,
  INT4_MAX,
  id,
  integer,
  jsonSchemaMeta,
  money,
  nullableText,
  orNull,
  privateDate,
  ruleError,
  text,
  timestamp,
} from './fields';
import { inputTopic } from './topics';
import type {
  CampaignRecord,
  CampaignResponse,
  CustomerRecord,
  ErasureRequest,
  InputKind,
  Payload,
  ProductRecord,
  Purchase,
  ServiceInteraction,
  WebSession,
} from './types';

const OBJECT_RULE = 'a JSON object';

function object<S extends z.core.$ZodLooseShape>(shape: S, description: string) {
  const schema = z.object(shape, { error: ruleError(OBJECT_RULE) });
  jsonSchemaMeta.add(schema, { description });
  return schema;
}

// ---- envelope ----

// `type/subtype` where the subtype is `json` or ends in `+json`, optionally with parameters; media
// types are case-insensitive, spelt out without the `i` flag so the JSON Schema pattern agrees.
export const JSON_MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/(?:[A-Za-z0-9!#$&^_.+-]+\+)?[Jj][Ss][Oo][Nn][ \t]*(?:;.*)?$/;
const JSON_MEDIA_RULE = 'a JSON media type (application/json or */*+json)';
const dataContentType = z
  .string({ error: ruleError(JSON_MEDIA_RULE) })
  .regex(JSON_MEDIA_TYPE, { error: ruleError(JSON_MEDIA_RULE) });

/** Envelope attributes shared by every event; `type` and `data` are added per topic. */
const envelopeShape = {
  specversion: z.literal('1.0', { error: ruleError('"1.0" (CloudEvents 1.0)') }),
  // The event id and source go to no Postgres column, so only the contract's lengths apply.
  id: text(1, 128, false),
  source: text(1, undefined, false),
  time: timestamp,
  datacontenttype: dataContentType.optional(),
};

function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The envelope as checked on the hot path: `type` is compared with the topic's, `data` parsed after. */
export const envelopeSchema = z.object(
  {
    ...envelopeShape,
    type: text(1, undefined, false),
    data: z.custom<Record<string, unknown>>(isJsonObject, { error: ruleError(OBJECT_RULE) }),
  },
  { error: ruleError(OBJECT_RULE) },
);

export type Envelope = z.output<typeof envelopeSchema>;

// ---- payloads: wire shapes ----

const personalText = nullableText(256);

const customerWire = object(
  {
    customer_id: id,
    first_name: personalText,
    last_name: personalText,
    email: personalText,
    phone_number: personalText,
    date_of_birth: privateDate.nullable().optional(),
    registration_date: date,
  },
  'A customer record; the one with the latest CloudEvents time wins. Nullable fields may also be absent.',
);

const productWire = object(
  {
    product_id: id,
    category: text(1, 128),
    brand: text(1, 128),
    name: nullableText(undefined),
  },
  'A product catalog entry; the one with the latest CloudEvents time wins.',
);

const campaignWire = object(
  {
    campaign_id: id,
    campaign_name: text(0, undefined),
    channel: nullableText(undefined),
    start_date: date.nullable().optional(),
    end_date: date.nullable().optional(),
  },
  'A marketing campaign; the one with the latest CloudEvents time wins.',
);

const businessId = text(1, 128);

const ITEMS_RULE = 'an array of 1..500 items';
const purchaseItemWire = object(
  {
    product_id: id,
    // The contract says >= 1; the upper bound is the Postgres integer column's.
    quantity: integer(1, INT4_MAX, `an integer >= 1 (at most ${INT4_MAX}, the Postgres integer maximum)`),
    amount: money.nullable().optional(),
  },
  'One line item of an order.',
);

const purchaseWire = object(
  {
    transaction_id: businessId,
    customer_id: id,
    purchase_date: date,
    total_amount: money,
    items: z
      .array(purchaseItemWire, { error: ruleError(ITEMS_RULE) })
      .min(1)
      .max(500),
  },
  'One order (transaction) with its line items; counted once per transaction_id.',
);

const serviceInteractionWire = object(
  {
    interaction_id: businessId,
    customer_id: id,
    interaction_date: date,
    satisfaction_score: integer(1, 5, 'an integer in 1..5 or null').nullable().optional(),
    resolution_status: text(1, 32),
  },
  'One customer-service interaction; counted once per interaction_id.',
);

const campaignResponseWire = object(
  {
    response_id: businessId,
    customer_id: id,
    campaign_id: id,
    response_type: text(1, 32),
    response_date: date,
  },
  'One response to a campaign; counted once per response_id.',
);

const webSessionWire = object(
  {
    session_id: businessId,
    customer_id: id,
    visit_date: date,
    // The contract says >= 0; the upper bound is the Postgres integer column's.
    pages_viewed: integer(0, INT4_MAX, `an integer >= 0 (at most ${INT4_MAX}, the Postgres integer maximum)`),
    time_spent: z.number({ error: ruleError('a finite number of seconds >= 0') }).min(0),
  },
  'One website session; counted once per session_id.',
);

const erasureRequestWire = object(
  {
    customer_id: id,
    reason: nullableText(256),
    requested_by: nullableText(128),
  },
  'A request to erase a customer (facts, record, aggregates, profile row) and suppress their later events; applied once per CloudEvents id.',
);

// ---- payloads: normalisation (module-level functions, no per-message closures) ----

function toCustomer(d: z.output<typeof customerWire>): CustomerRecord {
  return {
    kind: 'customer',
    customerId: d.customer_id,
    firstName: orNull(d.first_name),
    lastName: orNull(d.last_name),
    email: orNull(d.email),
    phoneNumber: orNull(d.phone_number),
    dateOfBirth: orNull(d.date_of_birth),
    registrationDate: d.registration_date,
  };
}

function toProduct(d: z.output<typeof productWire>): ProductRecord {
  return { kind: 'product', productId: d.product_id, category: d.category, brand: d.brand, name: orNull(d.name) };
}

function toCampaign(d: z.output<typeof campaignWire>): CampaignRecord {
  return {
    kind: 'campaign',
    campaignId: d.campaign_id,
    campaignName: d.campaign_name,
    channel: orNull(d.channel),
    startDate: orNull(d.start_date),
    endDate: orNull(d.end_date),
  };
}

function toPurchase(d: z.output<typeof purchaseWire>): Purchase {
  const items = new Array(d.items.length);
  for (let i = 0; i < d.items.length; i++) {
    const it = d.items[i]!;
    items[i] = { productId: it.product_id, quantity: it.quantity, amountCents: orNull(it.amount) };
  }
  return {
    kind: 'purchase',
    transactionId: d.transaction_id,
    customerId: d.customer_id,
    purchaseDate: d.purchase_date,
    totalCents: d.total_amount,
    items,
  };
}

function toServiceInteraction(d: z.output<typeof serviceInteractionWire>): ServiceInteraction {
  return {
    kind: 'service_interaction',
    interactionId: d.interaction_id,
    customerId: d.customer_id,
    interactionDate: d.interaction_date,
    satisfactionScore: orNull(d.satisfaction_score),
    resolutionStatus: d.resolution_status,
  };
}

function toCampaignResponse(d: z.output<typeof campaignResponseWire>): CampaignResponse {
  return {
    kind: 'campaign_response',
    responseId: d.response_id,
    customerId: d.customer_id,
    campaignId: d.campaign_id,
    responseType: d.response_type,
    responseDate: d.response_date,
  };
}

function toWebSession(d: z.output<typeof webSessionWire>): WebSession {
  return {
    kind: 'web_session',
    sessionId: d.session_id,
    customerId: d.customer_id,
    visitDate: d.visit_date,
    pagesViewed: d.pages_viewed,
    timeSpent: d.time_spent,
  };
}

function toErasureRequest(d: z.output<typeof erasureRequestWire>): ErasureRequest {
  return {
    kind: 'erasure_request',
    customerId: d.customer_id,
    reason: orNull(d.reason),
    requestedBy: orNull(d.requested_by),
  };
}

/** The wire (snake_case) payload schema of each input kind, before normalisation. */
export const PAYLOAD_WIRE_SCHEMAS = {
  customer: customerWire,
  product: productWire,
  campaign: campaignWire,
  purchase: purchaseWire,
  service_interaction: serviceInteractionWire,
  campaign_response: campaignResponseWire,
  web_session: webSessionWire,
  erasure_request: erasureRequestWire,
} as const satisfies Record<InputKind, z.ZodType>;

/** Payload schemas of each input kind: wire JSON in, normalised payload out. */
export const PAYLOAD_SCHEMAS: { [K in InputKind]: z.ZodType<Extract<Payload, { kind: K }>, unknown> } = {
  customer: customerWire.transform(toCustomer),
  product: productWire.transform(toProduct),
  campaign: campaignWire.transform(toCampaign),
  purchase: purchaseWire.transform(toPurchase),
  service_interaction: serviceInteractionWire.transform(toServiceInteraction),
  campaign_response: campaignResponseWire.transform(toCampaignResponse),
  web_session: webSessionWire.transform(toWebSession),
  erasure_request: erasureRequestWire.transform(toErasureRequest),
};

/**
 * The full CloudEvent of a topic (envelope, the topic's `type` and its wire payload), as published in
 * the JSON Schema files. The decoder checks the same rules in steps so that it can tell a wrong
 * `type` from a bad payload.
 */
export function cloudEventSchema(kind: InputKind) {
  return z.object({ ...envelopeShape, type: z.literal(inputTopic(kind).type), data: PAYLOAD_WIRE_SCHEMAS[kind] });
}
