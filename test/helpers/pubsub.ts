import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { topicNames } from '@cdp360/domain';
import { type GeneratorOptions, generateEvents, type Manifest, type WireMessage } from '@cdp360/generator';
import { createPubSub, ensureTopology, orderedTopic, publishChunked } from '@cdp360/pubsub';
import { runUpdater, type UpdaterOptions, type UpdaterSummary } from '@cdp360/updater';
import type { Message, PubSub } from '@google-cloud/pubsub';
import { pubsubEmulatorAvailable, pubsubUnavailableReason } from './services';
import { quietLogger, type Scenario, scenarioBase } from './updater';

/**
 * `describe` for Pub/Sub suites: without an emulator the suite is skipped LOUDLY, with the reason in
 * a warning and in the skipped test's name.
 */
export function describePubSub(name: string, body: () => void): void {
  if (pubsubEmulatorAvailable()) {
    describe(name, body);
    return;
  }
  const reason = pubsubUnavailableReason();
  console.warn(`!!! SKIPPING "${name}": Pub/Sub emulator not available (${reason})`);
  describe(name, () => {
    it.skip(`SKIPPED: Pub/Sub emulator not available (${reason})`, () => {});
  });
}

export interface PubSubScenario extends Omit<Scenario, 'kafka'> {
  pubsub: PubSub;
  /** Subscription on the dead-letter topic, created before anything is published. */
  deadLetterReader: string;
  /** Published message id -> the wire message it carried (to check dead letters against). */
  published: Map<string, { topic: string; wire: WireMessage }>;
}

const REPO_ROOT = path.resolve(__dirname, '../..');
const EMULATOR_PID_FILE = path.join(REPO_ROOT, '.stack/pubsub/pubsub.pid');

/** Threads of a live process (from /proc), or null when it is not there. */
function threadsOf(pid: number): number | null {
  try {
    const m = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The emulator 0.8.x keeps a thread per ordering key and stream and never gives them back: after a
 * few Pub/Sub test files it can hold thousands and starve the machine. When the emulator that
 * `stack.sh` started (its pid file) has more than `maxThreads`, it is stopped and started again with
 * `stack.sh up` (a few seconds; it keeps everything in memory, so nothing of other tests survives:
 * createPubSubScenario calls this only when none of its scenarios is open). An emulator we did not
 * start is left alone.
 */
export function restartLeakyEmulator(maxThreads = 1500): void {
  if (!existsSync(EMULATOR_PID_FILE)) return;
  const pid = Number(readFileSync(EMULATOR_PID_FILE, 'utf8').trim());
  const threads = Number.isInteger(pid) && pid > 0 ? threadsOf(pid) : null;
  if (threads === null || threads <= maxThreads) return;
  console.warn(`Pub/Sub emulator (pid ${pid}) holds ${threads} threads: restarting it with stack.sh`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && threadsOf(pid) !== null; i++) execFileSync('sleep', ['0.1']);
  if (threadsOf(pid) !== null) process.kill(pid, 'SIGKILL');
  const env = { ...process.env };
  delete env.DATABASE_URL; // stack.sh would otherwise take the test's database for the one to check
  execFileSync('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), 'up'], { env, stdio: 'ignore', cwd: REPO_ROOT });
}

/** Ack deadline of the scenario's subscriptions, seconds (the emulator's minimum is 10). */
export const TEST_ACK_DEADLINE_S = 10;

let openScenarios = 0;

/**
 * An isolated Pub/Sub world: its own database, topics, subscriptions of its group and Redis keys.
 * When no other scenario is open, an emulator that leaked too many threads is restarted first.
 */
export async function createPubSubScenario(
  options: { asOf?: string; messageOrdering?: boolean } = {},
): Promise<PubSubScenario> {
  if (openScenarios === 0) restartLeakyEmulator();
  openScenarios++;
  const base = await scenarioBase(options.asOf, { CDP_TRANSPORT: 'pubsub' });
  const { id, prefix, group, config, db } = base;
  const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
  const names = topicNames(prefix);
  await ensureTopology(pubsub, {
    inputTopics: Object.values(names.inputs),
    outputTopics: [names.deadLetter, names.profileTriggers],
    groupId: group,
    ackDeadlineSeconds: TEST_ACK_DEADLINE_S,
    // The emulator keeps everything in a small heap: tests replay from snapshots, not retained acks.
    retainAckedMessages: false,
    messageOrdering: options.messageOrdering,
  });
  const deadLetterReader = `reader-${id}.${names.deadLetter}`;
  await pubsub.topic(names.deadLetter).createSubscription(deadLetterReader);
  return {
    ...base,
    pubsub,
    deadLetterReader,
    published: new Map(),
    close: async () => {
      openScenarios--;
      const [snapshots] = await pubsub.getSnapshots();
      await Promise.allSettled(snapshots.filter((x) => x.name.includes(id)).map((x) => x.delete()));
      const [subs] = await pubsub.getSubscriptions();
      await Promise.allSettled(subs.filter((s) => s.name.includes(id)).map((s) => s.delete()));
      const [topics] = await pubsub.getTopics();
      await Promise.allSettled(topics.filter((t) => t.name.includes(`/topics/${prefix}`)).map((t) => t.delete()));
      await pubsub.close();
      await db.drop();
    },
  };
}

/** Publishes wire messages to the scenario's topics, ordering key = the key, in the order given per key. */
export async function publishWire(s: PubSubScenario, messages: readonly WireMessage[]): Promise<void> {
  const names = topicNames(s.prefix).inputs;
  const byTopic = new Map<string, WireMessage[]>();
  for (const m of messages) {
    const t = names[m.kind];
    const list = byTopic.get(t) ?? [];
    list.push(m);
    byTopic.set(t, list);
  }
  // One topic after another, a chunk at a time (publishChunked): the emulator stays responsive.
  for (const [t, list] of byTopic) {
    const ids = await publishChunked(
      orderedTopic(s.pubsub, t),
      list.map((m) => ({ orderingKey: m.key, data: m.value, attributes: m.headers })),
    );
    ids.forEach((id, j) => {
      s.published.set(`${t}/${id}`, { topic: t, wire: list[j]! });
    });
  }
}

/** Generates a data set into the scenario's topics; returns its manifest. */
export async function publishGenerated(s: PubSubScenario, options: GeneratorOptions): Promise<Manifest> {
  const gen = generateEvents(options);
  for (const batch of gen) await publishWire(s, batch);
  return gen.manifest;
}

export function pubsubUpdaterInProcess(
  s: PubSubScenario,
  extra: Partial<Pick<UpdaterOptions, 'stopSignal' | 'maxUnitMessages' | 'pubsub'>> = {},
): Promise<UpdaterSummary> {
  return runUpdater({
    config: s.config,
    logger: quietLogger(),
    untilIdle: extra.stopSignal === undefined,
    stopSignal: extra.stopSignal,
    redisNamespace: s.redisNamespace,
    statsIntervalMs: 0,
    maxUnitMessages: extra.maxUnitMessages,
    pubsub: { ackDeadlineSeconds: TEST_ACK_DEADLINE_S, idleQuietMs: 1000, ...extra.pubsub },
  });
}

/**
 * Reads a subscription until `count` messages arrived or it was quiet for `quietMs` (then the test's
 * own assertion fails); acks what it reads.
 */
export async function readSubscription(
  pubsub: PubSub,
  name: string,
  count: number,
  quietMs = 5_000,
): Promise<Message[]> {
  const sub = pubsub.subscription(name);
  const got: Message[] = [];
  await new Promise<void>((resolve) => {
    let timer = setTimeout(resolve, quietMs);
    sub.on('message', (m: Message) => {
      got.push(m);
      m.ack();
      clearTimeout(timer);
      if (got.length >= count) resolve();
      else timer = setTimeout(resolve, quietMs);
    });
    sub.on('error', () => resolve());
  });
  await sub.close();
  return got;
}
