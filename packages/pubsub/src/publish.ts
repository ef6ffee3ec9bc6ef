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

/**
 * How many messages `publishChunked` hands the client at once. An ordered publish is one request per
 * ordering key: thousands at once stall the emulator past the publish deadline; a few hundred do not.
 */
export const PUBLISH_CHUNK = 250;

/**
 * Publishes `messages` a chunk at a time (each chunk stored before the next is sent) and resolves
 * with their ids, in order. Order per ordering key is kept across chunks.
 */
export async function publishChunked(
  topic: Topic,
  messages: readonly KeyedMessage[],
  chunkSize = PUBLISH_CHUNK,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < messages.length; i += chunkSize) {
    ids.push(...(await publishKeyed(topic, messages.slice(i, i + chunkSize))));
  }
  return ids;
}
