import { orderedTopic, publishDeadLetters, subscriptionName } from '@cdp360/pubsub';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { DeadLetterSink, HeaderValue, Rejected, SourceMessage } from '../source';

function attributesOf(headers: Record<string, HeaderValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

/** The Pub/Sub message id of a message (the same fallback as ever for another source: its sequence). */
function messageIdOf(m: SourceMessage): string {
  return m.position.kind === 'pubsub' ? m.position.messageId : String(m.seq);
}

/**
 * Dead letters by our own publish (not a subscription dead-letter policy: that one moves a message
 * after N failed deliveries without a reason, and would take valid facts away during an outage).
 */
export class PubSubDeadLetterSink implements DeadLetterSink {
  private readonly topic: Topic;

  constructor(
    pubsub: PubSub,
    topic: string,
    private readonly groupId: string,
  ) {
    this.topic = orderedTopic(pubsub, topic);
  }

  send(rejected: readonly Rejected[]): Promise<void> {
    return publishDeadLetters(
      this.topic,
      rejected.map((r) => ({
        orderingKey: r.message.key === null ? null : r.message.key.toString('utf8'),
        data: r.message.value ?? Buffer.alloc(0),
        attributes: attributesOf(r.message.headers),
        sourceTopic: r.message.topic,
        sourceSubscription: subscriptionName(this.groupId, r.message.topic),
        sourceMessageId: messageIdOf(r.message),
        code: r.code,
        reason: r.reason,
      })),
    );
  }

  async close(): Promise<void> {
    await this.topic.flush();
  }
}
