import { INPUT_TOPICS, type InputKind } from '@cdp360/domain';

export interface TopicCounts {
  kind: InputKind;
  /** Messages produced to the topic: validFirst + duplicates + invalid. */
  messages: number;
  /** Valid messages that carry a fact or record version for the first time. */
  validFirst: number;
  /** Valid re-sends of a fact already sent (same business id, new CloudEvents id), later in the log. */
  duplicates: number;
  /** Messages with an `x-cdp-expect-invalid` header: each must be dead-lettered. */
  invalid: number;
  /** Invalid messages by reason code. */
  invalidReasons: Record<string, number>;
}

export interface Manifest {
  version: 1;
  /** The resolved options: with the seed they determine every byte of the output. */
  options: Record<string, number | string>;
  /** Per topic, keyed by the default (unprefixed) topic name. */
  topics: Record<string, TopicCounts>;
  totals: { messages: number; validFirst: number; duplicates: number; invalid: number };
  customers: {
    /** Customer ids are within this many ids (`idSpace`), `count` of them used. */
    count: number;
    withRecord: number;
    /** Customers with more than one record version (latest `time` wins). */
    multiVersion: number;
    /** Versions sent after a newer one but with an older `time`: they must lose. */
    staleVersions: number;
  };
  products: { catalog: number; publishedFirst: number; late: number; unknown: number; updates: number };
  campaigns: { total: number; published: number; unpublished: number };
}

export function emptyManifest(options: Record<string, number | string>): Manifest {
  const topics: Record<string, TopicCounts> = {};
  for (const t of INPUT_TOPICS) {
    topics[t.topic] = { kind: t.kind, messages: 0, validFirst: 0, duplicates: 0, invalid: 0, invalidReasons: {} };
  }
  return {
    version: 1,
    options,
    topics,
    totals: { messages: 0, validFirst: 0, duplicates: 0, invalid: 0 },
    customers: { count: 0, withRecord: 0, multiVersion: 0, staleVersions: 0 },
    products: { catalog: 0, publishedFirst: 0, late: 0, unknown: 0, updates: 0 },
    campaigns: { total: 0, published: 0, unpublished: 0 },
  };
}
