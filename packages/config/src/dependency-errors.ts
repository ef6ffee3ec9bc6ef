import { ConfigError } from './config-error';

/** The services a cdp process can depend on, with the exit code a process uses when one cannot be reached. */
export const SERVICES = {
  kafka: { name: 'Kafka', exitCode: 10, code: 'CDP_KAFKA_UNAVAILABLE' },
  postgres: { name: 'Postgres', exitCode: 11, code: 'CDP_POSTGRES_UNAVAILABLE' },
  redis: { name: 'Redis', exitCode: 12, code: 'CDP_REDIS_UNAVAILABLE' },
  pubsub: { name: 'Pub/Sub', exitCode: 13, code: 'CDP_PUBSUB_UNAVAILABLE' },
} as const;

export type ServiceKind = keyof typeof SERVICES;

/**
 * Process exit codes of the `cdp` command (README and `cdp --help` list them): 1 for a failed command
 * (e.g. reconcile found differences), 2 for a usage or configuration problem (including credentials
 * or certificates a service refused, and missing Kafka topics), 3 for a stalled consumer, one code per
 * service that could not be reached.
 */
export const EXIT_CODES = {
  failure: 1,
  config: 2,
  /** The updater met a Kafka record batch it cannot decode (no codec for it): it stops rather than loop. */
  consumerStalled: 3,
  kafkaUnavailable: SERVICES.kafka.exitCode,
  postgresUnavailable: SERVICES.postgres.exitCode,
  redisUnavailable: SERVICES.redis.exitCode,
  pubsubUnavailable: SERVICES.pubsub.exitCode,
} as const;

export interface DependencyFailure {
  service: ServiceKind;
  /** How the message names the service when its plain name would mislead (`the Pub/Sub emulator`). */
  label?: string;
  /** Where it was looked for, without credentials (see redactUrl). */
  address: string;
  /** The variable that set the address (or the setting that is wrong). */
  variable: string;
  /** What went wrong, short: `connection refused`, `no answer within 3 s`. */
  reason: string;
  /** The likely fix, as a sentence for the user. */
  hint: string;
  cause?: unknown;
}

/**
 * A service that did not answer at start within the start-up timeout. Retrying later can help (the
 * service may be starting); the process exits with the service's own code.
 */
export class DependencyUnavailableError extends Error {
  readonly code: (typeof SERVICES)[ServiceKind]['code'];
  readonly exitCode: number;
  readonly service: ServiceKind;
  readonly address: string;
  readonly variable: string;
  readonly reason: string;
  readonly hint: string;

  constructor(failure: DependencyFailure) {
    const s = SERVICES[failure.service];
    super(
      `cannot reach ${failure.label ?? s.name} at ${failure.address} (${failure.variable}): ${failure.reason}; ${failure.hint}`,
      failure.cause === undefined ? undefined : { cause: failure.cause },
    );
    this.name = 'DependencyUnavailableError';
    this.code = s.code;
    this.exitCode = s.exitCode;
    this.service = failure.service;
    this.address = failure.address;
    this.variable = failure.variable;
    this.reason = failure.reason;
    this.hint = failure.hint;
  }
}

/**
 * A service answered but refused what our configuration gave it: a wrong password, an unknown
 * database, a certificate our CA does not vouch for. A configuration problem (exit 2), named by the
 * variable to change; retrying does not help.
 */
export class DependencyConfigError extends ConfigError {
  readonly service: ServiceKind;
  readonly address: string;
  readonly reason: string;
  readonly hint: string;

  constructor(failure: DependencyFailure) {
    super(
      failure.variable,
      `${failure.label ?? SERVICES[failure.service].name} at ${failure.address} ${failure.reason}; ${failure.hint}`,
    );
    if (failure.cause !== undefined) this.cause = failure.cause;
    this.name = 'DependencyConfigError';
    this.service = failure.service;
    this.address = failure.address;
    this.reason = failure.reason;
    this.hint = failure.hint;
  }
}

/** Every service a process needed at start and could not use; the first one decides the exit code. */
export class StartupCheckError extends Error {
  readonly code = 'CDP_STARTUP_CHECK';
  constructor(readonly failures: readonly [DependencyProblem, ...DependencyProblem[]]) {
    super(failures.map((f) => f.message).join('\n'));
    this.name = 'StartupCheckError';
  }

  get exitCode(): number {
    return exitCodeOf(this.failures[0]);
  }
}

export type DependencyProblem = DependencyUnavailableError | DependencyConfigError;

/** The exit code for one failed start-up check. */
export function exitCodeOf(problem: DependencyProblem): number {
  return problem instanceof DependencyUnavailableError ? problem.exitCode : EXIT_CODES.config;
}
