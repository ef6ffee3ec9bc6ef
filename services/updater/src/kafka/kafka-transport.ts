import type { Config, Logger } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import {
  bounded,
  cdpTopicSpecs,
  compressionType,
  createKafka,
  createRecoveringProducer,
  groupLag,
  requireTopics,
  sendTombstones,
} from '@cdp360/kafka';
import { KafkaTriggerSink } from '@cdp360/trigger-outbox';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { ProfilePipeline, TombstoneSink } from '../pipeline';
import { SourceTransport, type Transport } from '../transport';
import { KafkaDeadLetterSink, KafkaSource } from './kafka-source';

export interface KafkaTransportOptions {
  maxUnitMessages?: number;
  /** kafkajs fetch size per partition, bytes (small values make many small units: tests). */
  maxBytesPerPartition?: number;
}

/** The longest one probe of the brokers may take, ms. */
const PROBE_TIMEOUT_MS = 2_500;

/** How long the source must have been quiet before the group lag is asked, ms. */
const QUIET_MS = 250;

/**
 * The Kafka side of the updater: one consumer group over the input topics, an idempotent producer for
 * dead letters and triggers. Idle means: no unit queued or running, and the group's committed offsets
 * reach every input partition's high watermark.
 */
export class KafkaTransport extends SourceTransport<KafkaSource> implements Transport {
  readonly kind = 'kafka';
  readonly deadLetters: KafkaDeadLetterSink;
  readonly triggers: KafkaTriggerSink;
  /** Tombstones of erased customers on the customers topic, when CDP_ERASURE_TOMBSTONES is on. */
  readonly tombstones: TombstoneSink | undefined;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly options: KafkaTransportOptions = {},
  ) {
    super();
    this.kafka = createKafka({ ...config.kafka, clientId: 'cdp-updater', logger, quietOutages: true });
    // A broker restart can leave the producer's sequence numbers refused for good: it is replaced then.
    this.producer = createRecoveringProducer(this.kafka, (err) =>
      logger.info(
        { err: err instanceof Error ? err.message : String(err) },
        'the broker refused the producer sequence; using a new producer id',
      ),
    );
    this.admin = this.kafka.admin();
    const names = topicNames(config.topicPrefix);
    const send = {
      compression: compressionType(config.kafka.compression),
      timeoutMs: config.kafka.publishTimeoutMs,
      admin: this.admin,
      brokers: config.kafka.brokers,
    };
    this.deadLetters = new KafkaDeadLetterSink(this.producer, names.deadLetter, send);
    this.triggers = new KafkaTriggerSink(this.producer, names.profileTriggers, send);
    this.failed = new Promise<Error>((resolve) => {
      this.fail = resolve;
    });
    const producer = this.producer;
    this.tombstones = config.erasure.tombstones
      ? { send: (ids) => sendTombstones(producer, names.inputs.customer, ids, send) }
      : undefined;
  }

  /** Settles with the error that stopped consumption for good (an undecodable batch, a missing topic). */
  readonly failed: Promise<Error>;
  private fail: (err: Error) => void = () => {};

  describe(): Record<string, unknown> {
    return {
      transport: this.kind,
      group: this.config.groupId,
      topics: Object.values(topicNames(this.config.topicPrefix).inputs),
    };
  }

  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    // Every topic read or written must exist before the first unit: a send to an absent topic is
    // retried by kafkajs for minutes (with a Postgres transaction waiting on it for triggers).
    const result = await requireTopics(this.admin, {
      topics: cdpTopicSpecs(this.config.topicPrefix, this.config.erasure.deadLetterRetentionDays * 86_400_000),
      create: this.config.kafka.createTopics,
      brokers: this.config.kafka.brokers,
    });
    if (result.created.length > 0)
      this.logger.info({ topics: result.created }, 'created missing topics (CDP_CREATE_TOPICS)');
  }

  protected createSource(pipeline: ProfilePipeline): KafkaSource {
    return new KafkaSource(this.kafka, pipeline, this.logger, {
      groupId: this.config.groupId,
      topicPrefix: this.config.topicPrefix,
      maxUnitMessages: this.options.maxUnitMessages,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      sessionTimeoutMs: this.config.kafka.sessionTimeoutMs,
      admin: this.admin,
      watch: this.watch,
      onFatal: (err) => this.fail(err),
    });
  }

  private probeAdmin: Admin | null = null;

  /** One metadata request, no retries: whether the brokers answer (the DependencyWatch asks). */
  async probe(): Promise<void> {
    this.probeAdmin ??= this.kafka.admin({ retry: { retries: 0 } });
    const admin = this.probeAdmin;
    try {
      // Bounded here, below the watch's timeout: a request to a broker that went away can hang
      // until kafkajs' request timeout, and the watch asks again only once a probe has settled.
      await bounded(
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        PROBE_TIMEOUT_MS,
        'asking the brokers for metadata',
      );
    } catch (err) {
      // A fresh client next time: one whose broker went away may keep failing after it is back.
      this.probeAdmin = null;
      admin.disconnect().catch(() => {});
      throw err;
    }
  }

  async idle(): Promise<boolean> {
    const source = this.source;
    if (!source || source.busy || Date.now() - source.lastActivity < QUIET_MS) return false;
    const { lag } = await groupLag(this.admin, this.config.groupId, source.topics);
    return lag === 0 && !source.busy;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.probeAdmin?.disconnect()]);
  }
}
