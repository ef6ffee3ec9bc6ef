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
export {
  DependencyConfigError,
  type DependencyFailure,
  type DependencyProblem,
  DependencyUnavailableError,
  EXIT_CODES,
  exitCodeOf,
  SERVICES,
  type ServiceKind,
  StartupCheckError,
} from './dependency-errors';
export { createLogger, type Logger } from './logger';
export {
  describeConnectionError,
  errorChain,
  isCertificateError,
  isClientCertificateError,
  isTlsProtocolError,
  networkErrorCode,
} from './network-errors';
export { redactUrl } from './redact-url';
export type { RedisTlsFiles } from './redis-tls';
export { attemptsSummary, formatSeconds, type ProbeOutcome, probeWithRetry } from './startup-probe';
export { isTlsSetupError, type TlsFixes, tlsSetupError } from './tls-errors';
export { loadTriggerRules } from './trigger-rules-file';
