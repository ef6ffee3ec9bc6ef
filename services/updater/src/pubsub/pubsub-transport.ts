import type { Config, Logger } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { createPubSub, subscriptionName } from '@cdp360/pubsub';
import { PubSubTriggerSink } from '@cdp360/trigger-outbox';
import type { PubSub } from '@google-cloud/pubsub';
import type { ProfilePipeline } from '../pipeline';
import { SourceTransport, type Transport } from '../transport';
import { PubSubDeadLetterSink } from './pubsub-sinks';
import { PubSubSource, type PubSubSourceOptions } from './pubsub-source';

export type PubSubTransportOptions = Omit<PubSubSourceOptions, 'groupId' | 'topicPrefix'>;

/**
 * The Pub/Sub side of the updater: the emulator when PUBSUB_EMULATOR_HOST is set, else Google Cloud
 * with the environment's credentials (Application Default Credentials). Idle: see PubSubSource.idle.
 */
export class PubSubTransport extends SourceTransport<PubSubSource> implements Transport {
  readonly kind = 'pubsub';
  readonly deadLetters: PubSubDeadLetterSink;
  readonly triggers: PubSubTriggerSink;
  private readonly pubsub: PubSub;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly options: PubSubTransportOptions = {},
  ) {
    super();
    this.pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
    const names = topicNames(config.topicPrefix);
    this.deadLetters = new PubSubDeadLetterSink(this.pubsub, names.deadLetter, config.groupId);
    this.triggers = new PubSubTriggerSink(this.pubsub, names.profileTriggers);
  }

  describe(): Record<string, unknown> {
    const inputs = Object.values(topicNames(this.config.topicPrefix).inputs);
    return {
      transport: this.kind,
      project: this.config.pubsub.projectId,
      emulator: this.config.pubsub.emulatorHost ?? null,
      subscriptions: inputs.map((t) => subscriptionName(this.config.groupId, t)),
    };
  }

  async connect(): Promise<void> {}

  protected createSource(pipeline: ProfilePipeline): PubSubSource {
    return new PubSubSource(this.pubsub, pipeline, this.logger, {
      ...this.options,
      groupId: this.config.groupId,
      topicPrefix: this.config.topicPrefix,
    });
  }

  idle(): Promise<boolean> {
    return this.source ? this.source.idle() : Promise.resolve(false);
  }

  async close(): Promise<void> {
    // Every publish was awaited already; closing the client is bounded like the streams.
    let timer: NodeJS.Timeout | undefined;
    const closing = Promise.allSettled([this.deadLetters.close(), this.triggers.close()]).then(() =>
      this.pubsub.close(),
    );
    await Promise.race([closing.catch(() => {}), new Promise((r) => (timer = setTimeout(r, 1_500)))]);
    clearTimeout(timer);
  }
}
