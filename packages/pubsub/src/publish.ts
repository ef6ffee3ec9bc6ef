import type { PubSub, Topic } from '@google-cloud/pubsub';

/** One message to publish: the ordering key (null: none), the bytes and the attributes. */
export interface KeyedMessage {
  orderingKey: string | null;
  data: Buffer | string;
  attributes?: Record<string, string>;
}

/**
 * A publisher for a topic with message ordering on: messages of one ordering key reach subscribers
 * in the order given. Batches up to 1,000 messages or 10 ms.
 */
export function orderedTopic(pubsub: PubSub, name: string): Topic {
  return pubsub.topic(name, {
    messageOrdering: true,
    batching: { maxMessages: 1000, maxMilliseconds: 10 },
  });
}

/**
 * Publishes messages and resolves with their ids, in order, once the service has stored them all. A
 * failed ordered publish pauses its key in the client; the key is resumed so later calls can go on.
 */
export async function publishKeyed(topic: Topic, messages: readonly KeyedMessage[]): Promise<string[]> {
  return Promise.all(
    messages.map(async (m) => {
      const data = typeof m.data === 'string' ? Buffer.from(m.data, 'utf8') : m.data;
      try {
        return await topic.publishMessage({
          data,
          attributes: m.attributes,
          ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
        });
      } catch (err) {
        if (m.orderingKey) topic.resumePublishing(m.orderingKey);
        throw err;
      }
    }),
  );
}
