export { type Config, ConfigError, loadConfig, parseRedisClusterNodes, type RedisClusterConfig } from './config';
export { createLogger, type Logger } from './logger';
export { loadTriggerRules } from './trigger-rules-file';
