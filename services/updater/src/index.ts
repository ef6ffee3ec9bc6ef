export { loadTriggerRules } from '@cdp360/config';
export { openPipeline, type PipelineContext } from './context';
export { loadNdjsonDir, NdjsonDeadLetterSink } from './file-source';
export { groupLag } from './kafka/group-lag';
export { KafkaDeadLetterSink, KafkaSource, KafkaTriggerSink } from './kafka/kafka-source';
export {
  applyReplay,
  type PartitionMove,
  parseReplayTarget,
  planReplay,
  ReplayRefusedError,
  type ReplayTarget,
} from './kafka/replay';
export { ProfilePipeline, type UnitResult } from './pipeline';
export { PubSubSource, type PubSubSourceOptions } from './pubsub/pubsub-source';
export { PubSubTransport, type PubSubTransportOptions } from './pubsub/pubsub-transport';
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
} from './pubsub/seek';
export { rebuildAggregates } from './rebuild';
export type { DeadLetterSink, Rejected, SourceMessage } from './source';
export { Counters, type TopicCounts } from './stats';
export type { Transport } from './transport';
export { openTriggerPublisher, type TriggerPublisher } from './trigger-publisher';
export { publishQueuedTriggers, type TriggerSink, triggersFor } from './triggers';
export { createTransport, runUpdater, type UpdaterOptions, type UpdaterSummary } from './updater';
