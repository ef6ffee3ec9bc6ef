import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis-server';

/** initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<v>/bin (as deploy/local/stack.sh looks). */
function pgBin(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin', name);
  throw new Error(`${name} not found on PATH or in ${root}/*/bin: the private Postgres tests need the server binaries`);
}

/** initdb and postgres refuse to run as root: as root they run as the `postgres` system user. */
function asOwner(file: string, args: string[]): void {
  const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${path.basename(file)} failed: ${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}`);
  }
}

function ownerIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
  return { uid: Number(line), gid: Number(gid) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface PrivatePostgres {
  port: number;
  /** The superuser `postgres` with its password, database `postgres`, no TLS parameters. */
  url(options?: { password?: string; host?: string; database?: string }): string;
  password: string;
  logfile: string;
  /** A fast shutdown (clients disconnected, a checkpoint); start() brings it back on the same port and data. */
  shutdown(): Promise<void>;
  /** SIGKILL to the postmaster and every backend, as in a crash; start() recovers from the WAL. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Server certificate and key: TLS on, and connections without TLS refused (pg_hba `hostnossl … reject`). */
  tls?: { certFile: string; keyFile: string };
}

/**
 * A Postgres server of our own on a free port, with password (SCRAM) authentication for TCP, unlike
 * the shared one, which trusts local connections: for tests of wrong passwords and TLS. Started from
 * initdb in a temporary folder (durability off: throw-away data), removed by stop().
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const initdb = pgBin('initdb');
  const pgCtl = pgBin('pg_ctl');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-test-pg-'));
  const owner = ownerIds();
  const own = (file: string) => owner && chownSync(file, owner.uid, owner.gid);
  own(dir);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  own(pwfile);
  const data = path.join(dir, 'data');
  asOwner(initdb, [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    `--pwfile=${pwfile}`,
    '--no-locale',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  const settings = ['-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''", '-c fsync=off'];
  if (options.tls) {
    // The server reads its key only when it belongs to it and nobody else may read it.
    const cert = path.join(dir, 'server.crt');
    const key = path.join(dir, 'server.key');
    copyFileSync(options.tls.certFile, cert);
    copyFileSync(options.tls.keyFile, key);
    chmodSync(key, 0o600);
    own(cert);
    own(key);
    writeFileSync(
      path.join(data, 'pg_hba.conf'),
      'hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n',
    );
    settings.push('-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
  }
  const port = await freePort();
  const logfile = path.join(dir, 'postgres.log');
  const start = async () =>
    asOwner(pgCtl, ['-D', data, '-l', logfile, '-w', '-t', '60', 'start', '-o', `-p ${port} ${settings.join(' ')}`]);
  await start();
  let stopped = false;
  return {
    port,
    password,
    logfile,
    url: (o = {}) =>
      `postgres://postgres:${encodeURIComponent(o.password ?? password)}@${o.host ?? '127.0.0.1'}:${port}/${o.database ?? 'postgres'}`,
    start,
    shutdown: async () => asOwner(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']),
    kill: async () => {
      const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map(Number);
      for (const pid of [postmaster, ...children]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // The port is free and the backends gone once no process of ours is left.
      for (let i = 0; i < 200 && [postmaster, ...children].some(alive); i++)
        await new Promise((r) => setTimeout(r, 25));
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        asOwner(pgCtl, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
