/** Per-topic outcome counters: every consumed message ends in exactly one of these. */
export interface TopicCounts {
  applied: number;
  duplicate: number;
  deadLettered: number;
  /** Messages of an erased (suppressed) customer: neither applied nor dead-lettered. */
  suppressed: number;
}

export class Counters {
  readonly byTopic = new Map<string, TopicCounts>();

  add(topic: string, outcome: keyof TopicCounts, n = 1): void {
    let c = this.byTopic.get(topic);
    if (!c) {
      c = { applied: 0, duplicate: 0, deadLettered: 0, suppressed: 0 };
      this.byTopic.set(topic, c);
    }
    c[outcome] += n;
  }

  merge(other: Counters): void {
    for (const [topic, c] of other.byTopic) {
      this.add(topic, 'applied', c.applied);
      this.add(topic, 'duplicate', c.duplicate);
      this.add(topic, 'deadLettered', c.deadLettered);
      this.add(topic, 'suppressed', c.suppressed);
    }
  }

  totals(): TopicCounts & { messages: number } {
    const t = { applied: 0, duplicate: 0, deadLettered: 0, suppressed: 0, messages: 0 };
    for (const c of this.byTopic.values()) {
      t.applied += c.applied;
      t.duplicate += c.duplicate;
      t.deadLettered += c.deadLettered;
      t.suppressed += c.suppressed;
    }
    t.messages = t.applied + t.duplicate + t.deadLettered + t.suppressed;
    return t;
  }

  toJSON(): Record<string, TopicCounts> {
    return Object.fromEntries([...this.byTopic].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
