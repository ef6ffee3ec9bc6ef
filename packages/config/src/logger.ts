import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values are personal data or secrets wherever they appear in a log object (customer
 * records, raw events, configuration, errors), in the wire's and the code's spelling. `detail` is the
 * part of a Postgres error that quotes the failing row ("Failing row contains (…)").
 */
const REDACTED_KEYS = new Set([
  'first_name',
  'last_name',
  'email',
  'phone_number',
  'date_of_birth',
  'firstName',
  'lastName',
  'phoneNumber',
  'dateOfBirth',
  'password',
  'authorization',
  'apiKey',
  'api_key',
  'detail',
]);
const CENSOR = '[redacted]';
/** Deeper than this, a value is replaced by a marker (log objects are shallow; cycles end here). */
const MAX_DEPTH = 8;

/**
 * A log object with personal data and secrets taken out, without touching the original: the same
 * object when there is nothing to take out, else a copy of the parts that change. Bytes (a Buffer,
 * any typed array: raw message values, protocol payloads) are shown by their size only, since they
 * may hold anything; errors are serialized first (pino's err serializer) so their own fields are
 * looked at as well.
 */
export function redactLogObject(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redactLogObject(pino.stdSerializers.err(value), depth);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const r = redactLogObject(v, depth + 1);
      if (r !== v) {
        out ??= value.slice();
        out[i] = r;
      }
    }
    return out ?? value;
  }
  // Maps, Sets, Dates and class instances other than errors are left as they are (JSON shows a
  // Date's text, and a Map or Set as {}).
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !isSerializedError(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const r = REDACTED_KEYS.has(key) && v !== null && v !== undefined ? CENSOR : redactLogObject(v, depth + 1);
    if (r !== v) {
      out ??= copyOf(value as Record<string, unknown>);
      out[key] = r;
    }
  }
  return out ?? value;
}

/** pino's serialized errors have a prototype of their own; they are walked like plain objects. */
function isSerializedError(value: object): boolean {
  return (
    typeof (value as { type?: unknown }).type === 'string' && typeof (value as { stack?: unknown }).stack === 'string'
  );
}

function copyOf(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = value[key];
  return out;
}

/** The process logger: JSON lines on stdout (or `destination`), personal data and secrets redacted. */
export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'cdp360',
      level: options.level ?? 'info',
      // A walk of each logged object rather than pino's path redaction: that covers any depth, shows
      // bytes by their size, and never reads a Buffer's accessors (pino's wildcard paths do, which
      // throws inside kafkajs's debug logging and broke its SASL handshake at LOG_LEVEL=debug).
      formatters: {
        log: (object) => redactLogObject(object) as Record<string, unknown>,
        bindings: (bindings) => redactLogObject(bindings) as Record<string, unknown>,
      },
      serializers: { err: (err: unknown) => redactLogObject(err) },
      base: { pid: process.pid },
    },
    options.destination,
  );
}
