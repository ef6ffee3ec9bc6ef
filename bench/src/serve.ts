import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { batchIntoTable, refreshProductPopularity } from '@cdp360/postgres';
import { createApiKey } from '@cdp360/serve';
import autocannon from 'autocannon';
import { fmt, machineInfo, round, type ScenarioResult } from './report';
import { loadFacts } from './sql-facts';
import { createWorld } from './world';

export interface ServeBenchOptions {
  /** customer_360 rows (at most 1,000,000: the SQL loader's key space). */
  customers: number;
  /** Seconds per measurement. */
  durationSeconds: number;
  /** Stop the rate ramp at this rate (requests/s). */
  maxRate?: number;
}

const CDP_BIN = path.resolve(__dirname, '../../services/cli/bin/cdp.js');
const AS_OF = '2026-07-01';

/** The loader's customer k has id (k * 997) mod 1M + 1 and email c<k>@example.com. */
const idOf = (k: number) => ((k * 997) % 1_000_000) + 1;

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  /** A new request path (and body) each call: random customers. */
  next(): { path: string; body?: string };
}

function endpoints(customers: number): Endpoint[] {
  const k = () => Math.floor(Math.random() * customers);
  return [
    { name: 'GET /v1/profiles/{id}', method: 'GET', next: () => ({ path: `/v1/profiles/${idOf(k())}` }) },
    // Upper case: the lookup must ignore case (and use the lower(email) index).
    {
      name: 'GET /v1/profiles?email=',
      method: 'GET',
      next: () => ({ path: `/v1/profiles?email=C${k()}%40EXAMPLE.com` }),
    },
    {
      name: 'POST /v1/profiles:batchGet (100 ids)',
      method: 'POST',
      next: () => ({
        path: '/v1/profiles:batchGet',
        body: JSON.stringify({ ids: Array.from({ length: 100 }, () => idOf(k())) }),
      }),
    },
  ];
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

/** Percentile of sorted values (nearest rank). */
function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * An open-loop fixed-rate run with microsecond latencies (autocannon's histogram has 1 ms
 * resolution, too coarse for a 1 ms target): a request is started every 1/rate s whatever the
 * previous ones do, over keep-alive connections, and its latency counts from its scheduled start
 * (no coordinated omission).
 */
async function fixedRate(port: number, key: string, ep: Endpoint, rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = t0 + (i * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const { path: p, body } = ep.next();
    inFlight.push(
      new Promise<void>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: p,
            method: ep.method,
            agent,
            headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) latencies.push(performance.now() - scheduled);
              else errors++;
              resolve();
            });
          },
        );
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(body);
      }),
    );
    if (inFlight.length > 5000) await Promise.all(inFlight.splice(0, 2500));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rate,
    requests: latencies.length + errors,
    errors,
    achievedRate: round(latencies.length / elapsed),
    p50Ms: round(pct(latencies, 50), 3),
    p99Ms: round(pct(latencies, 99), 3),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 3),
  };
}

/** autocannon at a fixed overall rate; its latencies have 1 ms resolution (enough against 10 ms). */
async function cannon(port: number, key: string, ep: Endpoint, rate: number, seconds: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 32,
    duration: seconds,
    overallRate: rate,
    requests: [
      {
        method: ep.method,
        setupRequest: (req) => {
          const { path: p, body } = ep.next();
          const headers: Record<string, string> = { authorization: `Bearer ${key}` };
          if (body) headers['content-type'] = 'application/json';
          return { ...req, path: p, body: body ?? '', headers };
        },
      },
    ],
  });
  return {
    rate,
    achievedRate: round(result.requests.average),
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function startServer(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CDP_BIN, 'serve', '--host', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
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
    await world.pool.query('VACUUM ANALYZE customer_360');
    await refreshProductPopularity(world.pool);
    const prepareMs = performance.now() - t0;
    process.stderr.write(`  ${fmt.int(batch.rows)} rows in ${fmt.s(prepareMs)}\n`);

    const { key, entry } = createApiKey('bench', ['profiles:read', 'profiles:read-pii']);
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify([entry]));
    const port = await freePort();
    child = startServer({
      ...world.env,
      CDP_HTTP_PORT: String(port),
      CDP_API_KEYS_FILE: path.join(dir, 'keys.json'),
      CDP_RATE_LIMIT: '10000000',
      LOG_LEVEL: 'warn',
    });
    await waitListening(port, child);

    const results = [];
    for (const ep of endpoints(options.customers)) {
      process.stderr.write(`  ${ep.name}\n`);
      await fixedRate(port, key, ep, 200, 3); // warm the pool, the plans and the caches
      const at1000 = await fixedRate(port, key, ep, 1000, options.durationSeconds);
      process.stderr.write(`    1,000/s: p50 ${at1000.p50Ms} ms, p99 ${at1000.p99Ms} ms\n`);
      const ramp = [];
      let best: number | null = null;
      for (let rate = 250; rate <= (options.maxRate ?? 64_000); rate *= 2) {
        const r = await cannon(port, key, ep, rate, options.durationSeconds);
        ramp.push(r);
        process.stderr.write(`    ${fmt.rate(rate)} asked: ${fmt.rate(r.achievedRate)} done, p99 ${r.p99Ms} ms\n`);
        const kept = r.achievedRate >= 0.95 * rate && r.p99Ms <= 10 && r.errors === 0 && r.non2xx === 0;
        if (!kept) break;
        best = r.achievedRate;
      }
      results.push({ endpoint: ep.name, at1000, ramp, highestRateP99Within10ms: best });
    }
    const table: [string, string][] = [['customer_360 rows', fmt.int(batch.rows)]];
    for (const r of results) {
      table.push([`${r.endpoint} p99 at 1,000/s`, `${r.at1000.p99Ms} ms (p50 ${r.at1000.p50Ms} ms)`]);
      table.push([
        `${r.endpoint} highest rate, p99 <= 10 ms`,
        r.highestRateP99Within10ms === null ? 'below 250/s' : fmt.rate(r.highestRateP99Within10ms),
      ]);
    }
    table.push(['load average (1 min) start / end', `${round(load0, 2)} / ${round(os.loadavg()[0]!, 2)}`]);
    return {
      scenario: 'serve',
      startedAt,
      machine: machineInfo(load0),
      options: { ...options },
      results: { rows: batch.rows, prepareMs: round(prepareMs), endpoints: results },
      method: [
        'cdp serve runs as a child process (one Node process, pg pool of 16) against a fresh database whose customer_360 is the batch recompute of SQL-loaded facts; the load generator runs in the bench process on the same machine, over loopback.',
        'p99 at 1,000/s: an open-loop fixed-rate client (node:http, keep-alive) measuring each latency from its scheduled start with microsecond resolution; only 200 answers count.',
        'Highest rate: autocannon with overallRate doubling from 250/s while it achieves >= 95 % of the rate with p99 <= 10 ms and no errors (autocannon latencies have 1 ms resolution); the last rate kept is reported.',
        'Every request picks random customers; the email is sent in upper case (case-insensitive lookup); batchGet asks 100 random ids.',
      ],
      table,
    };
  } finally {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    await world.close();
  }
}
