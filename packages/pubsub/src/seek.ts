import { INPUT_TOPICS, parseReplayTarget, topicNames } from '@cdp360/domain';
import type { PubSub } from '@google-cloud/pubsub';
import { GRPC, grpcCode, subscriptionName } from './names';

/**
 * The service refused to seek a subscription to a time with UNIMPLEMENTED. The emulator 0.8.x does so
 * for subscriptions with message ordering on (the updater's), though it seeks unordered ones.
 */
export class SeekUnsupportedError extends Error {
  readonly code = 'CDP_PUBSUB_SEEK_UNSUPPORTED';
  constructor(subscription: string, options?: { cause?: unknown }) {
    super(
      `Pub/Sub refused to seek ${subscription} to a time (UNIMPLEMENTED): the Pub/Sub emulator cannot seek a subscription with message ordering to a time. Replay with snapshots instead: take one before the run with \`cdp replay --snapshot NAME\` and go back to it with \`cdp replay --to snapshot:NAME\` (real Pub/Sub seeks to a time)`,
      options,
    );
    this.name = 'SeekUnsupportedError';
  }
}

/** A replay on Pub/Sub that cannot be done as asked; the message says why and what to do instead. */
export class PubSubReplayError extends Error {
  readonly code = 'CDP_PUBSUB_REPLAY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PubSubReplayError';
  }
}

/** A consumer group's subscriptions: `topics` (full names) or, by default, the input topics. */
export interface PubSubGroup {
  groupId: string;
  topicPrefix: string;
  topics?: readonly string[];
}

/** Where to move a group's subscriptions. There are no offsets on Pub/Sub. */
export type PubSubReplayTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'time'; epochMs: number }
  | { kind: 'snapshot'; label: string };

const SNAPSHOT_PREFIX = 'snapshot:';
const LABEL = /^[A-Za-z][A-Za-z0-9\-_.~+%]*$/;

/** Checks a snapshot label (it starts every snapshot id, which Pub/Sub restricts); returns it. */
export function snapshotLabel(text: string): string {
  if (!LABEL.test(text) || text.length > 100) {
    throw new RangeError(
      `${JSON.stringify(text)} is not a snapshot name: expected a letter, then letters, digits or - _ . ~ + %, at most 100 characters (e.g. before-2026-11-25)`,
    );
  }
  return text;
}

/**
 * Parses `earliest`, `latest`, an RFC 3339 time or `snapshot:NAME`. Throws a RangeError saying what
 * was expected; a `topic:partition:offset` target is refused with the reason (Pub/Sub has no offsets).
 */
export function parsePubSubReplayTarget(text: string): PubSubReplayTarget {
  if (text.startsWith(SNAPSHOT_PREFIX))
    return { kind: 'snapshot', label: snapshotLabel(text.slice(SNAPSHOT_PREFIX.length)) };
  const t = parseReplayTarget(text);
  if (t.kind === 'offsets') {
    throw new RangeError(
      `${text} is a topic:partition:offset target, but Pub/Sub has no offsets: use earliest, latest, an RFC 3339 time or snapshot:NAME`,
    );
  }
  return t;
}

function groupSubscriptions(group: PubSubGroup): { topic: string; subscription: string }[] {
  const topics = group.topics ?? Object.values(topicNames(group.topicPrefix).inputs);
  return topics.map((topic) => ({ topic, subscription: subscriptionName(group.groupId, topic) }));
}

function subscriptionsOf(groupId: string, topicPrefix: string): string[] {
  const names = topicNames(topicPrefix);
  return INPUT_TOPICS.map((t) => subscriptionName(groupId, names.inputs[t.kind]));
}

/** Snapshot id of a subscription: `<label>.<subscription>`. */
export function snapshotName(label: string, subscription: string): string {
  return `${label}.${subscription}`;
}

function durationMs(d: { seconds?: unknown; nanos?: unknown } | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds ?? 0) * 1000 + Math.floor(Number(d.nanos ?? 0) / 1e6);
}

/** One subscription's move. */
export interface SubscriptionSeek {
  topic: string;
  subscription: string;
  /** How far back acknowledged messages are kept (subscription retention with retained acks, or topic retention); 0: not at all. */
  ackedRetentionMs: number;
  /** A time to seek to, or a snapshot id. */
  seekTo: { time: Date } | { snapshot: string };
  /** What the seek will not do as one might expect (e.g. a time before the retention). */
  note?: string;
}

/** Margin kept inside the retention for `earliest`, so the time is still within it when the seek arrives. */
export const EARLIEST_MARGIN_MS = 60_000;

/**
 * What seeking the group's subscriptions to `target` means, subscription by subscription, checked
 * against the service: the subscriptions (and snapshots) must exist. Nothing is moved.
 *
 * - `earliest`: the oldest time still retained, now minus the longest of the subscription's retention
 *   (when it retains acknowledged messages) and the topic's retention, plus a minute of margin. A
 *   subscription that keeps no acknowledged messages is refused: seeking it back would replay nothing.
 * - `latest`: now, which acknowledges every message published so far (skips the backlog).
 * - a time: as given; a note says when the retention does not reach back that far.
 * - `snapshot:NAME`: the snapshot `NAME.<subscription>` taken by snapshotSubscriptions.
 */
export async function planPubSubReplay(
  pubsub: PubSub,
  group: PubSubGroup,
  target: PubSubReplayTarget,
  now: Date = new Date(),
): Promise<SubscriptionSeek[]> {
  const subs = groupSubscriptions(group);
  let snapshots: Set<string> | null = null;
  if (target.kind === 'snapshot') {
    const [list] = await pubsub.getSnapshots();
    snapshots = new Set(list.map((s) => s.name.slice(s.name.lastIndexOf('/') + 1)));
  }
  const plan: SubscriptionSeek[] = [];
  for (const { topic, subscription } of subs) {
    type Duration = { seconds?: unknown; nanos?: unknown } | null;
    let meta: {
      retainAckedMessages?: boolean | null;
      messageRetentionDuration?: Duration;
      topicMessageRetentionDuration?: Duration;
    };
    try {
      [meta] = await pubsub.subscription(subscription).getMetadata();
    } catch (err) {
      if (grpcCode(err) === GRPC.NOT_FOUND) {
        throw new PubSubReplayError(
          `subscription ${subscription} does not exist: create the group's subscriptions with \`cdp topics create --transport pubsub --group ${group.groupId}\``,
          { cause: err },
        );
      }
      throw err;
    }
    const ackedRetentionMs = Math.max(
      meta.retainAckedMessages ? durationMs(meta.messageRetentionDuration) : 0,
      durationMs(meta.topicMessageRetentionDuration),
    );
    const row = (seekTo: SubscriptionSeek['seekTo'], note?: string): SubscriptionSeek => ({
      topic,
      subscription,
      ackedRetentionMs,
      seekTo,
      ...(note ? { note } : {}),
    });
    switch (target.kind) {
      case 'earliest':
        if (ackedRetentionMs === 0) {
          throw new PubSubReplayError(
            `--to earliest: subscription ${subscription} keeps no acknowledged messages (retainAckedMessages is off and the topic has no retention), so seeking it back would replay nothing already processed. Subscriptions made by \`cdp topics create\` keep them for 7 days; otherwise replay from a snapshot (--to snapshot:NAME)`,
          );
        }
        plan.push(row({ time: new Date(now.getTime() - ackedRetentionMs + EARLIEST_MARGIN_MS) }));
        break;
      case 'latest':
        plan.push(row({ time: now }, 'acknowledges everything published so far'));
        break;
      case 'time': {
        let note: string | undefined;
        if (target.epochMs < now.getTime()) {
          if (ackedRetentionMs === 0) note = 'keeps no acknowledged messages: only unacknowledged ones come back';
          else if (target.epochMs < now.getTime() - ackedRetentionMs) {
            note = `before the retention: replays only what is kept (${formatDuration(ackedRetentionMs)})`;
          }
        }
        plan.push(row({ time: new Date(target.epochMs) }, note));
        break;
      }
      case 'snapshot': {
        const snapshot = snapshotName(target.label, subscription);
        if (!snapshots!.has(snapshot)) {
          throw new PubSubReplayError(
            `snapshot ${snapshot} does not exist (take the group's snapshots with \`cdp replay --snapshot ${target.label}\` before the run to go back to; on Google Cloud a snapshot also expires, at most 7 days after it was taken)`,
          );
        }
        plan.push(row({ snapshot }));
        break;
      }
    }
  }
  return plan;
}

/** `7 d`, `36 h`, `10 min`. */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 60_000)} min`;
}

async function seekOne(pubsub: PubSub, subscription: string, to: Date | string): Promise<void> {
  try {
    await pubsub.subscription(subscription).seek(to);
  } catch (err) {
    if (typeof to !== 'string' && grpcCode(err) === GRPC.UNIMPLEMENTED) {
      throw new SeekUnsupportedError(subscription, { cause: err });
    }
    throw err;
  }
}

/**
 * Seeks every subscription of the plan, in order. A seek is idempotent, so after a failure part way
 * the same command can simply be run again.
 */
export async function applyPubSubReplay(pubsub: PubSub, plan: readonly SubscriptionSeek[]): Promise<void> {
  for (const p of plan) await seekOne(pubsub, p.subscription, 'time' in p.seekTo ? p.seekTo.time : p.seekTo.snapshot);
}

/**
 * Replays a group: seeks each of its subscriptions to `time`, so every message published after it
 * (and still retained: subscriptions are created retaining acknowledged messages for 7 days) is
 * delivered again. The updater's positions make the replay change nothing already applied. Stop the
 * updaters of the group first. Returns the subscriptions sought.
 */
export async function seekSubscriptions(
  pubsub: PubSub,
  group: { groupId: string; topicPrefix: string },
  time: Date,
): Promise<string[]> {
  const subs = subscriptionsOf(group.groupId, group.topicPrefix);
  for (const name of subs) await seekOne(pubsub, name, time);
  return subs;
}

/**
 * Takes a snapshot `<label>.<subscription>` of each of the group's subscriptions (their unacknowledged
 * messages, and acks from now on), the emulator-supported way to replay later. Returns the snapshot
 * names. A snapshot that exists already is refused, naming it.
 */
export async function snapshotSubscriptions(pubsub: PubSub, group: PubSubGroup, label: string): Promise<string[]> {
  const out: string[] = [];
  for (const { subscription } of groupSubscriptions(group)) {
    const snap = snapshotName(snapshotLabel(label), subscription);
    try {
      await pubsub.subscription(subscription).createSnapshot(snap);
    } catch (err) {
      if (grpcCode(err) === GRPC.ALREADY_EXISTS) {
        throw new PubSubReplayError(
          `snapshot ${snap} exists already: choose another name, or delete the old ones first (\`cdp replay --delete-snapshot ${label}\`)`,
          { cause: err },
        );
      }
      if (grpcCode(err) === GRPC.NOT_FOUND) {
        throw new PubSubReplayError(
          `subscription ${subscription} does not exist: create the group's subscriptions with \`cdp topics create --transport pubsub --group ${group.groupId}\``,
          { cause: err },
        );
      }
      throw err;
    }
    out.push(snap);
  }
  return out;
}

/** Deletes the group's snapshots taken with `label`; returns those deleted and those that were not there. */
export async function deleteSnapshots(
  pubsub: PubSub,
  group: PubSubGroup,
  label: string,
): Promise<{ deleted: string[]; absent: string[] }> {
  const result = { deleted: [] as string[], absent: [] as string[] };
  for (const { subscription } of groupSubscriptions(group)) {
    const snap = snapshotName(snapshotLabel(label), subscription);
    try {
      await pubsub.snapshot(snap).delete();
      result.deleted.push(snap);
    } catch (err) {
      if (grpcCode(err) !== GRPC.NOT_FOUND) throw err;
      result.absent.push(snap);
    }
  }
  return result;
}

/** Seeks each of the group's subscriptions back to the snapshot taken with `label`. */
export async function seekSubscriptionsToSnapshots(
  pubsub: PubSub,
  group: PubSubGroup,
  label: string,
): Promise<string[]> {
  const subs = groupSubscriptions(group).map((g) => g.subscription);
  for (const name of subs) await seekOne(pubsub, name, snapshotName(label, name));
  return subs;
}
