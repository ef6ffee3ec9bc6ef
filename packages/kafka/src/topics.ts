import { INPUT_TOPICS, OUTPUT_TOPICS } from '@cdp360/domain';
import type { Admin, ITopicConfig } from 'kafkajs';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Input and trigger topics keep 7 days: Postgres holds every fact durably, so Kafka only has to
 * cover consumer rewinds and incident recovery (a week of weekends and holidays). The dead-letter
 * topic keeps 7 days by default too: a dead letter keeps the original bytes, which may hold personal
 * data that an erasure cannot reach, so it must not outlive the inputs by much (the retention is a
 * parameter: CDP_DEAD_LETTER_RETENTION_DAYS for `cdp topics create`).
 *
 * Reference topics are deliberately not compacted: compaction keeps the last record per key in log
 * order, but latest-wins is by CloudEvents `time`, so it could keep a stale version.
 */
export const INPUT_RETENTION_MS = 7 * DAY_MS;
export const DEAD_LETTER_RETENTION_MS = 7 * DAY_MS;

export interface TopicSpec {
  name: string;
  /** Overrides the `partitions` of ensureTopics. */
  partitions?: number;
  /** Overrides the `retentionMs` of ensureTopics. */
  retentionMs?: number;
}

/**
 * The project's topics with their retention: the inputs (the erasure requests among them), profile
 * triggers and the dead-letter topic (`deadLetterRetentionMs`, 7 days by default).
 */
export function cdpTopicSpecs(prefix = '', deadLetterRetentionMs = DEAD_LETTER_RETENTION_MS): TopicSpec[] {
  return [
    ...INPUT_TOPICS.map((t) => ({ name: prefix + t.topic, retentionMs: INPUT_RETENTION_MS })),
    { name: prefix + OUTPUT_TOPICS.profileTriggers, retentionMs: INPUT_RETENTION_MS },
    { name: prefix + OUTPUT_TOPICS.deadLetter, retentionMs: deadLetterRetentionMs },
  ];
}

export interface EnsureTopicsOptions {
  topics: ReadonlyArray<string | TopicSpec>;
  /** Partitions of each created topic (customer-keyed topics scale out by partition). */
  partitions: number;
  /** Retention of created topics that do not set their own; the broker default when absent. */
  retentionMs?: number;
  /** Replication factor; -1 (the default) lets the broker use `default.replication.factor`. */
  replicationFactor?: number;
}

export interface EnsureTopicsResult {
  created: string[];
  /** Topics that already existed; they are left exactly as they are (partitions and configs). */
  existing: string[];
}

/**
 * Creates the topics that are missing and reports the rest. Idempotent, and safe when another
 * process creates the same topics at the same time (kafkajs then reports TOPIC_ALREADY_EXISTS,
 * which is success here).
 */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  if (!Number.isInteger(options.partitions) || options.partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${options.partitions}`);
  }
  const specs = options.topics.map((t) => (typeof t === 'string' ? { name: t } : t));
  const before = new Set(await admin.listTopics());
  const existing = specs.filter((s) => before.has(s.name)).map((s) => s.name);
  const missing = specs.filter((s) => !before.has(s.name));
  if (missing.length > 0) {
    const configs: ITopicConfig[] = missing.map((s) => {
      const retentionMs = s.retentionMs ?? options.retentionMs;
      return {
        topic: s.name,
        numPartitions: s.partitions ?? options.partitions,
        replicationFactor: options.replicationFactor ?? -1,
        configEntries: retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(retentionMs) }],
      };
    });
    await admin.createTopics({ topics: configs, waitForLeaders: true });
  }
  return { created: missing.map((s) => s.name), existing };
}

export interface TopicInfo {
  name: string;
  partitions: number;
}

/** Topics whose name starts with `prefix` (all when empty), sorted by name, with their partition counts. */
export async function listTopics(admin: Admin, prefix = ''): Promise<TopicInfo[]> {
  const names = (await admin.listTopics()).filter((n) => n.startsWith(prefix) && !n.startsWith('__')).sort();
  if (names.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  const counts = new Map(topics.map((t) => [t.name, t.partitions.length]));
  return names.map((name) => ({ name, partitions: counts.get(name) ?? 0 }));
}

/** Topics the updater needs are absent (and it was not asked to create them). */
export class MissingTopicsError extends Error {
  readonly code = 'CDP_KAFKA_MISSING_TOPICS';
  /** The CLI exits with this: the deployment is not set up, retrying will not help. */
  readonly exitCode = 2;
  constructor(
    readonly topics: readonly string[],
    brokers: readonly string[],
    when: 'at start' | 'while running',
  ) {
    super(
      `Kafka at ${brokers.join(',')} has no topic ${topics.join(', ')} (${when}); create the topics with \`cdp topics create\` (same CDP_TOPIC_PREFIX), or start the updater with CDP_CREATE_TOPICS=true`,
    );
    this.name = 'MissingTopicsError';
  }
}

/**
 * Makes sure every topic exists before anything is consumed or produced: a produce to an absent topic
 * on a broker without auto-creation is retried by kafkajs for minutes. With `create`, missing topics
 * are created (with the project's retention); otherwise MissingTopicsError names them.
 */
export async function requireTopics(
  admin: Admin,
  options: { topics: ReadonlyArray<TopicSpec>; create: boolean; partitions?: number; brokers: readonly string[] },
): Promise<EnsureTopicsResult> {
  if (options.create) return ensureTopics(admin, { topics: options.topics, partitions: options.partitions ?? 3 });
  const present = new Set(await admin.listTopics());
  const missing = options.topics.filter((t) => !present.has(t.name)).map((t) => t.name);
  if (missing.length > 0) throw new MissingTopicsError(missing, options.brokers, 'at start');
  return { created: [], existing: options.topics.map((t) => t.name) };
}
