import {
  attemptsSummary,
  createLogger,
  DependencyUnavailableError,
  describeConnectionError,
  errorChain,
  isCertificateError,
  isTlsSetupError,
  type KafkaConfig,
  probeWithRetry,
  tlsSetupError,
} from '@cdp360/config';
import { createKafka, type KafkaOptions } from './client';
import { explainKafkaError } from './explain';

export interface KafkaProbeOptions {
  /** How long to keep trying, ms (CDP_STARTUP_TIMEOUT_MS). */
  totalMs: number;
}

/** kafkajs's error class names are its stable codes. */
function hasErrorNamed(err: unknown, name: string): boolean {
  return errorChain(err).some((e) => (e as Error | null)?.name === name);
}

const isSaslError = (err: unknown) => hasErrorNamed(err, 'KafkaJSSASLAuthenticationError');

/**
 * Checks at start that a broker of `options.brokers` answers (connect, and the cluster metadata),
 * with the same client settings as the process's own clients (TLS, SASL), retrying while none does
 * for up to `totalMs`. Throws DependencyUnavailableError when none answered; a refused SASL login or
 * broker certificate becomes explainKafkaError's KafkaSecurityError (one line, exit 2), a refused
 * client certificate or a plaintext port a DependencyConfigError (exit 2).
 */
export async function probeKafka(
  options: Omit<KafkaOptions, 'logger' | 'clientId'> & Pick<KafkaConfig, 'brokers' | 'sasl'>,
  probe: KafkaProbeOptions,
): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  const outcome = await probeWithRetry(
    async (timeoutMs) => {
      const kafka = createKafka({
        ...options,
        clientId: 'cdp-startup-check',
        logger,
        connectionTimeout: timeoutMs,
        requestTimeout: timeoutMs,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    {
      totalMs: probe.totalMs,
      isFatal: (err) => isSaslError(err) || isTlsSetupError(err),
    },
  );
  if (outcome.ok) return;
  const err = outcome.error;
  const base = { service: 'kafka' as const, address: options.brokers.join(','), cause: err };
  if (isSaslError(err) || isCertificateError(err)) throw explainKafkaError(err, options as KafkaConfig);
  // No `ca`: explainKafkaError has said what to do about the brokers' certificate.
  const tlsError = tlsSetupError(err, base, {
    clientCertificate: {
      variable: 'KAFKA_SSL_CERT_FILE',
      hint: 'set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE to a client certificate the brokers trust',
    },
    protocol: {
      variable: 'KAFKA_SSL',
      hint: "match KAFKA_SSL to the listener's protocol, or list the brokers' TLS port in KAFKA_BROKERS",
    },
  });
  if (tlsError) throw tlsError;
  throw new DependencyUnavailableError({
    ...base,
    variable: 'KAFKA_BROKERS',
    reason: `${describeConnectionError(err)} (${attemptsSummary(outcome)})`,
    hint: 'start the broker, or list reachable brokers in KAFKA_BROKERS',
  });
}
