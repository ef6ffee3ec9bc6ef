import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  /** The plaintext port's URL (with the password, when there is one). */
  url: string;
  /** With `tls`: the TLS port, and its rediss:// URL for `localhost` (the name in the test certificate). */
  tlsPort?: number;
  tlsUrl?: string;
  /** The server's log file (kept for a failing test to look at). */
  logfile: string;
  port: number;
  /** Stops the server (SIGKILL: nothing is saved, as with a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  client(): Redis;
}

export interface PrivateRedisOptions {
  /** `requirepass`: clients must give it. */
  password?: string;
  /**
   * Also listen on a TLS port with this certificate; with `clientCaFile`, clients must present a
   * certificate signed by it (`tls-auth-clients yes`).
   */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
}

/**
 * A real redis-server of our own, without persistence, for tests that flush or kill Redis without
 * disturbing anything else on the shared one, or need a password or TLS.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const logfile = path.join(os.tmpdir(), `cdp-test-redis-${port}.log`);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--logfile',
    logfile,
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  if (options.tls) {
    args.push('--tls-port', String(tlsPort), '--tls-cert-file', options.tls.certFile);
    args.push('--tls-key-file', options.tls.keyFile);
    if (options.tls.clientCaFile)
      args.push('--tls-ca-cert-file', options.tls.clientCaFile, '--tls-auth-clients', 'yes');
    else args.push('--tls-auth-clients', 'no');
  }
  const password = options.password;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    // A fresh client per attempt: an ioredis client whose connection failed for good stays ended.
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => {}); // not up yet: the rejected connect says so
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`redis-server did not start on port ${port}; see ${logfile}`);
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    tlsPort,
    tlsUrl: tlsPort === undefined ? undefined : `rediss://${auth}localhost:${tlsPort}`,
    logfile,
    port,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    client: () => new Redis({ port, host: '127.0.0.1', password }),
  };
}
