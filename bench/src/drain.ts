import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { groupLag } from '@cdp360/kafka';
import { connectRedis } from '@cdp360/redis';
import { KAFKA_FETCH_BYTES_PER_PARTITION, runUpdater } from '@cdp360/updater';
import type { Admin } from 'kafkajs';
import { countCalls, databaseXacts, redisCommandStats, redisScriptUsec, statsDelta } from './call-counts';
import { CpuProfiler, summarizeProfile, writeProfile } from './cpu-profile';
import { preload } from './preload';
import { fmt, machineInfo, RESULTS_DIR, round, type ScenarioResult } from './report';
import { findServers, sampleServers, serverCpuDelta } from './server-cpu';
import { type BenchWorld, createWorld, dropNamespace } from './world';

export interface DrainOptions {
  /** Messages pre-loaded into Kafka (about; the generator works in whole customers). */
  events: number;
  seed: number;
  /** Zipf exponent of customer activity in the generated load (0: none; see GeneratorOptions.zipf). */
  zipf?: number;
  /** Sample the updater phase with the V8 CPU profiler and summarise the top self-time costs. */
  cpuProfile?: boolean;
  maxUnitMessages?: number;
  /** kafkajs fetch size per partition for the updater, bytes (its default when absent). */
  maxBytesPerPartition?: number;
}

const POLL_MS = 100;

/** The same fetch settings as the updater's consumer, so the two drains differ only in the work done. */
const FETCH = { maxBytesPerPartition: KAFKA_FETCH_BYTES_PER_PARTITION, maxWaitTimeInMs: 100 };

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** (a) The limit: a kafkajs consumer that only JSON.parses each value; no commits, no other work. */
async function rawDrain(world: BenchWorld, topics: string[], total: number) {
  const consumer = world.kafka.consumer({ groupId: `${world.group}-raw`, ...FETCH });
  let joinedAt = 0;
  let firstAt = 0;
  let seen = 0;
  let parsed = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= performance.now();
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 32,
    eachBatch: async ({ batch }) => {
      firstAt ||= performance.now();
      for (const m of batch.messages) {
        try {
          JSON.parse(m.value === null ? 'null' : m.value.toString());
          parsed++;
        } catch {
          // invalid messages are part of the mix; parsing them is the work
        }
      }
      seen += batch.messages.length;
      if (seen >= total) done();
    },
  });
  await finished;
  const t1 = performance.now();
  const cpu = cpuMs(process.cpuUsage(cpu0));
  await consumer.disconnect();
  return {
    totalMs: t1 - t0,
    steadyMs: t1 - (joinedAt || firstAt),
    firstMessageMs: firstAt - t0,
    cpuMs: cpu,
    seen,
    parsed,
  };
}

/** The server processes of the run: the postmaster (from a backend's parent), Redis's own pid, the broker's listener. */
/** Polls the group until it is Stable (joined) and until its committed offsets cover every message. */
function watchGroup(admin: Admin, group: string, topics: string[]) {
  let joinedAt = 0;
  let drainedAt = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop && drainedAt === 0) {
      try {
        if (joinedAt === 0) {
          const { groups } = await admin.describeGroups([group]);
          if (groups[0]?.state === 'Stable') joinedAt = performance.now();
        } else if ((await groupLag(admin, group, topics)).lag === 0) {
          drainedAt = performance.now();
        }
      } catch {
        // the group may not exist yet
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    result: async () => {
      stop = true;
      await loop;
      return { joinedAt, drainedAt };
    },
  };
}

export async function runDrain(options: DrainOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const world = await createWorld({ partitions: 3 });
  const redis = connectRedis(world.config, { connectionName: 'cdp-bench' });
  const admin = world.kafka.admin();
  try {
    await admin.connect();
    const topics = Object.values(topicNames(world.prefix).inputs);
    process.stderr.write(`drain: producing ~${fmt.int(options.events)} events to ${world.prefix}*\n`);
    const loaded = await preload(world, options.events, options.seed, options.zipf ?? 0);
    const total = loaded.total;

    process.stderr.write(`drain: raw kafkajs drain of ${fmt.int(total)} messages\n`);
    const raw = await rawDrain(world, topics, total);

    process.stderr.write('drain: updater (in-process runUpdater, until idle)\n');
    const xacts0 = await databaseXacts(world.pool, world.database);
    const cmd0 = await redisCommandStats(redis);
    const scriptUsec0 = await redisScriptUsec(redis);
    const watch = watchGroup(admin, world.group, topics);
    const profiler = options.cpuProfile ? new CpuProfiler() : null;
    await profiler?.start();
    const servers = await findServers(world, redis);
    const stopCounting = countCalls();
    let rssPeak = process.memoryUsage.rss();
    const rssStart = rssPeak;
    const rssTimer = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, 250);
    const servers0 = sampleServers(servers);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const summary = await runUpdater({
      config: world.config,
      logger: createLogger({ level: 'warn', name: 'cdp-updater' }),
      untilIdle: true,
      redisNamespace: world.redisNamespace,
      statsIntervalMs: 0,
      maxUnitMessages: options.maxUnitMessages,
      maxBytesPerPartition: options.maxBytesPerPartition,
    });
    const t1 = performance.now();
    const cpu = cpuMs(process.cpuUsage(cpu0));
    clearInterval(rssTimer);
    const rssEnd = process.memoryUsage.rss();
    const calls = stopCounting();
    const profile = await profiler?.stop();
    const { joinedAt, drainedAt } = await watch.result();
    // Backends publish their statistics when they exit; the updater's pool has just closed. Their CPU
    // reaches the postmaster's cutime only once it has reaped them: sampled right at the pool's close,
    // a backend still exiting counted nowhere (one run reported 0.9 µs of Postgres per event).
    await new Promise((r) => setTimeout(r, 1000));
    const serverCpu = serverCpuDelta(servers0, sampleServers(servers));
    const xacts = (await databaseXacts(world.pool, world.database)) - xacts0;
    const redisServer = statsDelta(cmd0, await redisCommandStats(redis));
    const scriptUsec = (await redisScriptUsec(redis)) - scriptUsec0;
    const rows = Number((await world.pool.query<{ n: string }>('SELECT count(*) AS n FROM customer_360')).rows[0]!.n);

    const totals = summary.counters.totals();
    const accounted = totals.applied + totals.duplicate + totals.deadLettered;
    const updaterSteadyMs = (drainedAt || t1) - (joinedAt || t0);
    const rawRate = total / (raw.steadyMs / 1000);
    const updaterRate = total / (updaterSteadyMs / 1000);
    const perCpuSecond = total / (cpu / 1000);
    const redisServerTotal = Object.values(redisServer).reduce((a, b) => a + b, 0);
    const usPerEvent = (ms: number | null) => (ms === null ? null : round((ms * 1000) / total, 2));
    const serversUs = [serverCpu.postgres, serverCpu.redis, serverCpu.kafka].reduce<number | null>(
      (a, b) => (a === null || b === null ? null : a + b),
      0,
    );
    const updaterUs = (cpu * 1000) / total;
    const serversUsPerEvent = serversUs === null ? null : (serversUs * 1000) / total;
    const cores = os.cpus().length;
    // The rate the machine allows if every core did only this work: cores / (CPU seconds per event).
    const ceiling = serversUsPerEvent === null ? null : cores / ((updaterUs + serversUsPerEvent) / 1e6);

    let profileSummary: ReturnType<typeof summarizeProfile> | undefined;
    let profileFile: string | undefined;
    if (profile) {
      profileSummary = summarizeProfile(profile, 25);
      profileFile = path.join(RESULTS_DIR, `${startedAt.slice(0, 10)}-drain.cpuprofile`);
      writeProfile(profile, profileFile);
    }

    const results = {
      events: total,
      eventsByKind: loaded.byKind,
      produceMs: loaded.ms,
      raw: {
        eventsPerSecond: round(rawRate),
        eventsPerSecondInclJoin: round(total / (raw.totalMs / 1000)),
        steadyMs: round(raw.steadyMs),
        totalMs: round(raw.totalMs),
        cpuMs: round(raw.cpuMs),
        eventsPerCpuSecond: round(total / (raw.cpuMs / 1000)),
        parsed: raw.parsed,
      },
      updater: {
        mode: 'in-process runUpdater (untilIdle), the benchmark idle meanwhile except a 100 ms group poll',
        eventsPerSecond: round(updaterRate),
        eventsPerSecondInclStartAndStop: round(total / ((t1 - t0) / 1000)),
        steadyMs: round(updaterSteadyMs),
        totalMs: round(t1 - t0),
        cpuMs: round(cpu),
        eventsPerCpuSecond: round(perCpuSecond),
        cpuUsPerEvent: round(updaterUs, 2),
        rssMiB: {
          start: round(rssStart / 2 ** 20, 1),
          peak: round(rssPeak / 2 ** 20, 1),
          end: round(rssEnd / 2 ** 20, 1),
        },
        units: summary.units,
        waitingOnPostgresMs: round(calls.pgBusyMs),
        waitingOnRedisMs: round(calls.redisBusyMs),
        counters: totals,
        accountedForAllMessages: accounted === total,
        customer360Rows: rows,
      },
      ratio: round(updaterRate / rawRate, 3),
      servers: {
        method: 'whole-process CPU from /proc/<pid>/stat over the updater phase; shared servers include other clients',
        pids: servers,
        cpuMs: { postgres: serverCpu.postgres, redis: serverCpu.redis, kafka: serverCpu.kafka },
        cpuUsPerEvent: {
          postgres: usPerEvent(serverCpu.postgres),
          redis: usPerEvent(serverCpu.redis),
          kafka: usPerEvent(serverCpu.kafka),
          total: serversUsPerEvent === null ? null : round(serversUsPerEvent, 2),
        },
      },
      ceiling: {
        cores,
        cpuUsPerEvent: serversUsPerEvent === null ? null : round(updaterUs + serversUsPerEvent, 2),
        eventsPerSecond: ceiling === null ? null : round(ceiling),
        reachedShare: ceiling === null ? null : round(updaterRate / ceiling, 3),
      },
      postgres: {
        statementsSent: calls.pgStatements,
        statementsPerEvent: round(calls.pgStatements / total, 4),
        transactionsServerSide: xacts,
        transactionsPerEvent: round(xacts / total, 4),
      },
      redis: {
        commandsSent: calls.redisCommands,
        commandsPerEvent: round(calls.redisCommands / total, 3),
        roundTrips: calls.redisRoundTrips,
        roundTripsPerEvent: round(calls.redisRoundTrips / total, 4),
        serverCommandsInclLua: redisServerTotal,
        serverCommandsPerEventInclLua: round(redisServerTotal / total, 2),
        serverCommandstatsDelta: redisServer,
        scriptServerUsPerEvent: round(scriptUsec / total, 2),
      },
      targets: {
        updaterAtLeastHalfOfRaw: updaterRate >= rawRate / 2,
        atLeast50kEventsPerCpuSecond: perCpuSecond >= 50_000,
        serversAtMost25UsPerEvent: serversUsPerEvent === null ? null : serversUsPerEvent <= 25,
        reachesAtLeast80PercentOfCeiling: ceiling === null ? null : updaterRate >= 0.8 * ceiling,
      },
      profile: profileSummary && { file: profileFile, ...profileSummary },
    };
    const table: [string, string][] = [
      ['events in Kafka (3 partitions, 1M id space)', fmt.int(total)],
      ['(a) raw kafkajs + JSON.parse', `${fmt.rate(rawRate)}  (${fmt.s(raw.steadyMs)} after join)`],
      ['(b) updater end to end', `${fmt.rate(updaterRate)}  (${fmt.s(updaterSteadyMs)} after join)`],
      ['ratio (b)/(a)', `${fmt.pct(updaterRate / rawRate)}  (target >= 50 %)`],
      ['updater CPU', `${fmt.s(cpu)} = ${fmt.int(perCpuSecond)} events/CPU-s (target >= 50,000)`],
      ['raw drain CPU', `${fmt.s(raw.cpuMs)} = ${fmt.int(total / (raw.cpuMs / 1000))} events/CPU-s`],
      [
        'server CPU / event (updater phase)',
        `Postgres ${usPerEvent(serverCpu.postgres) ?? '?'} µs, Redis ${usPerEvent(serverCpu.redis) ?? '?'} µs, Kafka ${usPerEvent(serverCpu.kafka) ?? '?'} µs (target total <= 25)`,
      ],
      [
        'ceiling: cores / (updater + servers CPU per event)',
        ceiling === null
          ? '? (a server pid was not found)'
          : `${fmt.rate(ceiling)}; reached ${fmt.pct(updaterRate / ceiling)}`,
      ],
      [
        'updater RSS start / peak / end',
        `${fmt.int(rssStart / 2 ** 20)} / ${fmt.int(rssPeak / 2 ** 20)} / ${fmt.int(rssEnd / 2 ** 20)} MiB`,
      ],
      [
        'Postgres statements / 1,000 events',
        `${((1000 * calls.pgStatements) / total).toFixed(2)} (${fmt.int(calls.pgStatements)} statements, ${(calls.pgStatements / Math.max(1, summary.units)).toFixed(1)} per unit; ${fmt.int(xacts)} xacts)`,
      ],
      [
        'Redis round trips / 1,000 events',
        `${((1000 * calls.redisRoundTrips) / total).toFixed(2)} (${fmt.int(calls.redisRoundTrips)}, incl. the start-up namespace scan)`,
      ],
      [
        'Redis commands sent / event',
        `${fmt.n2(calls.redisCommands / total)} (server incl. Lua: ${fmt.n2(redisServerTotal / total)})`,
      ],
      ['Redis server time in scripts / event', `${fmt.n2(scriptUsec / total)} µs (INFO commandstats usec)`],
      ['units of work', `${fmt.int(summary.units)} (${fmt.int(total / Math.max(1, summary.units))} messages each)`],
      ['wall time with a Postgres / Redis call out', `${fmt.s(calls.pgBusyMs)} / ${fmt.s(calls.redisBusyMs)}`],
      ['applied / duplicate / dead-lettered', `${totals.applied} / ${totals.duplicate} / ${totals.deadLettered}`],
      ['customer_360 rows', fmt.int(rows)],
    ];
    if (profileSummary) {
      for (const a of profileSummary.areas.slice(0, 12))
        table.push([`  cpu: ${a.name}`, `${fmt.pct(a.share)} (${a.selfMs} ms)`]);
    }
    return {
      scenario: 'drain',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options },
      results,
      method: [
        'Both drains read the same pre-loaded topics with their own consumer group and the same fetch settings.',
        'Rates are events / (time from the group being joined to the last message): the raw consumer gets its GROUP_JOIN event, the updater group is polled every 100 ms for Stable and for zero lag of committed offsets.',
        'Updater CPU is process.cpuUsage over the whole runUpdater call (start, join, drain, idle detection, shutdown).',
        "Server CPU is read from /proc/<pid>/stat (utime+stime, plus cutime+cstime and the live children of the Postgres postmaster) just before the updater phase and one second after it, once the updater's backends have been reaped; the processes are found from a backend's parent pid, Redis INFO process_id and the process listening on the broker port. On a shared stack the figures include other clients.",
        'The ceiling is cores / (updater + servers CPU per event): the rate the machine could sustain if every core did only this work.',
        'Postgres statements and Redis commands are counted client-side by wrapping pg.Client#query and ioredis sendCommand/Pipeline#exec; transactions server-side from pg_stat_database of the run database; Redis server counts from INFO commandstats (shared server: other clients included).',
      ],
      table,
    };
  } finally {
    await admin.disconnect().catch(() => {});
    await redis.quit().catch(() => {});
    await dropNamespace(world.config, world.redisNamespace).catch(() => {});
    await world.close();
  }
}
