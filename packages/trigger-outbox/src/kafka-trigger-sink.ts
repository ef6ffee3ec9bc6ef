import { type ProfileTrigger, triggerCloudEvent } from '@cdp360/domain';
import { type BoundedSendOptions, sendBounded } from '@cdp360/kafka';
import type { Producer } from 'kafkajs';
import type { TriggerSink } from './publish-queued';

/**
 * Publishes triggers to the triggers topic, keyed by customer id, acknowledged by all in-sync replicas,
 * within the options' timeout: the outbox's claim transaction waits on it, so it must end in time.
 */
export class KafkaTriggerSink implements TriggerSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: BoundedSendOptions,
  ) {}

  async publish(triggers: readonly ProfileTrigger[]): Promise<void> {
    const now = new Date();
    await sendBounded(
      this.producer,
      {
        topic: this.topic,
        messages: triggers.map((t) => ({
          key: String(t.customerId),
          value: triggerCloudEvent(t, now),
          headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
        })),
      },
      this.options,
    );
  }
}
