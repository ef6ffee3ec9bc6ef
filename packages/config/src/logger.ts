import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Personal data that may appear in log objects (customer records, raw events) is redacted by path,
 * whatever the nesting, so a debug log of an event never leaks it.
 */
const PII_FIELDS = [
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
];
const REDACT_PATHS = PII_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

/** The process logger: JSON lines on stdout (or `destination`), PII redacted. */
export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'cdp360',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}
