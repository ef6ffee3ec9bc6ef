import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import { topicNames } from '@cdp360/domain';
import { groupLag, Partitioners } from '@cdp360/kafka';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import {
  backgroundStream,
  closeTracerRun,
  installCommitSignal,
  percentile,
  produceTracedLoad,
  SETTLE_MS,
  startUpdater,
  TRACER_BASE,
  type TracedLoadCounts,
  waitForStable,
} from './freshness';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { treeCpuMs } from './server-cpu';
import { createWorld } from './world';

export interface SoakOptions {
  /** Produce rate to hold for the whole run, events/s. */
  rate: number;
  durationSeconds: number;
  /** How often the updater, Postgres and the group are sampled, seconds. */
  sampleEverySeconds: number;
  seed: number;
}

/** One sample of the run: the updater process, Postgres, the consumer group and the producer. */
export interface SoakSample {
  /** Seconds since producing started. */
  t: number;
  rssBytes: number | null;
  heapUsedBytes: number | null;
  activeHandles: number | null;
  /** CPU of the updater process since the previous sample, as a share of one core. */
  updaterCpu: number | null;
  /** Connections to the run's database: all, and the updater's (application_name cdp-updater). */
  pgConnections: number;
  pgUpdaterConnections: number;
  /** Messages behind the group's committed offsets, over every input partition. */
  lag: number;
  produced: number;
}

/** Freshness of the tracers sent in one sampling window (produce to committed row). */
export interface SoakWindow {
  fromS: number;
  toS: number;
  tracers: number;
  seen: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The value of one unlabelled-or-single-series metric in a Prometheus text exposition. */
export function metricValue(text: string, name: string): number | null {
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/**
 * A long run at one fixed rate against the updater as a child process, sampling its memory, handles,
 * CPU, Postgres connections, the group's lag and the tracers' freshness: does anything grow?
 */
export async function runSoak(options: SoakOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const world = await createWorld({ partitions: 3 });
  const names = topicNames(world.prefix).inputs;
  const inputTopics = Object.values(names);
  const listener = new pg.Client({ connectionString: world.databaseUrl, application_name: 'cdp-bench-listen' });
  const admin = world.kafka.admin();
  const producer: Producer = world.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let updater: ChildProcess | undefined;
  const sentAt = new Map<number, number>();
  const committedAt = new Map<number, number>();
  const samples: SoakSample[] = [];
  try {
    await installCommitSignal(world.pool);
    await listener.connect();
    listener.on('notification', (n) => {
      const i = Number(n.payload) - TRACER_BASE;
      if (!committedAt.has(i)) committedAt.set(i, performance.now());
    });
    await listener.query('LISTEN bench_tracer');
    await Promise.all([admin.connect(), producer.connect()]);
    const metricsPort = await freePort();
    updater = startUpdater(world, { CDP_METRICS_PORT: String(metricsPort) });
    const exited = new Promise<number | null>((resolve) => updater!.once('exit', resolve));
    await Promise.race([
      waitForStable(admin, world.group, 60_000),
      exited.then((code) => {
        throw new Error(`the updater exited (code ${code}) before joining`);
      }),
    ]);

    const background = backgroundStream(options.rate * options.durationSeconds, options.seed);
    const durationMs = options.durationSeconds * 1000;
    const t0 = performance.now();
    const counts: TracedLoadCounts = { produced: 0, nextTracer: 0 };

    const updaterPid = updater.pid!;
    let lastCpu = { at: performance.now(), ms: treeCpuMs(updaterPid, false) };
    const sample = async (): Promise<void> => {
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      const conns = await world.pool.query<{ all: string; updater: string }>(
        `SELECT count(*) AS all, count(*) FILTER (WHERE application_name = 'cdp-updater') AS updater
         FROM pg_stat_activity WHERE datname = current_database()`,
      );
      const lag = await groupLag(admin, world.group, inputTopics).then(
        (l) => l.lag,
        () => -1,
      );
      const now = performance.now();
      const cpuMs = treeCpuMs(updaterPid, false);
      const cpu = cpuMs !== null && lastCpu.ms !== null ? round((cpuMs - lastCpu.ms) / (now - lastCpu.at), 3) : null;
      lastCpu = { at: now, ms: cpuMs };
      const s: SoakSample = {
        t: round((now - t0) / 1000, 1),
        rssBytes: metricValue(text, 'cdp_process_resident_memory_bytes'),
        heapUsedBytes: metricValue(text, 'cdp_nodejs_heap_size_used_bytes'),
        activeHandles: metricValue(text, 'cdp_nodejs_active_handles_total'),
        updaterCpu: cpu,
        pgConnections: Number(conns.rows[0]!.all),
        pgUpdaterConnections: Number(conns.rows[0]!.updater),
        lag,
        produced: counts.produced,
      };
      samples.push(s);
      process.stderr.write(
        `soak ${s.t.toFixed(0).padStart(5)} s: rss ${mib(s.rssBytes)} heap ${mib(s.heapUsedBytes)} handles ${s.activeHandles} cpu ${s.updaterCpu} pg ${s.pgConnections} lag ${s.lag}\n`,
      );
    };
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(sample).catch((err) => {
        process.stderr.write(`soak: a sample failed: ${(err as Error).message}\n`);
      });
    }, options.sampleEverySeconds * 1000);

    process.stderr.write(
      `soak: ${fmt.rate(options.rate)} for ${options.durationSeconds} s, a sample every ${options.sampleEverySeconds} s\n`,
    );
    const child = updater;
    await produceTracedLoad({
      world,
      producer,
      background,
      rate: options.rate,
      durationMs,
      t0,
      counts,
      sentAt,
      beforeTick: () => {
        if (child.exitCode !== null) throw new Error(`the updater exited (code ${child.exitCode}) during the run`);
      },
    });
    const producingMs = performance.now() - t0;
    const { produced, nextTracer: tracer } = counts;
    const settleUntil = performance.now() + SETTLE_MS;
    while (committedAt.size < tracer && performance.now() < settleUntil) {
      await new Promise((r) => setTimeout(r, 200));
    }
    clearInterval(sampler);
    await sampling;
    await sample();

    // Freshness per sampling window, by the time each tracer was sent.
    const windowMs = options.sampleEverySeconds * 1000;
    const windows: SoakWindow[] = [];
    // A trailing sliver shorter than a second holds no tracer worth a percentile.
    for (let from = 0; from + 1000 <= producingMs; from += windowMs) {
      const lat: number[] = [];
      let tracers = 0;
      for (const [i, at] of sentAt) {
        const rel = at - t0;
        if (rel < from || rel >= from + windowMs) continue;
        tracers++;
        const c = committedAt.get(i);
        lat.push(c === undefined ? Number.POSITIVE_INFINITY : c - at);
      }
      lat.sort((a, b) => a - b);
      windows.push({
        fromS: round(from / 1000),
        toS: round(Math.min(from + windowMs, producingMs) / 1000),
        tracers,
        seen: lat.filter(Number.isFinite).length,
        p50Ms: round(percentile(lat, 0.5), 1),
        p99Ms: round(percentile(lat, 0.99), 1),
        maxMs: round(lat[lat.length - 1] ?? Number.NaN, 1),
      });
    }

    const half = producingMs / 2000;
    const secondHalf = samples.filter((s) => s.t >= half && s.t <= producingMs / 1000);
    const perHour = (key: 'rssBytes' | 'heapUsedBytes' | 'activeHandles') =>
      slope(secondHalf.filter((s) => s[key] !== null).map((s) => ({ x: s.t / 3600, y: s[key]! })));
    const finite = (xs: number[]) => xs.filter(Number.isFinite);
    // The lowest value in each quarter of the run: garbage collection makes heap and RSS a saw-tooth,
    // whose floor only rises when something is kept.
    const quarterS = producingMs / 4000;
    const floors = (key: 'rssBytes' | 'heapUsedBytes') =>
      [0, 1, 2, 3].map((q) => {
        const vs = samples
          .filter((x) => x.t >= q * quarterS && (q === 3 || x.t < (q + 1) * quarterS))
          .map((x) => x[key])
          .filter((v): v is number => v !== null);
        return vs.length > 0 ? round(Math.min(...vs) / 2 ** 20, 1) : null;
      });
    const measured = windows.filter((w) => w.tracers > 0);
    const summary = {
      achievedRate: round(produced / (producingMs / 1000)),
      produced,
      tracers: tracer,
      tracersSeen: committedAt.size,
      samples: samples.length,
      rssMiBPerHourSecondHalf: round(perHour('rssBytes') / 2 ** 20, 1),
      heapMiBPerHourSecondHalf: round(perHour('heapUsedBytes') / 2 ** 20, 1),
      handlesPerHourSecondHalf: round(perHour('activeHandles'), 1),
      rssMiB: spread(
        samples.map((s) => s.rssBytes).filter((v): v is number => v !== null),
        2 ** 20,
      ),
      rssFloorMiBByQuarter: floors('rssBytes'),
      heapFloorMiBByQuarter: floors('heapUsedBytes'),
      heapUsedMiB: spread(
        samples.map((s) => s.heapUsedBytes).filter((v): v is number => v !== null),
        2 ** 20,
      ),
      activeHandles: spread(
        samples.map((s) => s.activeHandles).filter((v): v is number => v !== null),
        1,
      ),
      pgConnectionsMax: Math.max(...samples.map((s) => s.pgConnections)),
      pgUpdaterConnectionsMax: Math.max(...samples.map((s) => s.pgUpdaterConnections)),
      maxLag: Math.max(...samples.map((s) => s.lag)),
      updaterCpuMedian: median(finite(samples.map((s) => s.updaterCpu ?? Number.NaN))),
      // Infinity (written as null) when a window has tracers never seen.
      freshnessP99MsMaxWindow: Math.max(...measured.map((w) => w.p99Ms)),
      freshnessP99MsMedianWindow: median(measured.map((w) => w.p99Ms)),
    };
    return {
      scenario: 'soak',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options },
      results: { summary, windows, samples },
      method: [
        'The updater runs as a child process (node services/cli/bin/cdp.js updater, defaults, CDP_METRICS_PORT set); the benchmark produces the generator stream at the fixed rate in 50 ms ticks, one tracer per tick (as in freshness).',
        'Every sample reads the updater /metrics (cdp_process_resident_memory_bytes, cdp_nodejs_heap_size_used_bytes, cdp_nodejs_active_handles_total), its CPU from /proc, the connections to the run database in pg_stat_activity, and the group lag (log end minus committed offset, all input partitions).',
        'Slopes are least-squares fits over the samples of the second half of the run (the first half includes warm-up: JIT, pools, caches), in MiB or handles per hour.',
        `Freshness per window: tracers sent in that window, from the produce request to the NOTIFY of their row's commit; a tracer not seen ${SETTLE_MS / 1000} s after producing stopped counts as infinitely late.`,
      ],
      table: [
        ['rate', `${fmt.rate(options.rate)} (got ${fmt.rate(summary.achievedRate)}) for ${options.durationSeconds} s`],
        [
          'RSS',
          `${summary.rssMiB.min}..${summary.rssMiB.max} MiB, second half ${summary.rssMiBPerHourSecondHalf} MiB/h; floor by quarter ${summary.rssFloorMiBByQuarter.join(' / ')} MiB`,
        ],
        [
          'heap used',
          `${summary.heapUsedMiB.min}..${summary.heapUsedMiB.max} MiB, second half ${summary.heapMiBPerHourSecondHalf} MiB/h; floor by quarter ${summary.heapFloorMiBByQuarter.join(' / ')} MiB`,
        ],
        [
          'active handles',
          `${summary.activeHandles.min}..${summary.activeHandles.max}, second half ${summary.handlesPerHourSecondHalf}/h`,
        ],
        ['Postgres connections', `max ${summary.pgConnectionsMax} (updater ${summary.pgUpdaterConnectionsMax})`],
        ['consumer lag', `max ${fmt.int(summary.maxLag)} messages`],
        ['updater CPU', `median ${fmt.pct(summary.updaterCpuMedian)} of a core`],
        [
          'freshness p99',
          `median window ${summary.freshnessP99MsMedianWindow} ms, worst window ${summary.freshnessP99MsMaxWindow} ms (${summary.tracersSeen}/${summary.tracers} tracers)`,
        ],
      ],
    };
  } finally {
    await closeTracerRun({ updater, producer, admin, listener, world });
  }
}

function mib(v: number | null): string {
  return v === null ? '?' : `${(v / 2 ** 20).toFixed(1)} MiB`;
}

function spread(values: readonly number[], unit: number): { min: number; max: number; last: number } {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN, last: Number.NaN };
  return {
    min: round(Math.min(...values) / unit, 1),
    max: round(Math.max(...values) / unit, 1),
    last: round(values[values.length - 1]! / unit, 1),
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}
