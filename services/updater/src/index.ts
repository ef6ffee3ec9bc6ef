// What the CLI, the benchmarks and the tests use; the parts of the updater stay internal.
export { openPipeline, type PipelineContext } from './context';
export { loadNdjsonDir, NdjsonDeadLetterSink } from './file-source';
export { KAFKA_FETCH_BYTES_PER_PARTITION, KAFKA_UNIT_MESSAGES } from './kafka/kafka-source';
export { missingNodeFlags, NODE_FLAGS } from './node-flags';
export { rebuildAggregates } from './rebuild';
export type { SourceMessage } from './source';
export { Counters } from './stats';
export { runUpdater, type UpdaterOptions, type UpdaterSummary } from './updater';
