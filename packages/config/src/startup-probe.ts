export interface ProbeOptions {
  /** How long to keep trying in all, ms; 0 makes exactly one attempt. */
  totalMs: number;
  /** Longest single attempt, ms (the connect timeout handed to the client). */
  maxAttemptMs?: number;
  /** Errors that retrying cannot cure (a refused password): they end the probe at once. */
  isFatal?: (err: unknown) => boolean;
  /** Past its own timeout, how long an attempt may take to give up by itself before it is abandoned, ms. */
  abandonGraceMs?: number;
  /** Test hook: the clock. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ProbeOutcome =
  | { ok: true; attempts: number; elapsedMs: number }
  | { ok: false; error: unknown; attempts: number; elapsedMs: number; fatal: boolean };

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
const MIN_ATTEMPT_MS = 250;
const DEFAULT_MAX_ATTEMPT_MS = 5_000;
/** Clients start slowly on a busy machine: an attempt gets this long past its timeout to fail by itself. */
const ABANDON_GRACE_MS = 3_000;

/**
 * Tries `attempt` until it resolves, a fatal error, or `totalMs` is spent: a service that is still
 * starting (a container next to ours) gets a few seconds, one that is absent fails within a bound.
 * Each attempt gets a timeout that fits in what is left (never less than 250 ms) and is abandoned
 * 3 s after it overruns it; between attempts the wait doubles from 250 ms to 2 s.
 */
export async function probeWithRetry(
  attempt: (timeoutMs: number) => Promise<void>,
  options: ProbeOptions,
): Promise<ProbeOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttemptMs = options.maxAttemptMs ?? DEFAULT_MAX_ATTEMPT_MS;
  const started = now();
  let attempts = 0;
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const left = options.totalMs - (now() - started);
    const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(maxAttemptMs, left));
    attempts++;
    try {
      await withTimeout(attempt(timeoutMs), timeoutMs + (options.abandonGraceMs ?? ABANDON_GRACE_MS));
      return { ok: true, attempts, elapsedMs: now() - started };
    } catch (error) {
      const fatal = options.isFatal?.(error) ?? false;
      const elapsedMs = now() - started;
      if (fatal || elapsedMs + backoff >= options.totalMs) return { ok: false, error, attempts, elapsedMs, fatal };
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

/** Thrown when an attempt outlives its own timeout (a client that ignores the one it was given). */
export class ProbeTimeoutError extends Error {
  readonly code = 'CDP_PROBE_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${formatSeconds(timeoutMs)}`);
    this.name = 'ProbeTimeoutError';
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `1.2 s`, for messages. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The tail every "cannot reach" line carries: how hard we tried. */
export function attemptsSummary(outcome: { attempts: number; elapsedMs: number }): string {
  return outcome.attempts === 1
    ? `1 attempt in ${formatSeconds(outcome.elapsedMs)}`
    : `${outcome.attempts} attempts in ${formatSeconds(outcome.elapsedMs)}`;
}
