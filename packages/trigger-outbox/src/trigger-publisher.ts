import type { Config, Logger } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { compressionType, createIdempotentProducer, createKafka } from '@cdp360/kafka';
import { createPubSub } from '@cdp360/pubsub';
import type { Pool } from 'pg';
import { KafkaTriggerSink } from './kafka-trigger-sink';
import { publishQueuedTriggers } from './publish-queued';
import { PubSubTriggerSink } from './pubsub-trigger-sink';

/** Sends the outbox's queued triggers on the configured transport, for processes that are not updaters. */
export interface TriggerPublisher {
  /** Publishes everything queued; resolves with how many were sent. */
  publish(db: Pool): Promise<number>;
  close(): Promise<void>;
}

/**
 * A publisher on CDP_TRANSPORT's trigger topic. It connects on first use, so a process whose broker is
 * down still does its own work (the triggers stay queued for the next attempt or an updater).
 */
export function openTriggerPublisher(config: Config, logger: Logger, clientId = 'cdp-triggers'): TriggerPublisher {
  const topic = topicNames(config.topicPrefix).profileTriggers;
  if (config.transport === 'pubsub') {
    const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
    const sink = new PubSubTriggerSink(pubsub, topic);
    return {
      publish: (db) => publishQueuedTriggers(db, sink, logger),
      close: async () => {
        await sink.close().catch(() => {});
        await pubsub.close();
      },
    };
  }
  const kafka = createKafka({ ...config.kafka, clientId, logger });
  const producer = createIdempotentProducer(kafka);
  const sink = new KafkaTriggerSink(producer, topic, {
    compression: compressionType(config.kafka.compression),
    timeoutMs: config.kafka.publishTimeoutMs,
    brokers: config.kafka.brokers,
  });
  let connected: Promise<void> | null = null;
  return {
    publish: async (db) => {
      connected ??= producer.connect().catch((err) => {
        connected = null;
        throw err;
      });
      await connected;
      return publishQueuedTriggers(db, sink, logger);
    },
    close: async () => {
      if (connected) await producer.disconnect();
    },
  };
}
