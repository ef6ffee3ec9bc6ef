import { INPUT_TOPICS, topicNames } from '@cdp360/domain';
import { GRPC, grpcCode, subscriptionName } from '@cdp360/pubsub';
import type { PubSub } from '@google-cloud/pubsub';

/** The service (the emulator) does not implement seeking a subscription to a time. */
export class SeekUnsupportedError extends Error {
  readonly code = 'CDP_PUBSUB_SEEK_UNSUPPORTED';
  readonly retriable = false;
  constructor(subscription: string, options?: { cause?: unknown }) {
    super(
      `Pub/Sub refused to seek ${subscription} to a time (UNIMPLEMENTED): the emulator does not support seek to a time; use snapshots (snapshotSubscriptions / seekSubscriptionsToSnapshots) there, or a real project`,
      options,
    );
    this.name = 'SeekUnsupportedError';
  }
}

function subscriptionsOf(groupId: string, topicPrefix: string): string[] {
  const names = topicNames(topicPrefix);
  return INPUT_TOPICS.map((t) => subscriptionName(groupId, names.inputs[t.kind]));
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
  for (const name of subs) {
    try {
      await pubsub.subscription(name).seek(time);
    } catch (err) {
      if (grpcCode(err) === GRPC.UNIMPLEMENTED) throw new SeekUnsupportedError(name, { cause: err });
      throw err;
    }
  }
  return subs;
}

/** Snapshot name of a subscription: `<label>.<subscription>`. */
function snapshotName(label: string, subscription: string): string {
  return `${label}.${subscription}`;
}

/**
 * Takes a snapshot of each of the group's subscriptions (their unacknowledged messages and acks from
 * now on), the emulator-supported way to replay later. Returns the snapshot names.
 */
export async function snapshotSubscriptions(
  pubsub: PubSub,
  group: { groupId: string; topicPrefix: string },
  label: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const name of subscriptionsOf(group.groupId, group.topicPrefix)) {
    const snap = snapshotName(label, name);
    await pubsub.subscription(name).createSnapshot(snap);
    out.push(snap);
  }
  return out;
}

/** Seeks each of the group's subscriptions back to the snapshot taken with `label`. */
export async function seekSubscriptionsToSnapshots(
  pubsub: PubSub,
  group: { groupId: string; topicPrefix: string },
  label: string,
): Promise<string[]> {
  const subs = subscriptionsOf(group.groupId, group.topicPrefix);
  for (const name of subs) await pubsub.subscription(name).seek(snapshotName(label, name));
  return subs;
}
