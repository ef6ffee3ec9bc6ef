import {
  attemptsSummary,
  DependencyConfigError,
  DependencyUnavailableError,
  describeConnectionError,
  probeWithRetry,
} from '@cdp360/config';
import { createPubSub, type PubSubOptions } from './create-pub-sub';
import { GRPC, grpcCode } from './names';

const UNAUTHENTICATED = 16;
const PERMISSION_DENIED = 7;

// The auth library says so in text only, with no code.
const NO_CREDENTIALS = /Could not load the default credentials|Could not refresh access token/;

function isCredentialsError(err: unknown): boolean {
  return grpcCode(err) === UNAUTHENTICATED || NO_CREDENTIALS.test((err as Error | null)?.message ?? '');
}

/** gRPC reports the socket error inside its text (`… Last error: Error: connect ECONNREFUSED …`). */
function socketReason(err: unknown): string {
  const code = /connect (E[A-Z]+)/.exec((err as Error | null)?.message ?? '')?.[1];
  if (code) return describeConnectionError({ code });
  if (grpcCode(err) === GRPC.DEADLINE_EXCEEDED) return 'no answer (deadline exceeded)';
  return describeConnectionError(err);
}

export interface PubSubProbeOptions {
  /** How long to keep trying, ms (CDP_STARTUP_TIMEOUT_MS). */
  totalMs: number;
}

/**
 * Checks at start that Pub/Sub answers (the emulator at options.emulatorHost, else Google Cloud for
 * the project) by listing one topic, retrying while it does not for up to `totalMs`. A refusal for
 * lack of permission to list topics counts as an answer: production service accounts often may only
 * publish and subscribe. Throws DependencyUnavailableError when it never answered, and
 * DependencyConfigError (exit 2) when Google Cloud refused or found no credentials.
 */
export async function probePubSub(options: PubSubOptions, probe: PubSubProbeOptions): Promise<void> {
  const outcome = await probeWithRetry(
    async (timeoutMs) => {
      const pubsub = createPubSub(options);
      try {
        await pubsub.getTopics({ pageSize: 1, gaxOpts: { timeout: timeoutMs, retry: null } });
      } catch (err) {
        if (grpcCode(err) !== PERMISSION_DENIED) throw err;
      } finally {
        await pubsub.close().catch(() => {});
      }
    },
    { totalMs: probe.totalMs, isFatal: isCredentialsError },
  );
  if (outcome.ok) return;
  const err = outcome.error;
  const emulator = options.emulatorHost;
  const base = emulator
    ? { service: 'pubsub' as const, label: 'the Pub/Sub emulator', address: emulator, cause: err }
    : { service: 'pubsub' as const, address: `pubsub.googleapis.com (project ${options.projectId})`, cause: err };
  if (isCredentialsError(err)) {
    throw new DependencyConfigError({
      ...base,
      variable: 'GOOGLE_APPLICATION_CREDENTIALS',
      reason: `refused or found no credentials (${((err as Error).message ?? '').split('\n')[0]})`,
      hint: 'set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, or run where default credentials exist; for the emulator set PUBSUB_EMULATOR_HOST',
    });
  }
  throw new DependencyUnavailableError({
    ...base,
    variable: emulator ? 'PUBSUB_EMULATOR_HOST' : 'PUBSUB_PROJECT_ID',
    reason: `${socketReason(err)} (${attemptsSummary(outcome)})`,
    hint: emulator
      ? 'start the emulator, or point PUBSUB_EMULATOR_HOST at it (unset it for Google Cloud)'
      : 'check the network path to pubsub.googleapis.com and PUBSUB_PROJECT_ID',
  });
}
