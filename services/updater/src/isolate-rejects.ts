import { classifySqlError } from '@cdp360/postgres';

/** An item the database refused on its own, with the error it raised. */
export class Refused {
  constructor(readonly error: unknown) {}
}

export interface IsolateOptions {
  /** Tries of the whole statement before it is split (default 2: one retry). */
  attempts?: number;
  /** Pause before a retry of the whole statement, ms. */
  retryDelayMs?: number;
  /** Called once per split of a refused statement: how many items it had. */
  onSplit?: (items: number) => void;
  /**
   * A statement of at least this many items whose every item is refused on its own points at no
   * message in particular (a constraint every row breaks, a bug in how rows are shaped): its error is
   * thrown instead, so the unit fails and stays visible rather than dead-lettering a whole stream
   * (default 8).
   */
  systemicAt?: number;
}

/** Every item of a write was refused on its own: the cause is not in the messages. */
export class SystemicRefusal extends Error {
  constructor(
    readonly items: number,
    readonly error: unknown,
  ) {
    super(
      `the database refused each of the ${items} rows of one write on its own (${String((error as { code?: unknown }).code ?? '')}): a constraint or trigger that no row passes, not a poison message; nothing is dead-lettered`,
      { cause: error },
    );
    this.name = 'SystemicRefusal';
  }
}

/**
 * Writes `items` with `write` (one statement, all or nothing, returning one result per item) and, if
 * the database refuses the rows (`classifySqlError` says `rejected`) again after `attempts` tries,
 * writes each half on its own, recursively, until every item is written or refused on its own.
 * Returns one entry per item, in order: its result, or `Refused` with the database's error.
 *
 * Any other error (a lost connection, a deadlock, a missing table) is thrown as it is: no item is to
 * blame, and the caller's unit fails as before (nothing committed, redelivered later). Halves that were
 * written before such an error stay written; the statements are idempotent per source position, so a
 * redelivery finds them. The halves are written one after the other, in order.
 */
export async function writeIsolating<T, R>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<readonly R[]>,
  options: IsolateOptions = {},
): Promise<(R | Refused)[]> {
  if (items.length === 0) return [];
  const attempts = Math.max(1, options.attempts ?? 2);
  let error: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return [...(await write(items))];
    } catch (err) {
      if (classifySqlError(err) !== 'rejected') throw err;
      error = err;
      if (attempt < attempts && options.retryDelayMs) await sleep(options.retryDelayMs);
    }
  }
  const out = await split(items, write, error, options);
  const systemicAt = options.systemicAt ?? 8;
  if (items.length >= systemicAt && out.every((r) => r instanceof Refused)) {
    throw new SystemicRefusal(items.length, error);
  }
  return out;
}

async function split<T, R>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<readonly R[]>,
  error: unknown,
  options: IsolateOptions,
): Promise<(R | Refused)[]> {
  if (items.length === 1) return [new Refused(error)];
  options.onSplit?.(items.length);
  const mid = Math.ceil(items.length / 2);
  const out: (R | Refused)[] = [];
  for (const half of [items.slice(0, mid), items.slice(mid)]) {
    try {
      out.push(...(await write(half)));
    } catch (err) {
      if (classifySqlError(err) !== 'rejected') throw err;
      out.push(...(await split(half, write, err, options)));
    }
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
