import http from 'node:http';
import net from 'node:net';
import { ResponseParser } from './http-response-parser';

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
  /** The HTTP client: 'raw' (default: node:net, the leaner) or 'node-http' (node:http's Agent). */
  client?: LoadClient;
}

export const LOAD_CLIENTS = ['raw', 'node-http'] as const;
export type LoadClient = (typeof LOAD_CLIENTS)[number];

/** How the load reaches the server: one request at a time, told when its whole answer has been read. */
interface Transport {
  /** Sends a request; `done(ok)` is called once, when its answer has been read (ok: a 200) or it failed. */
  send(r: LoadRequest, done: (ok: boolean) => void): void;
  close(): void;
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

/** node:http with a keep-alive Agent: each request a ClientRequest, each answer an IncomingMessage read to its end. */
function nodeHttpTransport(o: OpenLoopOptions): Transport {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  return {
    send({ path, body }, done) {
      const req = http.request(
        { host: '127.0.0.1', port: o.port, path, method: o.method, agent, headers: o.headers },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode === 200));
        },
      );
      req.on('error', () => done(false));
      req.end(body);
    },
    close: () => agent.destroy(),
  };
}

interface RawConnection {
  socket: net.Socket;
  parser: ResponseParser;
  /** The request in flight on this connection (at most one: no pipelining). */
  current: ((ok: boolean) => void) | null;
}

/**
 * HTTP/1.1 over node:net: keep-alive connections (opened as needed, at most maxSockets), one request
 * in flight on each, the most recently freed reused first (as node:http's Agent does); a request
 * finding every connection busy waits for the first to come free. The request is one write of its
 * whole text; the answer is read through ResponseParser, every byte of it, and counts once whole.
 */
function rawTransport(o: OpenLoopOptions): Transport {
  const max = o.maxSockets ?? 64;
  const idle: RawConnection[] = [];
  const open = new Set<RawConnection>();
  const waiting: [string, (ok: boolean) => void][] = [];
  const headers = Object.entries({ host: `127.0.0.1:${o.port}`, connection: 'keep-alive', ...o.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const text = ({ path, body }: LoadRequest) =>
    body === undefined
      ? `${o.method} ${path} HTTP/1.1\r\n${headers}\r\n`
      : `${o.method} ${path} HTTP/1.1\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let closing = false;

  const dispatch = (c: RawConnection, request: string, done: (ok: boolean) => void) => {
    c.current = done;
    c.socket.write(request);
  };
  const release = (c: RawConnection) => {
    const next = waiting.shift();
    if (next) dispatch(c, next[0], next[1]);
    else idle.push(c);
  };
  const drop = (c: RawConnection) => {
    if (!open.delete(c)) return;
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
    c.socket.destroy();
    const done = c.current;
    c.current = null;
    done?.(false);
    // A request waiting for a connection gets a new one in place of the lost one.
    const next = closing ? undefined : waiting.shift();
    if (next) dispatch(connect(), next[0], next[1]);
  };
  const connect = (): RawConnection => {
    const socket = net.connect({ host: '127.0.0.1', port: o.port });
    socket.setNoDelay(true);
    const c: RawConnection = { socket, parser: new ResponseParser(), current: null };
    open.add(c);
    socket.on('data', (chunk: Buffer) => {
      let answers: ReturnType<ResponseParser['feed']>;
      try {
        answers = c.parser.feed(chunk);
      } catch {
        drop(c);
        return;
      }
      for (const a of answers) {
        const done = c.current;
        c.current = null;
        if (!done) {
          // An answer nobody asked for: the stream is out of step.
          drop(c);
          return;
        }
        done(a.status === 200 && a.bodyBytes > 0);
        if (a.close) {
          drop(c);
          return;
        }
        release(c);
      }
    });
    socket.on('error', () => drop(c));
    socket.on('close', () => drop(c));
    return c;
  };
  return {
    send(r, done) {
      const request = text(r);
      const c = idle.pop() ?? (open.size < max ? connect() : undefined);
      if (c) dispatch(c, request, done);
      else waiting.push([request, done]);
    },
    close() {
      closing = true;
      for (const [, done] of waiting.splice(0)) done(false);
      for (const c of [...open]) drop(c);
    },
  };
}

/**
 * An open-loop load at a fixed rate over keep-alive connections: every millisecond the client sends
 * the requests the schedule says are due, whatever the earlier ones are doing, so a slow answer
 * never holds back the next request (no coordinated omission). Each latency runs from the moment
 * its request is handed to the client to the moment its whole answer has been read, with microsecond
 * resolution; the client's own lateness against the schedule is reported apart (`sendLagP99Ms`), so a
 * client that could not keep up is visible rather than folded into the server's figures.
 */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const transport = (o.client ?? 'raw') === 'raw' ? rawTransport(o) : nodeHttpTransport(o);
  const total = Math.round(o.rate * o.seconds);
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let pending = 0;
  let finished = false;
  const t0 = performance.now();
  const interval = 1000 / o.rate;

  const send = (scheduled: number) => {
    const request = o.next();
    pending++;
    const start = performance.now();
    lags[sent] = start - scheduled;
    sent++;
    transport.send(request, (good) => {
      if (finished) return;
      const done = performance.now();
      pending--;
      if (good) latencies[ok++] = done - start;
      else errors++;
    });
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
  // What is still in flight counts as errors, once: answers after this point are ignored.
  finished = true;
  errors += pending;
  transport.close();

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
