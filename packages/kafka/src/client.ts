import type { KafkaSasl, KafkaTls, Logger } from '@cdp360/config';
import { Kafka, type LogEntry, logLevel, type RetryOptions, type SASLOptions } from 'kafkajs';
import { type KafkaCompression, registerKafkaCodecs } from './codecs';

// Re-exported so callers pick a partitioner without depending on kafkajs themselves.
export { Partitioners } from 'kafkajs';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs logs go here, as a child logger `{ component: 'kafkajs', namespace }`. */
  logger: Logger;
  /** Broker outages at debug only: the process reports them itself (the updater's watch). */
  quietOutages?: boolean;
  /** TCP connect timeout per broker, ms. */
  connectionTimeout?: number;
  /** Time a broker has to answer one request, ms. */
  requestTimeout?: number;
  retry?: RetryOptions;
  /** TLS (KAFKA_SSL, KAFKA_SSL_*_FILE); false or absent for plaintext. */
  ssl?: KafkaTls | false;
  /** SASL (KAFKA_SASL_*); absent for none. */
  sasl?: KafkaSasl;
  /** The optional codecs to register (KAFKA_CODECS); absent for all of them. */
  codecs?: ReadonlyArray<Exclude<KafkaCompression, 'none' | 'gzip'>>;
}

/** The kafkajs level that emits exactly what the pino logger would keep. */
function kafkaLevel(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/** kafkajs lines that mean a broker cannot be reached: the first one starts an outage. */
const CONNECTION_TROUBLE =
  /Connection (error|timeout|closed)|Failed to connect|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|KafkaJSConnection|KafkaJSNumberOfRetriesExceeded|Restarting the consumer/;

/** Answers of a broker that is coming back (coordinator loading, group rejoin, leaders moving): debug during an outage. */
const BROKER_SETTLING =
  /coordinator is not aware of this member|coordinator is not available|coordinator is loading|not the correct coordinator|leader is not available|not the leader|out of order sequence|re-joining the group|Crash:/;

/**
 * kafkajs's text for Kafka's COORDINATOR_LOAD_IN_PROGRESS (protocol error 14, GROUP_LOAD_IN_PROGRESS in
 * kafkajs): the coordinator of a group or producer id is still loading its state, as on a broker that
 * has just started. Retriable; kafkajs retries the request itself.
 */
const COORDINATOR_LOADING = "The coordinator is loading and hence can't process requests for this group";

/** Connection trouble after this long without any is a new outage, ms. */
const OUTAGE_QUIET_MS = 30_000;

/**
 * Forwards kafkajs log entries to pino at the matching level. kafkajs adds `timestamp` and
 * `logger: 'kafkajs'` to every entry; pino has its own time and the child binding says where the
 * line came from, so both are dropped.
 */
export function pinoLogCreator(
  logger: Logger,
  options: { quietOutages?: boolean } = {},
): () => (entry: LogEntry) => void {
  const base = logger.child({ component: 'kafkajs' });
  // While the brokers are away kafkajs logs every failed connect, retry and rejoin of every client,
  // with a stack: the first such line of an outage is a warning, the rest debug.
  let lastConnectionTrouble = 0;
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _t, logger: _l, ...extra } = log;
      let fields: Record<string, unknown> = { namespace, ...extra };
      // The updater reports a failed unit itself, in one line without a stack; kafkajs logs one per
      // partition batch and retry, with the stack.
      if (message === 'Error when calling eachBatch') level = logLevel.DEBUG;
      // A notice at every idempotent producer's creation: our sends are bounded on purpose.
      if (message.startsWith('Limiting retries for the idempotent producer')) level = logLevel.DEBUG;
      // A broker's answer that its coordinator is still loading (InitProducerId at every start): the
      // connection logs the response at error before kafkajs retries; only a retry that gives up is news.
      if (namespace === 'Connection' && message.startsWith('Response ') && extra.error === COORDINATOR_LOADING) {
        level = logLevel.DEBUG;
      }
      const text = `${message} ${String(extra.error ?? '')}`;
      const now = Date.now();
      const inOutage = now - lastConnectionTrouble <= OUTAGE_QUIET_MS;
      if (level <= logLevel.WARN && inOutage && BROKER_SETTLING.test(text)) {
        level = logLevel.DEBUG;
      } else if (level <= logLevel.WARN && CONNECTION_TROUBLE.test(text)) {
        lastConnectionTrouble = now;
        if (!inOutage && !options.quietOutages) {
          const { stack: _s, ...rest } = fields;
          fields = rest;
          base.warn(fields, `${message} (kafkajs reconnects with backoff; further lines of this outage at debug)`);
          return;
        }
        level = logLevel.DEBUG;
      }
      switch (level) {
        case logLevel.ERROR:
          base.error(fields, message);
          break;
        case logLevel.WARN:
          base.warn(fields, message);
          break;
        case logLevel.INFO:
          base.info(fields, message);
          break;
        default:
          base.debug(fields, message);
      }
    };
}

/**
 * A kafkajs client. Defaults differ from kafkajs's where they bite in practice: a 1 s connect
 * timeout is too short for a broker that is still starting (tests bring the stack up just before),
 * and retries back off up to 30 s so a broker restart is ridden out instead of failing a batch.
 */
export function createKafka(options: KafkaOptions): Kafka {
  registerKafkaCodecs(options.codecs);
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    ssl: tlsOptions(options.ssl),
    sasl: saslOptions(options.sasl),
    connectionTimeout: options.connectionTimeout ?? 5_000, // ms
    requestTimeout: options.requestTimeout ?? 30_000, // ms
    retry: options.retry ?? { initialRetryTime: 300, maxRetryTime: 30_000, retries: 10 }, // ms
    logLevel: kafkaLevel(options.logger.level),
    logCreator: pinoLogCreator(options.logger, { quietOutages: options.quietOutages }),
  });
}

function tlsOptions(tls: KafkaTls | false | undefined): boolean | { ca?: string; cert?: string; key?: string } {
  if (!tls) return false;
  if (tls.ca === undefined && tls.cert === undefined) return true; // the system CAs
  return { ca: tls.ca, cert: tls.cert, key: tls.key };
}

function saslOptions(sasl: KafkaSasl | undefined): SASLOptions | undefined {
  if (!sasl) return undefined;
  // Built per client and never kept: the password reaches kafkajs and nothing else.
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}
