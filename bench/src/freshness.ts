import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeMessage, type InputKind, topicNames } from '@cdp360/domain';
import { envelope, generateEvents, type WireMessage } from '@cdp360/generator';
import { Partitioners } from '@cdp360/kafka';
import { connectRedis } from '@cdp360/redis';
import { NODE_FLAGS } from '@cdp360/updater';
import type { Admin, Message, Producer, TopicMessages } from 'kafkajs';
import pg from 'pg';
import { ID_SPACE, MESSAGES_PER_CUSTOMER, toKafkaMessage } from './preload';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { findServers, type ServerCpuSample, sampleServers, serverCpuDelta } from './server-cpu';
import { type BenchWorld, createWorld, dropNamespace } from './world';

export interface FreshnessOptions {
  /** Produce rates to hold, events/s, in order. */
  rates: number[];
  /** Seconds per rate (>= 60 for a reportable number; shorter for development). */
  durationSeconds: number;
  seed: number;
  /** The updater's unit of work size (`--max-unit-messages`; its default when absent). */
  maxUnitMessages?: number;
}

/** Tracer customers live above the generated key space, so their first row insert marks the tracer. */
export const TRACER_BASE = 2_000_000;
const TICK_MS = 50;
/** Produce requests awaiting acknowledgement at once before the producer counts as falling behind. */
const MAX_IN_FLIGHT = 4;
/** How long after producing stops the last tracers may still arrive. */
export const SETTLE_MS = 15_000;

const CDP_BIN = path.resolve(__dirname, '../../services/cli/bin/cdp.js');

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

export function tracerMessage(world: BenchWorld, n: number): WireMessage {
  const customer = TRACER_BASE + n;
  const data = `{"session_id":"bench-${world.id}-${n}","customer_id":${customer},"visit_date":"2026-06-30","pages_viewed":3,"time_spent":42.5}`;
  const value = envelope(`bench-${world.id}-${n}`, 'bench', 'cdp.web_session.v1', new Date().toISOString(), data);
  return { kind: 'web_session', key: String(customer), value };
}

/**
 * Commit-time signal for the tracer rows: an AFTER INSERT row trigger on the table the updater writes
 * (customer_360 is a view over it) that NOTIFYs. Postgres delivers
 * a notification only when the transaction that raised it commits, so its arrival marks the row being
 * committed (visible to readers), not merely written. The trigger's WHEN clause skips every
 * non-tracer row, so the updater's statement does no extra work for them.
 */
export async function installCommitSignal(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE FUNCTION bench_tracer_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('bench_tracer', NEW.customer_id::text);
  RETURN NULL;
END $$`);
  await pool.query(`CREATE TRIGGER bench_tracer_committed AFTER INSERT ON customer_360_rows
FOR EACH ROW WHEN (NEW.customer_id >= ${TRACER_BASE}) EXECUTE FUNCTION bench_tracer_committed()`);
}

/**
 * `cdp updater` for the world as a child process with the node flags cdp runs with (stderr passed
 * through), `env` added to the world's and `args` to its command line.
 */
export function startUpdater(world: BenchWorld, env: NodeJS.ProcessEnv = {}, args: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [...NODE_FLAGS, CDP_BIN, 'updater', '--redis-namespace', world.redisNamespace, '--stats-interval', '0', ...args],
    { env: { ...world.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/**
 * The end of a tracer run: the updater stopped (SIGTERM, SIGKILL after 15 s), the clients closed, the
 * run's Redis keys dropped and the world closed. Failures on the way are ignored but the world's.
 */
export async function closeTracerRun(run: {
  updater: ChildProcess | undefined;
  producer: Producer;
  admin: Admin;
  listener: pg.Client;
  world: BenchWorld;
}): Promise<void> {
  const { updater, producer, admin, listener, world } = run;
  if (updater && updater.exitCode === null) {
    const gone = new Promise((r) => updater.once('exit', r));
    updater.kill('SIGTERM');
    const timer = setTimeout(() => updater.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
  await producer.disconnect().catch(() => {});
  await admin.disconnect().catch(() => {});
  await listener.end().catch(() => {});
  await dropNamespace(world.config, world.redisNamespace).catch(() => {});
  await world.close();
}

export async function waitForStable(admin: Admin, group: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { groups } = await admin.describeGroups([group]).catch(() => ({ groups: [] as { state: string }[] }));
    if (groups[0]?.state === 'Stable') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the updater did not join group ${group} within ${timeoutMs / 1000} s`);
}

interface RateMemory {
  targetRate: number;
  rssMiB: { start: number; peak: number; end: number };
  cpuMs: number | null;
  cpuUsPerEventProduced: number | null;
  /** The servers' CPU over the rate per event produced (the benchmark's producer and listener included). */
  serversUsPerEventProduced?: ServerCpuSample & { total: number | null };
}

/** Samples a child's resident set every second and its CPU over the sampling; stop() gives both. */
function sampleChild(pid: number): { stop(): Omit<RateMemory, 'targetRate' | 'cpuUsPerEventProduced'> } {
  const rss = () => {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
    } catch {
      return 0;
    }
  };
  const cpu = () => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
    } catch {
      return null;
    }
  };
  const start = rss();
  const cpu0 = cpu();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      const end = rss();
      const cpu1 = cpu();
      return {
        rssMiB: { start, peak: Math.max(peak, end), end },
        cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      };
    },
  };
}

/** USER_HZ: /proc/<pid>/stat counts CPU in these ticks (100 on Linux). */
const CLOCK_TICKS = 100;

interface RateResult {
  targetRate: number;
  achievedRate: number;
  produced: number;
  tracers: number;
  tracersSeen: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Background events: the generator's realistic stream over the 1M key space, taken as needed. */
export function backgroundStream(totalNeeded: number, seed: number): Iterator<WireMessage> {
  const customers = Math.max(100, Math.ceil(totalNeeded / MESSAGES_PER_CUSTOMER) + 100);
  const gen = generateEvents({ customers, idSpace: Math.max(ID_SPACE, customers), seed, batchSize: 2000 });
  return (function* () {
    for (const batch of gen) yield* batch;
  })();
}

/** What a traced load has produced so far; the soak reads it while the load runs. */
export interface TracedLoadCounts {
  produced: number;
  /** The number the next tracer gets (tracers are numbered across the whole run). */
  nextTracer: number;
}

export interface TracedLoad {
  world: BenchWorld;
  producer: Producer;
  background: Iterator<WireMessage>;
  /** Events/s, tracers included. */
  rate: number;
  durationMs: number;
  /** performance.now() of the start: the schedule of the ticks counts from here. */
  t0: number;
  counts: TracedLoadCounts;
  /** Tracer number -> performance.now() of its produce request. */
  sentAt: Map<number, number>;
  /** Runs before every tick; throw to stop the load. */
  beforeTick?: () => void;
}

/**
 * Produces the background stream at a fixed rate in 50 ms ticks, each tick's events in one batch (acks
 * all), one tracer per tick in place of a background event, with at most MAX_IN_FLIGHT batches awaiting
 * acknowledgement (a tick with that many waits, and the next catches up). Resolves once every batch is
 * acknowledged; rejects with the first failed send.
 */
export async function produceTracedLoad(load: TracedLoad): Promise<void> {
  const { world, producer, background, rate, durationMs, t0, counts, sentAt } = load;
  const names = topicNames(world.prefix).inputs;
  const perTick = (rate * TICK_MS) / 1000;
  let inFlight = 0;
  let failure: unknown;
  const pending = new Set<Promise<void>>();
  let nextTick = t0;
  while (performance.now() - t0 < durationMs && failure === undefined) {
    load.beforeTick?.();
    const elapsed = performance.now() - t0;
    const due = Math.floor((rate * elapsed) / 1000) - counts.produced;
    if (due > 0 && inFlight < MAX_IN_FLIGHT) {
      const count = Math.min(due, Math.ceil(perTick * 4));
      const byTopic = new Map<InputKind, Message[]>();
      const add = (m: WireMessage) => {
        let list = byTopic.get(m.kind);
        if (!list) {
          list = [];
          byTopic.set(m.kind, list);
        }
        list.push(toKafkaMessage(m));
      };
      // One tracer per tick replaces one background event, so the total rate is the target.
      const n = counts.nextTracer++;
      add(tracerMessage(world, n));
      for (let i = 1; i < count; i++) {
        const next = background.next();
        if (next.done) break;
        add(next.value);
      }
      counts.produced += count;
      const topicMessages: TopicMessages[] = [...byTopic].map(([kind, messages]) => ({
        topic: names[kind],
        messages,
      }));
      sentAt.set(n, performance.now());
      inFlight++;
      const p = producer
        .sendBatch({ topicMessages, acks: -1 })
        .then(
          () => {},
          (err) => {
            failure ??= err;
          },
        )
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    nextTick += TICK_MS;
    const wait = nextTick - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
}

async function holdRate(
  world: BenchWorld,
  producer: Producer,
  background: Iterator<WireMessage>,
  rate: number,
  durationMs: number,
  tracerStart: number,
  sentAt: Map<number, number>,
  committedAt: Map<number, number>,
): Promise<RateResult & { nextTracer: number }> {
  const counts: TracedLoadCounts = { produced: 0, nextTracer: tracerStart };
  const t0 = performance.now();
  await produceTracedLoad({ world, producer, background, rate, durationMs, t0, counts, sentAt });
  const { produced, nextTracer: tracer } = counts;
  const achievedRate = produced / ((performance.now() - t0) / 1000);
  // Let the last tracers of this rate arrive (the backlog, if any, drains meanwhile).
  const deadline = performance.now() + SETTLE_MS;
  const ours = () => {
    let seen = 0;
    for (let i = tracerStart; i < tracer; i++) if (committedAt.has(i)) seen++;
    return seen;
  };
  while (ours() < tracer - tracerStart && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const latencies: number[] = [];
  for (let i = tracerStart; i < tracer; i++) {
    const c = committedAt.get(i);
    if (c !== undefined) latencies.push(c - sentAt.get(i)!);
  }
  latencies.sort((a, b) => a - b);
  const missing = tracer - tracerStart - latencies.length;
  // A tracer still missing after the settle time counts as slower than anything seen.
  for (let i = 0; i < missing; i++) latencies.push(Number.POSITIVE_INFINITY);
  return {
    targetRate: rate,
    achievedRate: round(achievedRate),
    produced,
    tracers: tracer - tracerStart,
    tracersSeen: tracer - tracerStart - missing,
    p50Ms: round(percentile(latencies, 0.5), 1),
    p95Ms: round(percentile(latencies, 0.95), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 1),
    nextTracer: tracer,
  };
}

/** Produce-to-committed-row latency of tracer events at fixed produce rates, with the updater running. */
export async function runFreshness(options: FreshnessOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const world = await createWorld({ partitions: 3 });
  const probe = tracerMessage(world, 0);
  const decoded = decodeMessage('web_session', probe.key, Buffer.from(probe.value as string));
  if (!decoded.ok) throw new Error(`tracer event does not decode: ${decoded.reason}`);
  const listener = new pg.Client({ connectionString: world.databaseUrl, application_name: 'cdp-bench-listen' });
  const admin = world.kafka.admin();
  const producer = world.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let updater: ChildProcess | undefined;
  const sentAt = new Map<number, number>();
  const committedAt = new Map<number, number>();
  try {
    await installCommitSignal(world.pool);
    await listener.connect();
    listener.on('notification', (n) => {
      const at = performance.now();
      const i = Number(n.payload) - TRACER_BASE;
      if (!committedAt.has(i)) committedAt.set(i, at);
    });
    await listener.query('LISTEN bench_tracer');
    await Promise.all([admin.connect(), producer.connect()]);
    updater = startUpdater(
      world,
      {},
      options.maxUnitMessages === undefined ? [] : ['--max-unit-messages', String(options.maxUnitMessages)],
    );
    const exited = new Promise<number | null>((resolve) => updater!.once('exit', resolve));
    await Promise.race([
      waitForStable(admin, world.group, 60_000),
      exited.then((code) => {
        throw new Error(`the updater exited (code ${code}) before joining`);
      }),
    ]);
    const totalNeeded = options.rates.reduce((a, r) => a + r * options.durationSeconds, 0);
    const background = backgroundStream(totalNeeded, options.seed);
    const perRate: RateResult[] = [];
    let tracer = 0;
    const memory: RateMemory[] = [];
    const redis = connectRedis(world.config, { connectionName: 'cdp-bench' });
    const servers = await findServers(world, redis).finally(() => redis.quit().catch(() => {}));
    for (const rate of options.rates) {
      process.stderr.write(`freshness: ${fmt.rate(rate)} for ${options.durationSeconds} s\n`);
      const sampler = sampleChild(updater.pid!);
      const servers0 = sampleServers(servers);
      const r = await holdRate(
        world,
        producer,
        background,
        rate,
        options.durationSeconds * 1000,
        tracer,
        sentAt,
        committedAt,
      );
      tracer = r.nextTracer;
      const { nextTracer: _n, ...result } = r;
      perRate.push(result);
      const m = sampler.stop();
      const serverMs = serverCpuDelta(servers0, sampleServers(servers));
      const perEvent = (ms: number | null) =>
        ms === null || r.produced === 0 ? null : round((ms * 1000) / r.produced, 1);
      const parts = [serverMs.postgres, serverMs.redis, serverMs.kafka];
      memory.push({
        targetRate: rate,
        ...m,
        cpuUsPerEventProduced: r.produced > 0 && m.cpuMs !== null ? round((m.cpuMs * 1000) / r.produced, 1) : null,
        serversUsPerEventProduced: {
          postgres: perEvent(serverMs.postgres),
          redis: perEvent(serverMs.redis),
          kafka: perEvent(serverMs.kafka),
          total: parts.some((x) => x === null) ? null : perEvent(parts.reduce((a, b) => a! + b!, 0)),
        },
      });
      process.stderr.write(
        `  achieved ${fmt.rate(r.achievedRate)}; p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms (${r.tracersSeen}/${r.tracers} tracers)\n`,
      );
    }
    const underOneSecond = perRate.filter((r) => r.p99Ms < 1000 && r.achievedRate >= r.targetRate * 0.95);
    const highest = underOneSecond.length > 0 ? Math.max(...underOneSecond.map((r) => r.targetRate)) : null;
    const at5k = perRate.find((r) => r.targetRate === 5000);
    const at15k = perRate.find((r) => r.targetRate === 15_000);
    return {
      scenario: 'freshness',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options },
      results: {
        updater: `child process: node ${NODE_FLAGS.join(' ')} services/cli/bin/cdp.js updater (defaults), stopped with SIGTERM after the run`,
        signal:
          'LISTEN/NOTIFY from an AFTER INSERT trigger on customer_360_rows (the table under the customer_360 view) limited to tracer customers (delivered at commit)',
        perRate,
        updaterProcess: memory,
        highestRateWithP99UnderOneSecond: highest,
        targets: {
          p99AtMost250msAt5k: at5k ? at5k.p99Ms <= 250 : null,
          p99AtMost250msAt15k: at15k ? at15k.p99Ms <= 250 : null,
        },
        reportable: options.durationSeconds >= 60,
      },
      method: [
        'The benchmark process produces the generator stream (realistic mix, 1M id space) at the fixed rate in 50 ms ticks; one event per tick is a tracer: a web session of a customer of its own above the generated ids.',
        'Latency = the NOTIFY arriving for the tracer customer minus the moment its produce request was sent (acks=all), so it includes the producer round trip, the consumer fetch, the unit linger and the whole pipeline up to the commit.',
        'The updater is a separate process, so producing and listening do not share its event loop.',
        `Tracers not seen ${SETTLE_MS / 1000} s after a rate ends count as infinitely late.`,
        "The updater's resident set (VmRSS of /proc/<pid>/status) is sampled every second of each rate (start, peak, end); its CPU over the rate (utime + stime of /proc/<pid>/stat) is divided by the events produced in it (an updater that falls behind processes fewer than that, so the figure is then too low).",
        "The servers' CPU over each rate is read as in the drain (whole processes from /proc, the postmaster with its children), per event produced; it includes what the benchmark's own producer and listener cost them.",
      ],
      table: [
        ...perRate.map(
          (r) =>
            [
              `${fmt.int(r.targetRate)} events/s (got ${fmt.int(r.achievedRate)})`,
              `p50 ${r.p50Ms} ms  p95 ${r.p95Ms} ms  p99 ${r.p99Ms} ms  max ${r.maxMs} ms  (${r.tracersSeen}/${r.tracers} tracers)`,
            ] as [string, string],
        ),
        ...memory.map(
          (m) =>
            [
              `updater at ${fmt.int(m.targetRate)}/s`,
              `RSS ${m.rssMiB.start} / ${m.rssMiB.peak} / ${m.rssMiB.end} MiB (start / peak / end), CPU ${m.cpuUsPerEventProduced ?? '?'} µs per event produced; servers Postgres ${m.serversUsPerEventProduced?.postgres ?? '?'}, Redis ${m.serversUsPerEventProduced?.redis ?? '?'}, Kafka ${m.serversUsPerEventProduced?.kafka ?? '?'} µs`,
            ] as [string, string],
        ),
        ['highest rate with p99 < 1 s', highest === null ? 'none of the rates' : fmt.rate(highest)],
        ['target p99 <= 250 ms at 5k/s', at5k ? (at5k.p99Ms <= 250 ? 'met' : `not met (${at5k.p99Ms} ms)`) : 'not run'],
        [
          'duration per rate',
          `${options.durationSeconds} s${options.durationSeconds < 60 ? ' (dev run: not reportable)' : ''}`,
        ],
      ],
    };
  } finally {
    await closeTracerRun({ updater, producer, admin, listener, world });
  }
}
