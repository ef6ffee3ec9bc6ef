import {
  type CampaignRecord,
  type CustomerRecord,
  type DecodeResult,
  decodeMessage,
  type ErasureRequest,
  type Fact,
  messageSubject,
  type ProductRecord,
  suppressionDecision,
} from '@cdp360/domain';
import type { Rejected, SourceMessage } from './source';
import { Counters } from './stats';

/** A decoded message with what it carries and its CloudEvents time. */
export interface Accepted<T> {
  message: SourceMessage;
  data: T;
  time: string;
  /** The CloudEvents id (kept for erasure requests, which are recorded by it). */
  eventId?: string;
}

/** A unit's messages decoded, with whose data each carries and the unit's erasure requests. */
export interface DecodedUnit {
  decoded: DecodeResult[];
  /** The customer each message is about, as far as it can be told (see messageSubject). */
  subjects: (number | null)[];
  erasures: Accepted<ErasureRequest>[];
}

/** Decodes every message of a unit once and picks out the erasure requests (pure). */
export function decodeUnit(messages: readonly SourceMessage[]): DecodedUnit {
  const decoded = messages.map((m) => decodeMessage(m.kind, m.key, m.value));
  const subjects = messages.map((m, i) => messageSubject(m.kind, m.key, decoded[i]!));
  const erasures: Accepted<ErasureRequest>[] = [];
  decoded.forEach((r, i) => {
    if (r.ok && r.event.data.kind === 'erasure_request') {
      erasures.push({
        message: messages[i]!,
        data: r.event.data,
        time: r.event.meta.time,
        eventId: r.event.meta.eventId,
      });
    }
  });
  return { decoded, subjects, erasures };
}

/** A unit's messages decoded and sorted by what they carry, before anything is written. */
export interface SortedUnit {
  /**
   * Dead-lettered, duplicate and suppressed messages counted so far (applied ones, erasure requests
   * included, are counted once written).
   */
  counters: Counters;
  rejected: Rejected[];
  customers: Accepted<CustomerRecord>[];
  products: Accepted<ProductRecord>[];
  campaigns: Accepted<CampaignRecord>[];
  /** Facts, the first copy of each business id in the unit (later copies are counted duplicates). */
  facts: Accepted<Fact>[];
}

const FACT_BUSINESS_ID: Record<Fact['kind'], (f: Fact) => string> = {
  purchase: (f) => (f as Extract<Fact, { kind: 'purchase' }>).transactionId,
  service_interaction: (f) => (f as Extract<Fact, { kind: 'service_interaction' }>).interactionId,
  campaign_response: (f) => (f as Extract<Fact, { kind: 'campaign_response' }>).responseId,
  web_session: (f) => (f as Extract<Fact, { kind: 'web_session' }>).sessionId,
};

/**
 * The first step of a unit, pure: decode every message (a reject keeps its stable code and reason
 * for the dead-letter topic), sort the rest into records and facts in arrival order, and drop repeats
 * of a fact's business id within the unit. Anything of a `suppressed` customer (an erased one), valid
 * or not, is only counted as suppressed; erasure requests are left to the caller (`unit.erasures`).
 */
export function sortUnit(
  messages: readonly SourceMessage[],
  unit: DecodedUnit = decodeUnit(messages),
  suppressed: ReadonlySet<number> = new Set(),
): SortedUnit {
  const out: SortedUnit = {
    counters: new Counters(),
    rejected: [],
    customers: [],
    products: [],
    campaigns: [],
    facts: [],
  };
  // Business ids seen in the unit, per fact kind (ids of different kinds may be equal).
  const seenFacts: Record<Fact['kind'], Set<string>> = {
    purchase: new Set(),
    service_interaction: new Set(),
    campaign_response: new Set(),
    web_session: new Set(),
  };
  messages.forEach((m, i) => {
    const r = unit.decoded[i]!;
    if (suppressionDecision(m.kind, r.ok, unit.subjects[i]!, suppressed) === 'suppressed') {
      out.counters.add(m.topic, 'suppressed');
      return;
    }
    if (!r.ok) {
      out.rejected.push({ message: m, code: r.code, reason: r.reason });
      out.counters.add(m.topic, 'deadLettered');
      return;
    }
    const { data, meta } = r.event;
    switch (data.kind) {
      case 'erasure_request':
        break; // recorded by the caller before the unit is sorted
      case 'customer':
        out.customers.push({ message: m, data, time: meta.time });
        break;
      case 'product':
        out.products.push({ message: m, data, time: meta.time });
        break;
      case 'campaign':
        out.campaigns.push({ message: m, data, time: meta.time });
        break;
      default: {
        // The first copy of a business id in the unit wins; later copies are duplicates.
        const id = FACT_BUSINESS_ID[data.kind](data);
        const seen = seenFacts[data.kind];
        if (seen.has(id)) {
          out.counters.add(m.topic, 'duplicate');
        } else {
          seen.add(id);
          out.facts.push({ message: m, data, time: meta.time });
        }
      }
    }
  });
  return out;
}
