import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A real TCP proxy on a loopback port, forwarding every connection to a real service, with the
 * network faults the fault tests need: connections cut (and new ones refused for a while), traffic
 * stalled (sockets stay open, no byte moves), and traffic slowed (latency per chunk, throughput
 * capped). Nothing is interpreted: bytes go through as they are.
 */
export interface TcpProxy {
  /** The proxy's port; point the client at 127.0.0.1:<port>. */
  readonly port: number;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Destroys every open connection (both sides, RST); with `refuse`, new ones are refused until heal(). */
  cut(options?: { refuse?: boolean }): void;
  /** Stops forwarding in both directions; sockets stay open and new ones are accepted but also stalled. */
  stall(): void;
  /** Every chunk waits `latencyMs` and, with `bytesPerSecond`, the throughput of each direction is capped. */
  slow(options: { latencyMs: number; bytesPerSecond?: number }): void;
  /** Back to plain forwarding: refusing stops, stalled bytes flow, no more latency. */
  heal(): void;
  close(): Promise<void>;
}

type Mode =
  | { kind: 'open' }
  | { kind: 'refuse' }
  | { kind: 'stall' }
  | { kind: 'slow'; latencyMs: number; bps?: number };

/** One direction of a connection: a queue of chunks released according to the mode. */
class Pipe {
  private readonly queue: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the next byte may go out (the throughput cap), epoch ms. */
  private nextAt = 0;

  constructor(
    from: Socket,
    private readonly to: Socket,
    private readonly mode: () => Mode,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      this.pump();
    });
  }

  pump(): void {
    if (this.timer || this.to.destroyed) return;
    const mode = this.mode();
    if (mode.kind === 'stall' || this.queue.length === 0) return;
    if (mode.kind !== 'slow') {
      while (this.queue.length > 0) this.write(this.queue.shift()!);
      return;
    }
    const chunk = this.queue.shift()!;
    const wait = Math.max(mode.latencyMs, this.nextAt - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (mode.bps) this.nextAt = Date.now() + (chunk.length / mode.bps) * 1000;
      this.write(chunk);
      this.pump();
    }, wait);
  }

  private write(chunk: Buffer): void {
    if (!this.to.destroyed) this.to.write(chunk);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

export async function startTcpProxy(target: { host?: string; port: number }, listenPort = 0): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  let mode: Mode = { kind: 'open' };
  const open = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();

  const server: Server = createServer((client) => {
    if (mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    client.pause();
    const upstream = tcpConnect({ host, port: target.port });
    const conn = { client, upstream, pipes: [] as Pipe[] };
    open.add(conn);
    const end = () => {
      open.delete(conn);
      for (const p of conn.pipes) p.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.once('connect', () => {
      conn.pipes.push(new Pipe(client, upstream, () => mode), new Pipe(upstream, client, () => mode));
      client.resume();
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const pumpAll = () => {
    for (const c of open) for (const p of c.pipes) p.pump();
  };

  return {
    port,
    get connections() {
      return open.size;
    },
    cut(options = {}) {
      if (options.refuse) mode = { kind: 'refuse' };
      for (const c of [...open]) {
        for (const p of c.pipes) p.stop();
        c.client.resetAndDestroy();
        c.upstream.resetAndDestroy();
        open.delete(c);
      }
    },
    stall() {
      mode = { kind: 'stall' };
    },
    slow({ latencyMs, bytesPerSecond }) {
      mode = { kind: 'slow', latencyMs, bps: bytesPerSecond };
      pumpAll();
    },
    heal() {
      mode = { kind: 'open' };
      pumpAll();
    },
    close: async () => {
      for (const c of open) {
        c.client.destroy();
        c.upstream.destroy();
      }
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
