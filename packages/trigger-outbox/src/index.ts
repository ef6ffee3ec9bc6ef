export { KafkaTriggerSink } from './kafka-trigger-sink';
export { publishQueuedTriggers, type TriggerSink } from './publish-queued';
export { PubSubTriggerSink } from './pubsub-trigger-sink';
export { queueRaisedTriggers } from './queue-raised';
export { openTriggerPublisher, type TriggerPublisher } from './trigger-publisher';
