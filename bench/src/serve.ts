import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { batchIntoTable, refreshProductPopularity } from '@cdp360/postgres';
import { createApiKey } from '@cdp360/serve';
import type { Pool } from 'pg';
import { type CpuProfile, summarizeProfile } from './cpu-profile';
import { type LoadClient, openLoop } from './http-load';
import { rampRates } from './ramp';
import { fmt, machineInfo, median, round, type ScenarioResult } from './report';
import { postmasterPid, treeCpuMs } from './server-cpu';
import { loadFacts } from './sql-facts';
import { createWorld } from './world';

export interface ServeBenchOptions {
  /** customer_360 rows (at most 1,000,000: the SQL loader's key space). */
  customers: number;
  /** Seconds per measurement. */
  durationSeconds: number;
  /** Stop the rate ramp at this rate (requests/s). */
  maxRate?: number;
  /** Profile cdp serve (V8's sampler, its whole run) and summarise the top self-time costs. */
  cpuProfile?: boolean;
  /** Which endpoints to measure (default all): id, email, batch. */
  endpoints?: readonly EndpointKey[];
  /** The load client (default raw: node:net, the one that takes least of the shared cores). */
  client?: LoadClient;
  /** cdp serve connects to Postgres through the Unix socket in this directory instead of over TCP. */
  pgSocketDir?: string;
  /**
   * Alternated rounds at 1,000/s of GET by id against cdp serve and the two floors (0: none; default 3).
   * Needs the id endpoint.
   */
  floorRounds?: number;
}

export const ENDPOINT_KEYS = ['id', 'email', 'batch'] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

const CDP_BIN = path.resolve(__dirname, '../../services/cli/bin/cdp.js');
const FLOOR_SERVER = path.resolve(__dirname, 'floor-server.js');
const AS_OF = '2026-07-01';

/** The loader's customer k has id (k * 997) mod 1M + 1 and email c<k>@example.com. */
const idOf = (k: number) => ((k * 997) % 1_000_000) + 1;

interface Endpoint {
  key: EndpointKey;
  name: string;
  method: 'GET' | 'POST';
  /** A new request path (and body) each call: random customers. */
  next(): { path: string; body?: string };
}

function endpoints(customers: number): Endpoint[] {
  const k = () => Math.floor(Math.random() * customers);
  return [
    { key: 'id', name: 'GET /v1/profiles/{id}', method: 'GET', next: () => ({ path: `/v1/profiles/${idOf(k())}` }) },
    // Upper case: the lookup must ignore case (and use the lower(email) index).
    {
      key: 'email',
      name: 'GET /v1/profiles?email=',
      method: 'GET',
      next: () => ({ path: `/v1/profiles?email=C${k()}%40EXAMPLE.com` }),
    },
    {
      key: 'batch',
      name: 'POST /v1/profiles:batchGet (100 ids)',
      method: 'POST',
      next: () => ({
        path: '/v1/profiles:batchGet',
        body: JSON.stringify({ ids: Array.from({ length: 100 }, () => idOf(k())) }),
      }),
    },
  ];
}

/**
 * The database URL through the Unix socket in `dir` (pg's `host` parameter; the port names the
 * socket file, .s.PGSQL.<port>), the rest of `url` kept. The host part becomes localhost, which the
 * URL syntax needs and the `host` parameter overrides.
 */
export function socketDatabaseUrl(url: string, dir: string): string {
  const u = new URL(url);
  u.hostname = 'localhost';
  u.searchParams.set('host', dir);
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Read the table and its indexes once, so the first requests do not wait on the disk: pg_prewarm
 * into the OS cache where the extension exists, else a scan of each.
 */
async function warmRelations(db: Pool): Promise<void> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    await db.query(`SELECT pg_prewarm(oid, 'read') FROM pg_class
      WHERE oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'customer_360_rows'::regclass)
         OR oid = 'customer_360_rows'::regclass`);
  } catch {
    await db.query('SELECT count(*) FROM customer_360');
  }
}

/** How cdp serve's connections reach Postgres, as the server sees them: "unix socket" or "tcp <address>". */
async function serveConnections(db: Pool): Promise<string> {
  const res = await db.query<{ via: string }>(
    `SELECT DISTINCT CASE WHEN client_addr IS NULL THEN 'unix socket' ELSE 'tcp ' || host(client_addr) END AS via
       FROM pg_stat_activity WHERE application_name = 'cdp-serve' AND datname = current_database()`,
  );
  return res.rows.map((r) => r.via).join(', ') || 'none seen';
}

/** Stops cdp serve (SIGTERM: it exits cleanly and writes its profile) and summarises the profile. */
async function stopAndSummarise(server: ChildProcess, profileDir: string) {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`cdp serve wrote no CPU profile in ${profileDir}`);
  const summary = summarizeProfile(JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile, 25);
  process.stderr.write(`  cdp serve CPU profile (${summary.totalMs} ms sampled, idle excluded):\n`);
  for (const a of summary.areas.slice(0, 12)) {
    process.stderr.write(`    ${(a.share * 100).toFixed(1).padStart(5)} %  ${a.name}\n`);
  }
  return summary;
}

function startServer(env: NodeJS.ProcessEnv, profileDir?: string): ChildProcess {
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return spawn(process.execPath, [...nodeArgs, CDP_BIN, 'serve', '--host', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A floor server (bench/src/floor-server.ts) as a child process, and the port it listens on. */
async function startFloor(mode: 'memory' | 'postgres', env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [FLOOR_SERVER, mode], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${mode} floor server exited with ${code}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  child.removeAllListeners('exit');
  return { child, port };
}

/**
 * Runs `measure` and returns its result with the CPU it cost per request, from /proc: the process
 * `pid` (without children) and the whole Postgres server under `postmaster` (null when unreadable).
 */
async function withCpuPerRequest<R extends { requests: number }>(
  pid: number,
  postmaster: number | null,
  measure: () => Promise<R>,
): Promise<{ result: R; server: number | null; postgres: number | null }> {
  const pgCpu = () => (postmaster === null ? null : treeCpuMs(postmaster, true));
  const own0 = treeCpuMs(pid, false);
  const pg0 = pgCpu();
  const result = await measure();
  const per = (a: number | null, b: number | null) =>
    a === null || b === null ? null : round(((b - a) * 1000) / result.requests, 1);
  return { result, server: per(own0, treeCpuMs(pid, false)), postgres: per(pg0, pgCpu()) };
}

async function waitListening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`cdp serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('cdp serve did not listen within 60 s');
}

interface FloorTarget {
  target: 'cdp serve' | 'node:http + Postgres' | 'node:http from memory';
  port: number;
  pid: number;
}

/**
 * GET by id at 1,000/s against cdp serve and the two floors, alternated (order reversed every other
 * round), with each run's latency and CPU per request; medians per target. The floors run as child
 * processes for the whole measurement and are stopped at its end.
 */
async function measureFloor(o: {
  rounds: number;
  seconds: number;
  env: NodeJS.ProcessEnv;
  serve: { port: number; pid: number };
  postmaster: number | null;
  measure: (port: number, rate: number, seconds: number) => ReturnType<typeof openLoop>;
}) {
  const memory = await startFloor('memory', o.env);
  const postgres = await startFloor('postgres', o.env).catch((err) => {
    memory.child.kill('SIGTERM');
    throw err;
  });
  try {
    const targets: FloorTarget[] = [
      { target: 'cdp serve', ...o.serve },
      { target: 'node:http + Postgres', port: postgres.port, pid: postgres.child.pid! },
      { target: 'node:http from memory', port: memory.port, pid: memory.child.pid! },
    ];
    for (const t of targets.slice(1)) await o.measure(t.port, 500, 3); // pool, statements, JIT
    const runs = new Map<
      FloorTarget,
      { p50Ms: number; p99Ms: number; p999Ms: number; server: number | null; postgres: number | null }[]
    >(targets.map((t) => [t, []]));
    for (let k = 0; k < o.rounds; k++) {
      for (const t of k % 2 === 0 ? targets : [...targets].reverse()) {
        const {
          result: r,
          server,
          postgres,
        } = await withCpuPerRequest(t.pid, o.postmaster, () => o.measure(t.port, 1000, o.seconds));
        runs.get(t)!.push({ p50Ms: r.p50Ms, p99Ms: r.p99Ms, p999Ms: r.p999Ms, server, postgres });
        process.stderr.write(
          `    ${t.target}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, p99.9 ${r.p999Ms} ms; CPU per request ${server} µs, Postgres ${postgres} µs\n`,
        );
      }
    }
    return targets.map((t) => {
      const rs = runs.get(t)!;
      const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
      const cpu = (xs: (number | null)[]) => (known(xs).length === xs.length ? round(median(known(xs)), 1) : null);
      return {
        target: t.target,
        runs: rs,
        p50Ms: round(median(rs.map((r) => r.p50Ms)), 3),
        p99Ms: round(median(rs.map((r) => r.p99Ms)), 3),
        cpuUsPerRequest: { server: cpu(rs.map((r) => r.server)), postgres: cpu(rs.map((r) => r.postgres)) },
      };
    });
  } finally {
    memory.child.kill('SIGTERM');
    postgres.child.kill('SIGTERM');
  }
}

/**
 * `cdp serve` over a customer_360 of `customers` rows: p99 at 1,000 requests/s (target 1 ms) and the
 * highest rate whose p99 stays at or under 10 ms, for the lookup by id, by email and batchGet of 100.
 */
export async function runServeBench(options: ServeBenchOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const world = await createWorld({ partitions: 1, asOf: AS_OF });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-bench-serve-'));
  let child: ChildProcess | undefined;
  try {
    process.stderr.write(`serve: loading ${fmt.int(options.customers)} customers and their facts\n`);
    const t0 = performance.now();
    await loadFacts(world.pool, { facts: options.customers * 2, customers: options.customers });
    const batch = await batchIntoTable(world.pool, { asOf: AS_OF, table: 'customer_360' });
    await world.pool.query('VACUUM ANALYZE customer_360_rows');
    await refreshProductPopularity(world.pool);
    await warmRelations(world.pool);
    const prepareMs = performance.now() - t0;
    process.stderr.write(`  ${fmt.int(batch.rows)} rows in ${fmt.s(prepareMs)}\n`);

    const { key, entry } = createApiKey('bench', ['profiles:read', 'profiles:read-pii']);
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify([entry]));
    const port = await freePort();
    const serveEnv = {
      ...world.env,
      ...(options.pgSocketDir ? { DATABASE_URL: socketDatabaseUrl(world.databaseUrl, options.pgSocketDir) } : {}),
    };
    child = startServer(
      {
        ...serveEnv,
        CDP_HTTP_PORT: String(port),
        CDP_API_KEYS_FILE: path.join(dir, 'keys.json'),
        CDP_RATE_LIMIT: '10000000',
        LOG_LEVEL: 'warn',
      },
      options.cpuProfile ? path.join(dir, 'profile') : undefined,
    );
    await waitListening(port, child);
    const server = child;

    const headersFor = (ep: Endpoint): Record<string, string> => ({
      authorization: `Bearer ${key}`,
      ...(ep.method === 'POST' ? { 'content-type': 'application/json' } : {}),
    });
    const run = (ep: Endpoint, rate: number, seconds: number) =>
      openLoop({ port, method: ep.method, headers: headersFor(ep), rate, seconds, next: ep.next, client });
    const kept = (r: Awaited<ReturnType<typeof run>>) =>
      r.errors === 0 && r.achievedRate >= 0.95 * r.rate && r.p99Ms <= 10;

    const client = options.client ?? 'raw';
    let connectionKind: string | undefined;
    const results = [];
    const postmaster = await postmasterPid(world.pool);
    const chosen = endpoints(options.customers).filter((e) => (options.endpoints ?? ENDPOINT_KEYS).includes(e.key));
    const byId = chosen.find((e) => e.key === 'id');
    const floorRounds = options.floorRounds ?? 3;
    let floor: Awaited<ReturnType<typeof measureFloor>> | undefined;
    if (byId && floorRounds > 0) {
      // Before the ramps: a ramp past the rate the machine holds leaves a backlog the next run pays for.
      await run(byId, 500, 5); // warm cdp serve as each endpoint's own measurement does
      process.stderr.write(
        `  floor: GET by id at 1,000/s, cdp serve against node:http alone, ${floorRounds} alternated rounds\n`,
      );
      floor = await measureFloor({
        rounds: floorRounds,
        seconds: options.durationSeconds,
        env: serveEnv,
        serve: { port, pid: server.pid! },
        postmaster,
        measure: (p, rate, seconds) =>
          openLoop({ port: p, method: 'GET', headers: headersFor(byId), rate, seconds, next: byId.next, client }),
      });
    }
    for (const ep of chosen) {
      process.stderr.write(`  ${ep.name}\n`);
      await run(ep, 500, 5); // warm the pool, the prepared statements and the JIT
      if (!connectionKind) connectionKind = await serveConnections(world.pool);
      // CPU per request at 1,000/s from /proc: cdp serve's own process, the client (this process), and
      // the whole Postgres server (an upper bound: on a shared server it includes other clients).
      const client0 = process.cpuUsage();
      const { result: at1000, ...cpu } = await withCpuPerRequest(server.pid!, postmaster, () =>
        run(ep, 1000, options.durationSeconds),
      );
      const clientCpu = process.cpuUsage(client0);
      const cpuUsPerRequest = {
        serve: cpu.server,
        postgres: cpu.postgres,
        client: round((clientCpu.user + clientCpu.system) / at1000.requests, 1),
      };
      process.stderr.write(
        `    1,000/s: p50 ${at1000.p50Ms} ms, p99 ${at1000.p99Ms} ms, p99.9 ${at1000.p999Ms} ms (client lag p99 ${at1000.sendLagP99Ms} ms); CPU per request: serve ${cpuUsPerRequest.serve} µs, Postgres ${cpuUsPerRequest.postgres} µs, client ${cpuUsPerRequest.client} µs\n`,
      );
      // The ramp: double from 125/s while p99 <= 10 ms with every answer a 200 and >= 95 % of the rate
      // achieved, then halve the gap between the last rate kept and the first one missed, three times.
      // A rate that misses is measured once more before it counts as missed (bench/src/ramp.ts).
      const { points, best } = await rampRates({
        start: 125,
        max: options.maxRate ?? 64_000,
        bisections: 3,
        measure: (rate) => run(ep, rate, options.durationSeconds),
        kept,
        onPoint: (p) =>
          process.stderr.write(
            `    ${fmt.rate(p.rate)} asked${p.attempt === 2 ? ' (again)' : ''}: ${fmt.rate(p.result.achievedRate)} done, p99 ${p.result.p99Ms} ms${p.kept ? '' : ', missed'}\n`,
          ),
      });
      const ramp = points.map((p) => ({ ...p.result, attempt: p.attempt, kept: p.kept }));
      results.push({ endpoint: ep.name, at1000, cpuUsPerRequest, ramp, highestRateP99Within10ms: best });
    }
    const cpuProfile = options.cpuProfile ? await stopAndSummarise(server, path.join(dir, 'profile')) : undefined;
    const table: [string, string][] = [['customer_360 rows', fmt.int(batch.rows)]];
    for (const r of results) {
      table.push([
        `${r.endpoint} at 1,000/s`,
        `p50 ${r.at1000.p50Ms} ms, p99 ${r.at1000.p99Ms} ms, p99.9 ${r.at1000.p999Ms} ms (${fmt.rate(r.at1000.achievedRate)} done)`,
      ]);
      table.push([
        `${r.endpoint} CPU per request`,
        `serve ${r.cpuUsPerRequest.serve} µs, Postgres ${r.cpuUsPerRequest.postgres} µs, client ${r.cpuUsPerRequest.client} µs`,
      ]);
      table.push([
        `${r.endpoint} highest rate, p99 <= 10 ms`,
        r.highestRateP99Within10ms === null ? 'below 125/s' : fmt.rate(r.highestRateP99Within10ms),
      ]);
    }
    if (floor) {
      for (const t of floor) {
        table.push([
          `floor: ${t.target} at 1,000/s (median of ${t.runs.length})`,
          `p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms; CPU per request ${t.cpuUsPerRequest.server} µs, Postgres ${t.cpuUsPerRequest.postgres} µs`,
        ]);
      }
    }
    table.push(['load client; cdp serve to Postgres', `${client}; ${connectionKind}`]);
    table.push(['load average (1 min) start / end', `${round(load0, 2)} / ${round(os.loadavg()[0]!, 2)}`]);
    return {
      scenario: 'serve',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options },
      results: {
        rows: batch.rows,
        prepareMs: round(prepareMs),
        client,
        serveToPostgres: connectionKind,
        endpoints: results,
        floor,
        cpuProfile,
      },
      method: [
        'cdp serve runs as a child process (one Node process, pg pool of 16) against a fresh database whose customer_360 is the batch recompute of SQL-loaded facts; the load generator runs in the bench process on the same machine, over loopback.',
        `Load: an open-loop client (bench/src/http-load.ts, client ${client}: ${client === 'raw' ? 'HTTP/1.1 over node:net, each request one write, each answer parsed and read to its last byte' : "node:http's keep-alive Agent"}; keep-alive, up to 64 connections, one request in flight on each) sends the requests due on an even schedule every millisecond whatever earlier ones are doing; each latency runs from handing the request to the client to reading the whole answer, in microseconds; its own lateness against the schedule is reported as sendLagP99Ms.`,
        `cdp serve reaches Postgres through ${options.pgSocketDir ? `the Unix socket in ${options.pgSocketDir}` : 'TCP on loopback (DATABASE_URL)'}; pg_stat_activity saw: ${connectionKind}.`,
        'p99 at 1,000/s after a 5 s warm-up at 500/s. Highest rate: the same client doubling from 125/s while p99 <= 10 ms, every answer a 200 and >= 95 % of the rate achieved, then three halvings of the gap to the first rate missed; a rate that misses is measured once more (both measurements are in ramp, attempt 1 and 2) and counts as missed only when both miss; the last rate kept is reported.',
        'Every request picks random customers; the email is sent in upper case (case-insensitive lookup); batchGet asks 100 random ids.',
        "Floor (results.floor): GET by id at 1,000/s against cdp serve and two node:http servers with nothing else (bench/src/floor-server.ts): memory answers real profiles from memory, postgres runs cdp serve's own by-id statement (pool of 16); the three alternate, order reversed every other round, medians per target. CPU per request is the server process's and the whole Postgres server's, from /proc.",
      ],
      table,
    };
  } finally {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    await world.close();
  }
}
