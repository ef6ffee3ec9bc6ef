import { randomUUID } from 'node:crypto';
import type { Config, Logger } from '@cdp360/config';
import { erasureRequestMessage, topicNames } from '@cdp360/domain';
import { createKafka, Partitioners, sendTombstones } from '@cdp360/kafka';
import { createPubSub, orderedTopic, publishKeyed } from '@cdp360/pubsub';
import type { Producer } from 'kafkajs';

export interface ErasureRequest {
  customerIds: readonly number[];
  /** Kept in the audit table: no personal data. */
  reason?: string;
  /** Who asked: an operator, a ticket, an API key's name. */
  requestedBy?: string;
  /** The CloudEvents id of each request is `<requestId>:<customer_id>`; default a new UUID. */
  requestId?: string;
  /** Kafka: also a tombstone for each customer on the customers topic. */
  tombstone?: boolean;
}

/** Where erasure requests go: the erasure-requests topic, which the updater applies exactly once in effect. */
export interface ErasureRequests {
  /** Resolves with the CloudEvents ids once the broker has the requests. */
  send(request: ErasureRequest): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Publishes erasure requests on the configured transport (`cdp erase` and DELETE /v1/profiles/{id}
 * share it, so both go through the same path as an event from any producer). Connects on first use.
 */
export function openErasureRequests(
  config: Config,
  logger: Logger,
  options: { transport?: 'kafka' | 'pubsub'; prefix?: string; clientId?: string } = {},
): ErasureRequests {
  const transport = options.transport ?? config.transport;
  const names = topicNames(options.prefix ?? config.topicPrefix);
  const topic = names.inputs.erasure_request;
  let producer: Promise<Producer> | undefined;
  const kafkaProducer = () => {
    producer ??= (async () => {
      const kafka = createKafka({ ...config.kafka, clientId: options.clientId ?? 'cdp-erase', logger });
      const p = kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      return p;
    })();
    return producer;
  };
  const pubsub =
    transport === 'pubsub'
      ? createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost })
      : undefined;

  return {
    async send(request) {
      const base = request.requestId ?? randomUUID();
      const time = new Date();
      const ids = [...new Set(request.customerIds)];
      const messages = ids.map((id) =>
        erasureRequestMessage({
          customerId: id,
          requestId: `${base}:${id}`,
          reason: request.reason,
          requestedBy: request.requestedBy,
          time,
        }),
      );
      if (pubsub) {
        if (request.tombstone) throw new Error('tombstones need Kafka (Pub/Sub topics are not compacted)');
        await publishKeyed(
          orderedTopic(pubsub, topic),
          messages.map((m) => ({ orderingKey: m.key, data: m.value })),
        );
      } else {
        const p = await kafkaProducer();
        await p.send({ topic, acks: -1, messages });
        if (request.tombstone) await sendTombstones(p, names.inputs.customer, ids);
      }
      return ids.map((id) => `${base}:${id}`);
    },
    async close() {
      if (producer) await (await producer.catch(() => undefined))?.disconnect();
      await pubsub?.close();
    },
  };
}
