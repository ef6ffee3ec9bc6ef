import type { PubSub } from '@google-cloud/pubsub';
import { GRPC, grpcCode, subscriptionName } from './names';

export interface TopologyOptions {
  /** Topics the updater reads: each gets a subscription for the group. */
  inputTopics: readonly string[];
  /** Topics it writes (dead letters, triggers): created, no subscription. */
  outputTopics: readonly string[];
  /** Consumer group whose subscriptions to create; none: topics only. */
  groupId?: string;
  /** Ack deadline of created subscriptions, seconds (10..600); the client extends leases beyond it. */
  ackDeadlineSeconds?: number;
  /**
   * How long created subscriptions keep messages, acknowledged ones included (so they can be sought
   * back to a time), days (at most 7 for a subscription).
   */
  retentionDays?: number;
  /** Keep acknowledged messages for the retention (needed to seek back to a time); default true. */
  retainAckedMessages?: boolean;
  /** Deliver messages of one ordering key in order; default true. */
  messageOrdering?: boolean;
}

export interface TopologyResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the missing topics and, for a group, its subscriptions `<group>.<topic>` with message
 * ordering on, acknowledged messages retained and no expiry. Existing ones are left alone (a
 * subscription's ordering setting cannot be changed after creation). Idempotent.
 */
export async function ensureTopology(pubsub: PubSub, options: TopologyOptions): Promise<TopologyResult> {
  const result: TopologyResult = { created: [], existing: [] };
  const note = (name: string, created: boolean) => (created ? result.created : result.existing).push(name);
  await Promise.all(
    [...options.inputTopics, ...options.outputTopics].map(async (t) => {
      try {
        await pubsub.createTopic(t);
        note(`topic ${t}`, true);
      } catch (err) {
        if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
        note(`topic ${t}`, false);
      }
    }),
  );
  const group = options.groupId;
  if (group !== undefined) {
    await Promise.all(
      options.inputTopics.map(async (t) => {
        const name = subscriptionName(group, t);
        try {
          await pubsub.topic(t).createSubscription(name, {
            enableMessageOrdering: options.messageOrdering ?? true,
            ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
            retainAckedMessages: options.retainAckedMessages ?? true,
            messageRetentionDuration: { seconds: (options.retentionDays ?? 7) * 86_400 },
            expirationPolicy: { ttl: null },
          });
          note(`subscription ${name}`, true);
        } catch (err) {
          if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw err;
          note(`subscription ${name}`, false);
        }
      }),
    );
  }
  result.created.sort();
  result.existing.sort();
  return result;
}
