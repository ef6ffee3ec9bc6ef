import { PubSub } from '@google-cloud/pubsub';

export interface PubSubOptions {
  /** Google Cloud project id (any id works against the emulator). */
  projectId: string;
  /** host:port of the Pub/Sub emulator; when absent the client talks to Google Cloud with default credentials. */
  emulatorHost?: string | undefined;
}

/**
 * A Pub/Sub client for the given project. The emulator host is passed explicitly (not only through
 * PUBSUB_EMULATOR_HOST) so that configuration stays in one validated object; emulator mode switches the
 * client to plaintext gRPC without credentials.
 */
export function createPubSub(options: PubSubOptions): PubSub {
  if (options.emulatorHost) {
    return new PubSub({
      projectId: options.projectId,
      apiEndpoint: options.emulatorHost,
      emulatorMode: true,
      // Never used against the emulator (the channel is plaintext), but without explicit credentials the
      // auth library looks for default ones and probes the GCE metadata server on every client (slow, and
      // traffic that must not leave a test machine).
      credentials: { client_email: 'emulator@cdp360.invalid', private_key: 'unused' },
    });
  }
  return new PubSub({ projectId: options.projectId });
}
