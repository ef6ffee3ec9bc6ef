import type pg from 'pg';
import { sleep, spawnCdp } from './cdp-process';

/**
 * `cdp updater` arguments of the process tests: small units and (Kafka) small fetches so a run has
 * many units to be interrupted in, no periodic stats. `untilIdle` false for a run stopped by signal.
 */
export function updaterArgs(
  options: { redisNamespace?: string; untilIdle?: boolean; kafkaFetchBytes?: number | null; extra?: string[] } = {},
): string[] {
  const fetchBytes = options.kafkaFetchBytes === undefined ? 32768 : options.kafkaFetchBytes;
  return [
    'updater',
    ...(options.untilIdle === false ? [] : ['--until-idle']),
    ...(options.redisNamespace ? ['--redis-namespace', options.redisNamespace] : []),
    '--stats-interval',
    '0',
    '--max-unit-messages',
    '300',
    ...(fetchBytes === null ? [] : ['--max-bytes-per-partition', String(fetchBytes)]),
    ...(options.extra ?? []),
  ];
}

/** Rows in these fact tables together (progress of a run, as the database sees it). */
export async function countRows(pool: pg.Pool, tables: readonly string[]): Promise<number> {
  const sum = tables.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ');
  return Number((await pool.query(`SELECT ${sum} AS n`)).rows[0].n);
}

/** A seeded pseudo-random number in [0, 1) per call (the same kill moments on every run). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * Starts `cdp updater` again and again, each time SIGKILLing it once `count` has grown by
 * `nextStep()` (or after `stepTimeoutMs`), until it has been killed `maxKills` times or a process
 * finishes on its own before its kill. Returns the number of kills.
 */
export async function killUpdaterRepeatedly(options: {
  args: string[];
  env: NodeJS.ProcessEnv;
  count: () => Promise<number>;
  nextStep: () => number;
  maxKills: number;
  stepTimeoutMs?: number;
}): Promise<number> {
  let kills = 0;
  while (kills < options.maxKills) {
    const before = await options.count();
    const p = spawnCdp(options.args, options.env);
    const target = before + options.nextStep();
    const deadline = Date.now() + (options.stepTimeoutMs ?? 60_000);
    while ((await options.count()) < target && p.child.exitCode === null && Date.now() < deadline) await sleep(20);
    const stillRunning = p.child.exitCode === null;
    p.child.kill('SIGKILL');
    await p.exited;
    if (!stillRunning) break; // it finished before the kill: nothing left to interrupt
    kills++;
  }
  return kills;
}
