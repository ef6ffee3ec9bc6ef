import type { KafkaConfig } from '@cdp360/config';

/** Kafka refused the connection's credentials or its certificate: a setting is wrong, not the network. */
export class KafkaSecurityError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly code: 'CDP_KAFKA_AUTH' | 'CDP_KAFKA_TLS',
    message: string,
  ) {
    super(message);
    this.name = 'KafkaSecurityError';
  }
}

function chain(err: unknown): Array<{ name?: string; code?: string; message?: string }> {
  const out: Array<{ name?: string; code?: string; message?: string }> = [];
  for (let e = err as { cause?: unknown; originalError?: unknown } | undefined; e && out.length < 10; ) {
    out.push(e as { name?: string; code?: string; message?: string });
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return out;
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Turns kafkajs's authentication and certificate failures into one line naming the variables to
 * check (never their secret values); anything else is returned as it is.
 */
export function explainKafkaError(err: unknown, kafka: KafkaConfig | null): unknown {
  const causes = chain(err);
  const brokers = kafka ? kafka.brokers.join(',') : 'the brokers';
  if (causes.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const who = kafka?.sasl
      ? `KAFKA_SASL_MECHANISM=${kafka.sasl.mechanism}, KAFKA_SASL_USERNAME=${kafka.sasl.username}`
      : 'no KAFKA_SASL_MECHANISM set';
    return new KafkaSecurityError(
      'CDP_KAFKA_AUTH',
      `Kafka at ${brokers} refused the SASL login (${who}): check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, and that the mechanism is one the broker enables`,
    );
  }
  const tls = causes.find((e) => typeof e.code === 'string' && TLS_CODES.has(e.code));
  if (tls) {
    return new KafkaSecurityError(
      'CDP_KAFKA_TLS',
      `the TLS certificate of Kafka at ${brokers} was not accepted (${tls.code}): set KAFKA_SSL_CA_FILE to the PEM file of the CA that signed it`,
    );
  }
  return err;
}
