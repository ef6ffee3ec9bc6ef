export { openPipeline, type PipelineContext } from './context';
export { loadNdjsonDir, NdjsonDeadLetterSink } from './file-source';
export { groupLag } from './kafka/group-lag';
export { KafkaDeadLetterSink, KafkaSource } from './kafka/kafka-source';
export { ProfilePipeline, type UnitResult } from './pipeline';
export { rebuildAggregates } from './rebuild';
export type { DeadLetterSink, Rejected, SourceMessage } from './source';
export { Counters, type TopicCounts } from './stats';
export { runUpdater, type UpdaterOptions, type UpdaterSummary } from './updater';
