import { type ProfileTrigger, triggerCloudEvent } from '@cdp360/domain';
import { orderedTopic, publishKeyed } from '@cdp360/pubsub';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { TriggerSink } from './publish-queued';

/** Triggers to the triggers topic, ordering key = customer id. */
export class PubSubTriggerSink implements TriggerSink {
  private readonly topic: Topic;

  constructor(pubsub: PubSub, topic: string) {
    this.topic = orderedTopic(pubsub, topic);
  }

  async publish(triggers: readonly ProfileTrigger[]): Promise<void> {
    const now = new Date();
    await publishKeyed(
      this.topic,
      triggers.map((t) => ({
        orderingKey: String(t.customerId),
        data: triggerCloudEvent(t, now),
        attributes: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      })),
    );
  }

  async close(): Promise<void> {
    await this.topic.flush();
  }
}
