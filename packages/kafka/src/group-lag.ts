import type { Admin } from 'kafkajs';

export interface GroupLag {
  /** Messages not yet committed by the group, over all partitions of the topics. */
  lag: number;
  partitions: { topic: string; partition: number; committed: string; high: string; low: string }[];
}

/**
 * How far the group's committed offsets are behind the partitions' high watermarks. A partition
 * whose messages are all gone (low = high) counts as drained whatever was committed.
 */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<GroupLag> {
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((t) => admin.fetchTopicOffsets(t)),
  ]);
  const committedOf = new Map<string, string>();
  for (const t of committed) for (const p of t.partitions) committedOf.set(`${t.topic}/${p.partition}`, p.offset);
  let lag = 0;
  const partitions: GroupLag['partitions'] = [];
  topics.forEach((topic, i) => {
    for (const p of ends[i]!) {
      const c = committedOf.get(`${topic}/${p.partition}`) ?? '-1';
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      const from = BigInt(c) < 0n ? low : BigInt(c);
      const behind = high > from ? Number(high - from) : 0;
      lag += behind;
      partitions.push({ topic, partition: p.partition, committed: c, high: p.high, low: p.low });
    }
  });
  return { lag, partitions };
}
