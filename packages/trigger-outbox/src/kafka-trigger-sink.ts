import { type ProfileTrigger, triggerCloudEvent } from '@cdp360/domain';
import type { Producer } from 'kafkajs';
import type { TriggerSink } from './publish-queued';

/** Publishes triggers to the triggers topic, keyed by customer id, acknowledged by all in-sync replicas. */
export class KafkaTriggerSink implements TriggerSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(triggers: readonly ProfileTrigger[]): Promise<void> {
    const now = new Date();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: triggers.map((t) => ({
        key: String(t.customerId),
        value: triggerCloudEvent(t, now),
        headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      })),
    });
  }
}
