/**
 * Where to move a consumer group, as the user writes it: `earliest`, `latest`, an RFC 3339 time, or
 * `topic:partition:offset[,…]`. Broker-neutral text; each broker's replay says which kinds it can do
 * (Pub/Sub has no offsets, and adds snapshots).
 */
export type ReplayTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'time'; epochMs: number }
  | { kind: 'offsets'; offsets: { topic: string; partition: number; offset: string }[] };

/**
 * Parses `earliest`, `latest`, an RFC 3339 time, or `topic:partition:offset[,…]`. Throws a RangeError
 * saying what was expected.
 */
export function parseReplayTarget(text: string): ReplayTarget {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new RangeError(`${text} is not a valid RFC 3339 time`);
    return { kind: 'time', epochMs: ms };
  }
  const offsets = text.split(',').map((part) => {
    const m = /^(.+):(\d+):(\d+)$/.exec(part.trim());
    if (!m) {
      throw new RangeError(
        `${JSON.stringify(part)} is not topic:partition:offset (expected earliest, latest, an RFC 3339 time or topic:partition:offset,…)`,
      );
    }
    return { topic: m[1]!, partition: Number(m[2]), offset: m[3]! };
  });
  return { kind: 'offsets', offsets };
}
