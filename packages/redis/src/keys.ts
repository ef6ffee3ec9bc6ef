/**
 * Every Redis key of the system is built here. All keys of one customer share the hash tag
 * `{c:<id>}`, so each per-customer script touches a single Redis Cluster slot.
 */
export interface CustomerKeys {
  /** Hash: counters, sums, max dates, the winning customer record, watermarks, version. */
  aggregate: string;
  /** Hash: product id -> purchase line items. */
  productLines: string;
  /** Set: campaign ids the customer responded to. */
  campaigns: string;
  /**
   * Sorted set: ids of the messages applied from sources without ordered offsets (Pub/Sub), scored by
   * publish time in microseconds, trimmed by age (see lua/_marker.lua).
   */
  markers: string;
}

export class RedisKeys {
  /**
   * @param namespace prefix of every key (tests isolate themselves with a random one); no braces, which
   * would replace the keys' Redis Cluster hash tags
   */
  constructor(readonly namespace = 'cdp:') {
    if (/[{}]/.test(namespace)) throw new Error(`Redis namespace ${JSON.stringify(namespace)} must not contain { or }`);
  }

  customer(customerId: number): CustomerKeys {
    const tag = `${this.namespace}{c:${customerId}}`;
    return { aggregate: tag, productLines: `${tag}:pl`, campaigns: `${tag}:cmp`, markers: `${tag}:seen` };
  }

  /**
   * The Redis epoch: present while Redis holds the state built since the last (re)build. Its absence
   * means Redis lost its data (restart without persistence, failover, FLUSHALL).
   */
  epoch(): string {
    return `${this.namespace}{meta}:epoch`;
  }

  /** Present while a rebuild is loading; a rebuild only publishes its epoch if this survived. */
  rebuilding(): string {
    return `${this.namespace}{meta}:rebuilding`;
  }

  /**
   * In a Redis Cluster, each master has its own epoch key, with a hash tag that lands in that master's
   * slots (see ShardLayout): a master that loses its data loses its epoch with it.
   */
  shardEpoch(tag: string): string {
    return `${this.namespace}{${tag}}:epoch`;
  }

  /** The rebuild marker of a cluster master (same slot as its epoch key). */
  shardRebuilding(tag: string): string {
    return `${this.namespace}{${tag}}:rebuilding`;
  }

  /** Pattern matching every key of the namespace (for tests and tooling, never on a hot path). */
  pattern(): string {
    return `${this.namespace}*`;
  }
}

/** Watermark field of a source stream in a customer's aggregate hash. */
export function watermarkField(stream: string): string {
  return `o:${stream}`;
}

/** Versions carry the epoch in their high bits so that a rebuilt state always outranks older rows. */
export function versionBase(epoch: number): bigint {
  return BigInt(epoch) << 32n;
}
