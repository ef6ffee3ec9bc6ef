export {
  type Config,
  ConfigError,
  type KafkaConfig,
  type KafkaSasl,
  type KafkaTls,
  loadConfig,
  parseRedisClusterNodes,
  type RedisClusterConfig,
} from './config';
export { createLogger, type Logger } from './logger';
export { loadTriggerRules } from './trigger-rules-file';
