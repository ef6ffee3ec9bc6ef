/**
 * The subscription a consumer group reads a topic through: `<group>.<topic>`. Pub/Sub subscription
 * ids must start with a letter and use [A-Za-z0-9-_.~+%], 3 to 255 characters.
 */
export function subscriptionName(groupId: string, topic: string): string {
  return `${groupId}.${topic}`;
}

/** gRPC status codes the adapters branch on. */
export const GRPC = { UNKNOWN: 2, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, UNIMPLEMENTED: 12 } as const;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Stream of a Pub/Sub position: `pubsub:<topic>`; a message is `pubsub:<topic>/<message id>@<publish µs>`
 * (message ids are unique per topic and survive redelivery and seeks).
 */
export const PUBSUB_STREAM_PREFIX = 'pubsub:';
