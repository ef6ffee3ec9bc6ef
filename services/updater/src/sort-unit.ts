import { type CampaignRecord, type CustomerRecord, decodeMessage, type Fact, type ProductRecord } from '@cdp360/domain';
import type { Rejected, SourceMessage } from './source';
import { Counters } from './stats';

/** A decoded message with what it carries and its CloudEvents time. */
export interface Accepted<T> {
  message: SourceMessage;
  data: T;
  time: string;
}

/** A unit's messages decoded and sorted by what they carry, before anything is written. */
export interface SortedUnit {
  /** Dead-lettered and duplicate messages counted so far (applied ones are counted once written). */
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
 * of a fact's business id within the unit.
 */
export function sortUnit(messages: readonly SourceMessage[]): SortedUnit {
  const out: SortedUnit = {
    counters: new Counters(),
    rejected: [],
    customers: [],
    products: [],
    campaigns: [],
    facts: [],
  };
  const seenFacts = new Set<string>();
  for (const m of messages) {
    const r = decodeMessage(m.kind, m.key, m.value);
    if (!r.ok) {
      out.rejected.push({ message: m, code: r.code, reason: r.reason });
      out.counters.add(m.topic, 'deadLettered');
      continue;
    }
    const { data, meta } = r.event;
    switch (data.kind) {
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
        const id = `${data.kind}\u0000${FACT_BUSINESS_ID[data.kind](data)}`;
        if (seenFacts.has(id)) {
          out.counters.add(m.topic, 'duplicate');
        } else {
          seenFacts.add(id);
          out.facts.push({ message: m, data, time: meta.time });
        }
      }
    }
  }
  return out;
}
