import type { Logger } from '@cdp360/config';
import { INPUT_TOPICS, type InputKind, topicNames } from '@cdp360/domain';
import { GRPC, grpcCode, PUBSUB_STREAM_PREFIX, subscriptionName } from '@cdp360/pubsub';
import { Duration, type Message, type PubSub, type Subscription, v1 } from '@google-cloud/pubsub';
import type { ProfilePipeline, UnitResult } from '../pipeline';
import type { SourceMessage } from '../source';
import { Counters } from '../stats';
import { UnitBatcher } from '../unit-batcher';

export interface PubSubSourceOptions {
  groupId: string;
  topicPrefix: string;
  /** Messages per unit of work before it starts without waiting for the linger. */
  maxUnitMessages?: number;
  /** ms the first message of a unit waits for others. */
  lingerMs?: number;
  /** Messages held by the client at most (flow control), default twice a unit: one runs, one gathers. */
  maxOutstandingMessages?: number;
  /** How long the client keeps extending a held message's deadline, seconds (default 1 hour). */
  maxExtensionSeconds?: number;
  /** Deadline the client asks for on each extension, seconds (default: the library's, 10 to 600). */
  ackDeadlineSeconds?: number;
  /** Quiet period before the source may call itself idle, ms (default 1,000). */
  idleQuietMs?: number;
  /** Pause after a failed unit before its messages are nacked for redelivery, ms. */
  retryDelayMs?: number;
  /** Test hook: runs before each unit (e.g. to hold one past its ack deadline). */
  beforeUnit?: (messages: readonly SourceMessage[]) => Promise<void>;
}

/** How long stopping waits for the streams to close, ms (the updater's shutdown deadline is 10 s). */
const CLOSE_MS = 1_500;

function withinMs(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

interface Held {
  message: Message;
  source: SourceMessage;
}

/** Publish time in microseconds (the service gives nanosecond precision; the emulator milliseconds). */
function publishMicros(m: Message): number {
  return Number(m.publishTime.getFullTime() / 1000n);
}

/**
 * Feeds the pipeline from one subscription per input topic (`<group>.<topic>`, streaming pull with
 * ordering keys). Messages of all subscriptions are gathered into units; a unit's messages are acked
 * only once its effects are durable, nacked when it fails. While a unit waits or runs, the client
 * library extends the messages' deadlines (lease management) up to `maxExtensionSeconds`.
 *
 * Failure policy: a unit that fails is logged, and after `retryDelayMs` (so that a broken database or
 * Redis is not hammered by immediate redeliveries) its messages are nacked; Pub/Sub redelivers them,
 * and the per-message markers make whatever was applied before harmless. The streams keep running.
 *
 * Positions: Pub/Sub has no offsets. A message is identified by its topic and id (unique per topic,
 * kept on redelivery and after a seek): stream `pubsub:<topic>`, position = the message id, seq = the
 * publish time in µs. Two subscriptions of one topic (another group, a replay) see the same positions.
 */
export class PubSubSource {
  readonly counters = new Counters();
  units = 0;
  /** When the last message arrived or the last unit ended, ms. */
  lastActivity = Date.now();
  private readonly subscriptions: { topic: string; kind: InputKind; subscription: Subscription }[] = [];
  private readonly batcher: UnitBatcher<Held, UnitResult>;
  private readonly log: Logger;
  private held = 0;
  private stopping = false;
  private probeClient: v1.SubscriberClient | null = null;

  constructor(
    private readonly pubsub: PubSub,
    private readonly pipeline: ProfilePipeline,
    logger: Logger,
    private readonly options: PubSubSourceOptions,
  ) {
    this.log = logger.child({ component: 'pubsub-source' });
    this.batcher = new UnitBatcher<Held, UnitResult>({
      maxItems: options.maxUnitMessages ?? 5000,
      lingerMs: options.lingerMs ?? 20,
      run: (items) => this.runUnit(items),
    });
  }

  get subscriptionNames(): string[] {
    return this.subscriptions.map((s) => s.subscription.name);
  }

  /** Units queued or running, or messages held that have not been acked or nacked yet. */
  get busy(): boolean {
    return this.batcher.busy || this.held > 0;
  }

  async start(): Promise<void> {
    const names = topicNames(this.options.topicPrefix);
    const maxUnit = this.options.maxUnitMessages ?? 5000;
    const ackDeadline = this.options.ackDeadlineSeconds;
    for (const t of INPUT_TOPICS) {
      const topic = names.inputs[t.kind];
      const name = subscriptionName(this.options.groupId, topic);
      const subscription = this.pubsub.subscription(name, {
        flowControl: {
          maxMessages: this.options.maxOutstandingMessages ?? 2 * maxUnit,
          allowExcessMessages: false,
        },
        maxExtensionTime: Duration.from({ seconds: this.options.maxExtensionSeconds ?? 3600 }),
        ...(ackDeadline
          ? {
              minAckDeadline: Duration.from({ seconds: ackDeadline }),
              maxAckDeadline: Duration.from({ seconds: ackDeadline }),
            }
          : {}),
      });
      const [exists] = await subscription.exists();
      if (!exists) {
        throw new Error(
          `Pub/Sub subscription ${name} does not exist: run \`cdp topics create --transport pubsub\` for group ${this.options.groupId} (messages published before a subscription exists never reach it)`,
        );
      }
      this.subscriptions.push({ topic, kind: t.kind, subscription });
    }
    // A plain v1 client on the same endpoint and credentials, for the synchronous pulls of idle().
    this.probeClient = new v1.SubscriberClient(
      (await this.pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0],
    );
    for (const s of this.subscriptions) {
      s.subscription.on('message', (m: Message) => this.onMessage(s.kind, s.topic, m));
      s.subscription.on('error', (err: unknown) =>
        this.log.error({ err, subscription: s.subscription.name }, 'subscription stream error'),
      );
    }
    // Pub/Sub has no group to join: the subscriptions exist and stream, which is as ready as it gets.
    this.pipeline.events.setState({ connected: true, joined: true });
  }

  private onMessage(kind: InputKind, topic: string, m: Message): void {
    this.lastActivity = Date.now();
    if (this.stopping) {
      m.nack();
      return;
    }
    this.held++;
    const source: SourceMessage = {
      kind,
      topic,
      key: m.orderingKey ? Buffer.from(m.orderingKey, 'utf8') : null,
      value: m.data,
      headers: { ...m.attributes },
      stream: `${PUBSUB_STREAM_PREFIX}${topic}`,
      seq: publishMicros(m),
      position: { kind: 'pubsub', messageId: m.id },
    };
    // Failures are handled (nacked, logged) in runUnit; the rejection here is already dealt with.
    this.batcher.submit([{ message: m, source }]).catch(() => {});
  }

  private async runUnit(items: Held[]): Promise<UnitResult> {
    const started = Date.now();
    const messages = items.map((i) => i.source);
    try {
      await this.options.beforeUnit?.(messages);
      const result = await this.pipeline.processUnit(messages);
      // Effects are durable: now the messages may go. A lost ack means a redelivery, which the
      // positions make harmless.
      for (const i of items) i.message.ack();
      this.counters.merge(result.counters);
      this.units++;
      this.pipeline.events.emit('unit', {
        transport: 'pubsub',
        durationMs: Date.now() - started,
        counters: result.counters,
        deadLetters: result.deadLetters,
        rowsWritten: result.rowsWritten,
        triggersQueued: result.triggers,
        eventTimes: result.eventTimes,
        committedAt: Date.now(),
      });
      this.log.debug({ messages: items.length, rows: result.rowsWritten, ms: Date.now() - started }, 'unit done');
      return result;
    } catch (err) {
      this.log.error({ err, messages: items.length }, 'unit failed; its messages will be redelivered');
      await new Promise((r) => setTimeout(r, this.options.retryDelayMs ?? 1000));
      for (const i of items) i.message.nack();
      throw err;
    } finally {
      this.held -= items.length;
      this.lastActivity = Date.now();
    }
  }

  /**
   * Idle: nothing held, no message for the quiet period, and (where the service answers it) a
   * synchronous pull on every subscription finds nothing waiting; a message it finds is handed back at
   * once. Pub/Sub has no exact backlog count in its API (Cloud Monitoring's is minutes late), and the
   * real service may answer such a pull empty while a few messages wait, so the quiet period is the
   * main guard. The emulator fails synchronous pulls on an ordered subscription once a streaming pull
   * has run on it; then only the quiet period counts. Messages leased to a consumer that crashed come
   * back only when their ack deadline passes (on the emulator, well after): a quiet period longer than
   * that waits them out.
   */
  async idle(): Promise<boolean> {
    const quiet = this.options.idleQuietMs ?? 2000;
    if (this.busy || Date.now() - this.lastActivity < quiet) return false;
    for (const s of this.subscriptions) {
      if (!this.probeClient) break;
      if (await this.probe(s.subscription.name)) {
        this.lastActivity = Date.now();
        return false;
      }
    }
    return !this.busy && Date.now() - this.lastActivity >= quiet;
  }

  /** Whether a message waits on the subscription (it is nacked straight back). */
  private async probe(subscription: string): Promise<boolean> {
    const client = this.probeClient!;
    try {
      const [res] = await client.pull(
        { subscription, maxMessages: 1, returnImmediately: true },
        { timeout: 10_000, retry: null as never },
      );
      const ackIds = (res.receivedMessages ?? []).map((r) => r.ackId!).filter(Boolean);
      if (ackIds.length === 0) return false;
      await client.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
      return true;
    } catch (err) {
      const code = grpcCode(err);
      if (code === GRPC.DEADLINE_EXCEEDED) return false; // a long-poll that found nothing
      if (code === GRPC.UNKNOWN || code === GRPC.UNIMPLEMENTED) {
        this.log.info(
          { subscription, err: (err as Error).message },
          'the service does not answer synchronous pulls here (the emulator on ordered subscriptions); idle is judged by the quiet period alone',
        );
        await this.probeClient?.close().catch(() => {});
        this.probeClient = null;
        return false;
      }
      throw err;
    }
  }

  /** Stops: new arrivals are nacked, the units in progress finish and ack, then the streams close. */
  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + 6_000;
    while (this.batcher.busy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Closing sends pending acks and hands held messages back; bounded, since anything it does not
    // get to is redelivered after its deadline and the positions make that harmless.
    await withinMs(
      Promise.allSettled([
        ...this.subscriptions.map((s) => s.subscription.close()),
        this.probeClient?.close().catch(() => {}),
      ]),
      CLOSE_MS,
    );
  }
}
