export type { PubSubOptions } from './create-pub-sub';
export { createPubSub } from './create-pub-sub';
export { DEAD_LETTER_ATTRIBUTES, type PubSubDeadLetter, publishDeadLetters } from './dead-letter';
export { GRPC, grpcCode, PUBSUB_STREAM_PREFIX, subscriptionName } from './names';
export { type PubSubProbeOptions, probePubSub } from './probe-pubsub';
export { type KeyedMessage, orderedTopic, PUBLISH_CHUNK, publishChunked, publishKeyed } from './publish';
export {
  applyPubSubReplay,
  deleteSnapshots,
  EARLIEST_MARGIN_MS,
  formatDuration,
  type PubSubGroup,
  PubSubReplayError,
  type PubSubReplayTarget,
  parsePubSubReplayTarget,
  planPubSubReplay,
  SeekUnsupportedError,
  type SubscriptionSeek,
  seekSubscriptions,
  seekSubscriptionsToSnapshots,
  snapshotLabel,
  snapshotName,
  snapshotSubscriptions,
} from './seek';
export { ensureTopology, type TopologyOptions, type TopologyResult } from './topology';
