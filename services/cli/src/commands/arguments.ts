import { parseDateLike } from '@cdp360/domain';
import { InvalidArgumentError } from 'commander';

/** Commander parser for `--as-of`-style options: a real calendar date YYYY-MM-DD. */
export function calendarDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || parseDateLike(value) === null) {
    throw new InvalidArgumentError('expected a calendar date YYYY-MM-DD, e.g. 2026-11-25');
  }
  return value;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a whole number >= 1');
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

/** Commander parser for `--transport`. */
export function transportName(value: string): 'kafka' | 'pubsub' {
  if (value !== 'kafka' && value !== 'pubsub') throw new InvalidArgumentError('expected kafka or pubsub');
  return value;
}
