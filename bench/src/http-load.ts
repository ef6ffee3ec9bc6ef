import http from 'node:http';

/** One request of a run: a path, and a JSON body for a POST. */
export interface LoadRequest {
  path: string;
  body?: string;
}

export interface OpenLoopOptions {
  port: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Requests per second, spread evenly. */
  rate: number;
  seconds: number;
  /** A new request each call (random customers). */
  next(): LoadRequest;
  /** Keep-alive sockets at most (default 64). */
  maxSockets?: number;
}

export interface OpenLoopResult {
  rate: number;
  requests: number;
  /** Answers other than 200, and transport errors. */
  errors: number;
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** How late the client sent, against the even schedule: p99 (ms). Large means the client fell behind. */
  sendLagP99Ms: number;
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * An open-loop load at a fixed rate over keep-alive connections: every millisecond the client sends
 * the requests the schedule says are due, whatever the earlier ones are doing, so a slow answer
 * never holds back the next request (no coordinated omission). Each latency runs from the moment
 * its request is written to the moment its answer has been read, with microsecond resolution; the
 * client's own lateness against the schedule is reported apart (`sendLagP99Ms`), so a client that
 * could not keep up is visible rather than folded into the server's figures.
 */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  const total = Math.round(o.rate * o.seconds);
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let pending = 0;
  const t0 = performance.now();
  const interval = 1000 / o.rate;

  const send = (scheduled: number) => {
    const { path, body } = o.next();
    pending++;
    const req = http.request(
      { host: '127.0.0.1', port: o.port, path, method: o.method, agent, headers: o.headers },
      (res) => {
        res.resume();
        res.on('end', () => {
          const done = performance.now();
          pending--;
          if (res.statusCode === 200) latencies[ok++] = done - start;
          else errors++;
        });
      },
    );
    req.on('error', () => {
      pending--;
      errors++;
    });
    const start = performance.now();
    lags[sent] = start - scheduled;
    sent++;
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
      while (sent < due) send(t0 + sent * interval);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick();
  });
  const sendEnd = performance.now();
  // Drain: wait for the answers still in flight (at most 30 s more).
  while (pending > 0 && performance.now() - sendEnd < 30_000) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  errors += pending;

  const lat = latencies.subarray(0, ok).sort();
  const lag = lags.subarray(0, sent).sort();
  return {
    rate: o.rate,
    requests: sent,
    errors,
    achievedRate: Math.round(ok / elapsed),
    p50Ms: r3(percentile(lat, 50)),
    p90Ms: r3(percentile(lat, 90)),
    p99Ms: r3(percentile(lat, 99)),
    p999Ms: r3(percentile(lat, 99.9)),
    maxMs: r3(lat[lat.length - 1] ?? Number.NaN),
    sendLagP99Ms: r3(percentile(lag, 99)),
  };
}
