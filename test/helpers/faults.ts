import { appendFileSync, writeFileSync } from 'node:fs';
import { INPUT_TOPICS } from '@cdp360/domain';
import type { Manifest } from '@cdp360/generator';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { type CdpProcess, sleep, spawnCdp } from './cdp-process';
import { countRows, updaterArgs } from './crash';
import { FACT_TABLES } from './manifest';
import { freePort } from './redis-server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { produceGenerated, type Scenario, streamVersusBatch } from './updater';

/** Per-topic counts of the updater's exit table (`updater stopped … topic applied duplicate …`). */
export type ExitCounts = Record<
  string,
  { applied: number; duplicate: number; deadLettered: number; suppressed: number }
>;

export function parseCountersTable(output: string): ExitCounts {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^topic\s+applied\s+duplicate\s+dead-lettered\s+suppressed/.test(l));
  if (start < 0) throw new Error(`no counters table in the updater's output:\n${output.slice(-3000)}`);
  const out: ExitCounts = {};
  for (const line of lines.slice(start + 1)) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line.trim());
    if (!m) break;
    if (m[1] === 'total') continue;
    out[m[1]!] = { applied: +m[2]!, duplicate: +m[3]!, deadLettered: +m[4]!, suppressed: +m[5]! };
  }
  return out;
}

/**
 * Nothing lost, nothing counted twice, per input topic: applied + duplicate + dead-lettered is what was
 * produced, and dead-lettered is exactly the invalid messages. Returns the produced total.
 */
export function expectAllCounted(
  counts: ExitCounts,
  manifest: Manifest,
  prefix: string,
  inLog?: Record<string, number>,
): number {
  let produced = 0;
  for (const t of INPUT_TOPICS) {
    const m = manifest.topics[t.topic]!;
    const c = counts[prefix + t.topic] ?? { applied: 0, duplicate: 0, deadLettered: 0, suppressed: 0 };
    const generated = m.validFirst + m.duplicates + m.invalid;
    const want = inLog ? (inLog[prefix + t.topic] ?? 0) : generated;
    produced += want;
    if (want !== generated) {
      // The producer appended some batches twice: each copy of an invalid message is dead-lettered.
      expect(c.applied + c.duplicate + c.deadLettered).toBe(want);
      expect(c.deadLettered).toBeGreaterThanOrEqual(m.invalid);
      continue;
    }
    expect({ topic: t.topic, counted: c.applied + c.duplicate + c.deadLettered, deadLettered: c.deadLettered }).toEqual(
      {
        topic: t.topic,
        counted: want,
        deadLettered: m.invalid,
      },
    );
  }
  return produced;
}

/**
 * The messages each of the scenario's input topics holds (high - low watermark per partition). The
 * test's producer is not idempotent: a request retried on a slow broker can append a batch twice, so
 * the log, not the generator's manifest, is what was produced.
 */
export async function messagesInLog(kafka: Kafka, prefix: string): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of INPUT_TOPICS) {
      const offsets = await admin.fetchTopicOffsets(prefix + t.topic);
      out[prefix + t.topic] = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** /readyz of a process on `port`: the status code, or 0 when nothing answers. */
export async function readyz(port: number): Promise<{ status: number; reasons: string[] }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { reasons?: string[] };
    return { status: res.status, reasons: body.reasons ?? [] };
  } catch {
    return { status: 0, reasons: [] };
  }
}

/** A fault to put on and take off again (a proxy cut and healed, a server killed and started). */
export interface Fault {
  begin: () => Promise<void> | void;
  end: () => Promise<void> | void;
}

export interface FaultRun {
  process: CdpProcess;
  output: string;
  /** Readiness samples taken while the fault was on (status codes and reasons). */
  duringFault: { status: number; reasons: string[] }[];
  /** Lines the updater logged from the fault's start to its end, and from its end to the exit. */
  linesDuringFault: string[];
  linesAfterFault: string[];
  /** From the fault's end to the updater caught up (its --until-idle exit), ms. */
  recoveryMs: number;
  faultMs: number;
}

/**
 * Runs `cdp updater --until-idle` (small units, /readyz on a port of its own) with `env`, waits until
 * `progress()` reaches `at`, then calls `fault.begin()`, samples /readyz every 200 ms for `holdMs`,
 * calls `fault.end()`, and waits for the updater to finish on its own. Fails with the output when it
 * exits non-zero or does not finish within `timeoutMs`.
 */
export async function runThroughFault(options: {
  env: NodeJS.ProcessEnv;
  progress: () => Promise<number>;
  at: number;
  fault: Fault;
  holdMs: number;
  timeoutMs?: number;
  extraArgs?: string[];
  /** The scenario's Redis key prefix (never the default one on a shared server). */
  redisNamespace: string;
}): Promise<FaultRun> {
  const metricsPort = await freePort();
  const p = spawnCdp(updaterArgs({ extra: options.extraArgs, redisNamespace: options.redisNamespace }), {
    ...options.env,
    CDP_METRICS_PORT: String(metricsPort),
    LOG_LEVEL: process.env.CDP_FAULT_LOG_LEVEL ?? 'info',
  });
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const fail = (what: string) => {
    p.child.kill('SIGKILL');
    if (process.env.CDP_FAULT_LOG_DIR) {
      writeFileSync(`${process.env.CDP_FAULT_LOG_DIR}/updater-failed-${Date.now()}.log`, p.output());
    }
    return new Error(`${what}:\n${p.output().slice(-8000)}`);
  };
  while (p.child.exitCode === null && Date.now() < deadline) {
    const n = await options.progress().catch(() => 0);
    if (n >= options.at) break;
    await sleep(20);
  }
  if (p.child.exitCode !== null) throw fail(`the updater exited (${p.child.exitCode}) before the fault`);
  if (Date.now() >= deadline) throw fail('no progress before the fault');
  const beforeFault = p.output().length;
  const faultStart = Date.now();
  await options.fault.begin();
  // Readiness is sampled until the fault has ended (a restart that takes a while is part of it).
  const duringFault: FaultRun['duringFault'] = [];
  let ended = false;
  const sampling = (async () => {
    const gone = () => p.child.exitCode !== null || p.child.signalCode !== null;
    while (!ended && !gone()) {
      await sleep(200);
      const sample = await readyz(metricsPort);
      // The updater may drain everything and leave (--until-idle) while a slow link is still on: a
      // sample that found it gone, or closing its metrics server on the way out, says nothing about
      // its readiness, so sampling stops there.
      if (sample.status === 0) await sleep(300);
      if (gone()) break;
      // Nor does one that found it shutting down (it leaves the group on purpose then).
      if (sample.reasons.includes('shutting down')) break;
      duringFault.push(sample);
    }
  })();
  await sleep(options.holdMs);
  const atFaultEnd = p.output().length;
  await options.fault.end();
  ended = true;
  await sampling;
  const faultEnd = Date.now();
  const result = await Promise.race([p.exited, sleep(Math.max(1000, deadline - Date.now())).then(() => null)]);
  if (result === null) throw fail('the updater did not catch up after the fault');
  if (result.code !== 0) throw fail(`the updater exited ${result.code ?? result.signal}`);
  const output = p.output();
  if (process.env.CDP_FAULT_LOG_DIR) {
    writeFileSync(`${process.env.CDP_FAULT_LOG_DIR}/updater-${Date.now()}.log`, output);
  }
  const lines = (from: number, to: number) =>
    output
      .slice(from, to)
      .split('\n')
      .filter((l) => l.trim() !== '');
  return {
    process: p,
    output,
    duringFault,
    linesDuringFault: lines(beforeFault, atFaultEnd),
    linesAfterFault: lines(atFaultEnd, output.length),
    recoveryMs: Date.now() - faultEnd,
    faultMs: faultEnd - faultStart,
  };
}

/** The JSON log lines at `level` or above (pino: 40 warn, 50 error). */
export function logLines(lines: readonly string[], minLevel = 40): { level: number; msg: string; line: string }[] {
  const out: { level: number; msg: string; line: string }[] = [];
  for (const line of lines) {
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string };
      if ((j.level ?? 0) >= minLevel) out.push({ level: j.level ?? 0, msg: j.msg ?? '', line });
    } catch {
      // not a log line (the counters table)
    }
  }
  return out;
}

export interface FaultFigures {
  fault: string;
  produced: number;
  lost: number;
  doubleCounted: number;
  faultMs: number;
  recoveryMs: number;
  warnLines: number;
}

/**
 * After a run through a fault: every message counted once (applied + duplicate + dead-lettered =
 * produced per topic), every fact recorded exactly once, and customer_360 equal to the batch
 * recompute. Returns the figures of the run (appended as a JSON line to $CDP_FAULT_REPORT when set).
 */
export async function expectExactAfterFault(
  fault: string,
  kafka: Kafka,
  pool: pg.Pool,
  asOf: string,
  manifest: Manifest,
  prefix: string,
  run: FaultRun,
  streamVersusBatch: (
    pool: pg.Pool,
    asOf: string,
  ) => Promise<{ missingInActual: number; missingInExpected: number; columns: unknown[]; rowsCompared: number }>,
): Promise<FaultFigures> {
  const counts = parseCountersTable(run.output);
  const counted = Object.entries(counts)
    .filter(([topic]) => topic.startsWith(prefix))
    .reduce((n, [, c]) => n + c.applied + c.duplicate + c.deadLettered, 0);
  const inLog = await messagesInLog(kafka, prefix);
  const produced = Object.values(inLog).reduce((a, b) => a + b, 0);
  // Counted more than produced: some message counted twice; fewer: lost (facts missing say the same).
  let lost = Math.max(0, produced - counted);
  let doubled = Math.max(0, counted - produced);
  for (const [table, topic] of FACT_TABLES) {
    const n = Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const want = manifest.topics[topic]!.validFirst;
    lost += Math.max(0, want - n);
    doubled += Math.max(0, n - want);
  }
  expect({ lost, doubled }).toEqual({ lost: 0, doubled: 0 });
  expect(expectAllCounted(counts, manifest, prefix, inLog)).toBe(produced);
  const diff = await streamVersusBatch(pool, asOf);
  expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  expect(diff.rowsCompared).toBeGreaterThan(0);
  const figures: FaultFigures = {
    fault,
    produced,
    lost,
    doubleCounted: doubled,
    faultMs: run.faultMs,
    recoveryMs: run.recoveryMs,
    warnLines: logLines([...run.linesDuringFault, ...run.linesAfterFault]).length,
  };
  if (process.env.CDP_FAULT_REPORT) {
    appendFileSync(process.env.CDP_FAULT_REPORT, `${JSON.stringify(figures)}\n`);
  }
  return figures;
}

/**
 * A fault test's run: the generated stream of 300 customers (8 events each, 3% duplicates, 1% invalid,
 * `seed`) produced into the scenario, `cdp updater` run through `fault` from the 200th web session on
 * (runThroughFault), then everything checked exact (expectExactAfterFault, under `name`). `pool` is
 * where the scenario's tables are read (its own database unless the test moved it).
 */
export async function produceAndRunThroughFault(
  s: Scenario,
  options: { name: string; seed: number; fault: Fault; holdMs: number; timeoutMs?: number; pool?: pg.Pool },
): Promise<{ run: FaultRun; figures: FaultFigures }> {
  const pool = options.pool ?? s.db.pool;
  const manifest = await produceGenerated(s, {
    customers: 300,
    eventsPerCustomer: 8,
    duplicateRate: 0.03,
    invalidRate: 0.01,
    seed: options.seed,
  });
  const run = await runThroughFault({
    env: s.env,
    redisNamespace: s.redisNamespace,
    progress: () => countRows(pool, ['website_behavior']),
    at: 200,
    fault: options.fault,
    holdMs: options.holdMs,
    timeoutMs: options.timeoutMs,
  });
  const figures = await expectExactAfterFault(
    options.name,
    s.kafka,
    pool,
    s.asOf,
    manifest,
    s.prefix,
    run,
    streamVersusBatch,
  );
  return { run, figures };
}

/** Puts a TCP proxy of its own between the scenario's `cdp` processes and its Postgres (DATABASE_URL). */
export async function proxyPostgres(s: Scenario): Promise<TcpProxy> {
  const url = new URL(s.db.url);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  s.env.DATABASE_URL = url.toString();
  return proxy;
}

/** Puts a TCP proxy of its own between the scenario's `cdp` processes and the Redis on `port` (REDIS_URL). */
export async function proxyRedis(s: Scenario, port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ port });
  s.env.REDIS_URL = `redis://127.0.0.1:${proxy.port}`;
  return proxy;
}

/**
 * One warning when the outage of `service` starts, one line when it ends, nothing else at warn or
 * above, and no stack trace anywhere in the output.
 */
export function expectOutageLoggedOnce(run: FaultRun, service: 'Postgres' | 'Redis'): void {
  const warnings = logLines([...run.linesDuringFault, ...run.linesAfterFault]);
  expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(new RegExp(`^${service} unreachable \\(`))]);
  expect(run.output).toMatch(new RegExp(`"msg":"${service} reachable again after [\\d.]+ s"`));
  expect(run.output).not.toMatch(/"stack":/);
}
