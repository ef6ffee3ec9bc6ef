/**
 * CPU time of the server processes (Postgres, Redis, the Kafka broker) from the operating system's
 * accounting in /proc/<pid>/stat: utime + stime of the process and of its children (cutime + cstime,
 * which holds the CPU of children that have exited and been reaped), plus, for Postgres, the same of
 * every live child of the postmaster (backends, checkpointer, WAL writer...). A sample is taken before
 * and after a phase; the difference is that phase's server CPU.
 *
 * These are whole-process figures: on a stack shared with other clients they include the others'
 * work too, so they are an upper bound of what the measured phase cost the servers.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { BenchWorld } from './world';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime of `pid` in milliseconds, or null when it cannot be read. */
function processCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime..cstime are fields 14..17.
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(' ')) {
        if (c !== '') out.push(Number(c));
      }
    } catch {
      // the task ended
    }
  }
  return out;
}

/** The CPU of a process and (with `withChildren`) of all its live children, in milliseconds. */
export function treeCpuMs(pid: number, withChildren: boolean): number | null {
  const own = processCpuMs(pid);
  if (own === null) return null;
  if (!withChildren) return own;
  let sum = own;
  for (const c of childrenOf(pid)) sum += processCpuMs(c) ?? 0;
  return sum;
}

/** The parent pid of `pid` (field 4 of /proc/<pid>/stat). */
export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** The Postgres postmaster's pid: the parent of one of `pool`'s backends. */
export async function postmasterPid(pool: { query<R>(sql: string): Promise<{ rows: R[] }> }): Promise<number | null> {
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return parentPid(Number(backend));
}

/** The pid of the process listening on TCP `port` (IPv4 or IPv6), when its sockets are readable. */
export function listenerPid(port: number): number | null {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; state 0A is LISTEN; the inode is field 10.
      if (f.length > 9 && f[1]!.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

export interface ServerPids {
  postgres: number | null;
  redis: number | null;
  kafka: number | null;
}

export type ServerCpuSample = Record<keyof ServerPids, number | null>;

export function sampleServers(pids: ServerPids): ServerCpuSample {
  return {
    postgres: pids.postgres === null ? null : treeCpuMs(pids.postgres, true),
    redis: pids.redis === null ? null : treeCpuMs(pids.redis, false),
    kafka: pids.kafka === null ? null : treeCpuMs(pids.kafka, false),
  };
}

export function serverCpuDelta(a: ServerCpuSample, b: ServerCpuSample): ServerCpuSample {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  return { postgres: d(a.postgres, b.postgres), redis: d(a.redis, b.redis), kafka: d(a.kafka, b.kafka) };
}

/** VmHWM (the peak resident set) of `pid` in KiB, or null when it cannot be read. */
function peakRssKiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Peak memory during a phase: every `everyMs`, the largest VmHWM among the children the postmaster
 * started after the phase began (the phase's own backends: their peak resident set, shared buffers
 * they touched included; one that exits between two samples is seen up to its last sample) and this
 * process's RSS. `stop()` gives both in MiB.
 */
export function samplePeakMemory(
  postmaster: number | null,
  everyMs = 250,
): { stop(): { postgresBackendMiB: number | null; nodeMiB: number } } {
  let backendKiB: number | null = null;
  let nodeBytes = 0;
  const before = new Set(postmaster === null ? [] : childrenOf(postmaster));
  const sample = () => {
    nodeBytes = Math.max(nodeBytes, process.memoryUsage.rss());
    if (postmaster === null) return;
    for (const c of childrenOf(postmaster)) {
      if (before.has(c)) continue;
      const kib = peakRssKiB(c);
      if (kib !== null && (backendKiB === null || kib > backendKiB)) backendKiB = kib;
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const mib = (x: number) => Math.round((x / 1024) * 10) / 10;
      return { postgresBackendMiB: backendKiB === null ? null : mib(backendKiB), nodeMiB: mib(nodeBytes / 1024) };
    },
  };
}

/** The server processes of the world: the postmaster, Redis (INFO process_id), the process on the broker port. */
export async function findServers(
  world: Pick<BenchWorld, 'config' | 'pool'>,
  redis: { info(section: string): Promise<string> },
): Promise<ServerPids> {
  const info = await redis.info('server');
  const redisPid = /process_id:(\d+)/.exec(info)?.[1];
  const port = Number(world.config.kafka.brokers[0]!.split(':').pop());
  return {
    postgres: await postmasterPid(world.pool),
    redis: redisPid === undefined ? null : Number(redisPid),
    kafka: Number.isInteger(port) ? listenerPid(port) : null,
  };
}
