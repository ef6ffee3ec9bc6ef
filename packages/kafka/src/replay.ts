import type { ReplayTarget } from '@cdp360/domain';
import type { Admin, Kafka } from 'kafkajs';

export { parseReplayTarget, type ReplayTarget } from '@cdp360/domain';

export interface PartitionMove {
  topic: string;
  partition: number;
  /** The group's committed offset now ('-1' when it has none). */
  current: string;
  target: string;
}

export class ReplayRefusedError extends Error {
  readonly code = 'CDP_REPLAY_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'ReplayRefusedError';
  }
}

/** The committed and target offset of every partition of `topics` for the group. */
export async function planReplay(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  target: ReplayTarget,
): Promise<PartitionMove[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const current = new Map<string, string>();
  for (const t of committed) for (const p of t.partitions) current.set(`${t.topic}/${p.partition}`, p.offset);
  const moves: PartitionMove[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    let targets: Map<number, string>;
    switch (target.kind) {
      case 'earliest':
        targets = new Map(ends.map((e) => [e.partition, e.low]));
        break;
      case 'latest':
        targets = new Map(ends.map((e) => [e.partition, e.high]));
        break;
      case 'time': {
        // The first offset whose timestamp is at or after the time; the end when there is none.
        const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, target.epochMs);
        targets = new Map(
          byTime.map((e) => [
            e.partition,
            e.offset === '-1' ? ends.find((x) => x.partition === e.partition)!.high : e.offset,
          ]),
        );
        break;
      }
      case 'offsets': {
        targets = new Map();
        for (const o of target.offsets) {
          if (o.topic !== topic) continue;
          const end = ends.find((e) => e.partition === o.partition);
          if (!end) throw new RangeError(`${topic} has no partition ${o.partition}`);
          if (BigInt(o.offset) < BigInt(end.low) || BigInt(o.offset) > BigInt(end.high)) {
            throw new RangeError(
              `${topic}:${o.partition}:${o.offset} is outside the partition's offsets ${end.low}..${end.high}`,
            );
          }
          targets.set(o.partition, o.offset);
        }
        break;
      }
    }
    for (const e of ends) {
      const t = targets.get(e.partition);
      if (t === undefined) continue;
      moves.push({ topic, partition: e.partition, current: current.get(`${topic}/${e.partition}`) ?? '-1', target: t });
    }
  }
  if (target.kind === 'offsets') {
    for (const o of target.offsets) {
      if (!topics.includes(o.topic)) throw new RangeError(`${o.topic} is not one of the replayed topics`);
    }
  }
  return moves;
}

/**
 * Moves the group's committed offsets; refuses while the group has live members. A short-lived member
 * joins the group once for all topics, seeks every partition (each seek commits) and leaves; the
 * committed offsets are then read back and checked. (kafkajs's admin.setOffsets does the same one
 * topic at a time, a group join each.)
 */
export async function applyReplay(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  moves: readonly PartitionMove[],
): Promise<void> {
  if (moves.length === 0) return;
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  if (g && g.members.length > 0) {
    throw new ReplayRefusedError(
      `consumer group ${groupId} has ${g.members.length} live member(s) (state ${g.state}); stop its updaters first`,
    );
  }
  const topics = [...new Set(moves.map((m) => m.topic))];
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer.run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: async () => {} }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const m of moves) consumer.seek({ topic: m.topic, partition: m.partition, offset: m.target });
    });
  } finally {
    await consumer.disconnect();
  }
  const committed = await admin.fetchOffsets({ groupId, topics });
  const now = new Map<string, string>();
  for (const t of committed) for (const p of t.partitions) now.set(`${t.topic}/${p.partition}`, p.offset);
  const wrong = moves.filter((m) => now.get(`${m.topic}/${m.partition}`) !== m.target);
  if (wrong.length > 0) {
    throw new Error(
      `the group's offsets did not all move: ${wrong.map((m) => `${m.topic}:${m.partition} is at ${now.get(`${m.topic}/${m.partition}`)}, wanted ${m.target}`).join('; ')}`,
    );
  }
}
