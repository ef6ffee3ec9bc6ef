import type { InputKind } from './types';

export interface InputTopic {
  kind: InputKind;
  /** Default topic name (Kafka topic = Pub/Sub topic id). */
  topic: string;
  /** CloudEvents `type` required on this topic. */
  type: string;
  /** Payload field whose value, as a decimal string, must equal the message key. */
  keyField: string;
}

/** The input topics of the v1 event contract, reference topics first, the erasure requests last. */
export const INPUT_TOPICS: readonly InputTopic[] = [
  { kind: 'customer', topic: 'cdp.customers.v1', type: 'cdp.customer.v1', keyField: 'customer_id' },
  { kind: 'product', topic: 'cdp.products.v1', type: 'cdp.product.v1', keyField: 'product_id' },
  { kind: 'campaign', topic: 'cdp.campaigns.v1', type: 'cdp.campaign.v1', keyField: 'campaign_id' },
  { kind: 'purchase', topic: 'cdp.purchases.v1', type: 'cdp.purchase.v1', keyField: 'customer_id' },
  {
    kind: 'service_interaction',
    topic: 'cdp.service-interactions.v1',
    type: 'cdp.service_interaction.v1',
    keyField: 'customer_id',
  },
  {
    kind: 'campaign_response',
    topic: 'cdp.campaign-responses.v1',
    type: 'cdp.campaign_response.v1',
    keyField: 'customer_id',
  },
  { kind: 'web_session', topic: 'cdp.web-sessions.v1', type: 'cdp.web_session.v1', keyField: 'customer_id' },
  {
    kind: 'erasure_request',
    topic: 'cdp.erasure-requests.v1',
    type: 'cdp.erasure_request.v1',
    keyField: 'customer_id',
  },
];

export const OUTPUT_TOPICS = {
  profileTriggers: 'cdp.profile-triggers.v1',
  deadLetter: 'cdp.dead-letter.v1',
} as const;

export const PROFILE_TRIGGER_TYPE = 'cdp.profile_trigger.v1';

export function inputTopic(kind: InputKind): InputTopic {
  const t = INPUT_TOPICS.find((x) => x.kind === kind);
  if (!t) throw new RangeError(`unknown input kind ${kind}`);
  return t;
}

/** Topic names with a deployment prefix (tests isolate themselves with a random one). */
export function topicNames(prefix = ''): {
  inputs: Record<InputKind, string>;
  profileTriggers: string;
  deadLetter: string;
} {
  const inputs = {} as Record<InputKind, string>;
  for (const t of INPUT_TOPICS) inputs[t.kind] = prefix + t.topic;
  return {
    inputs,
    profileTriggers: prefix + OUTPUT_TOPICS.profileTriggers,
    deadLetter: prefix + OUTPUT_TOPICS.deadLetter,
  };
}
