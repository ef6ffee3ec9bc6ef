import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseRedisClusterNodes } from '@cdp360/config';
import { createRedisCluster, slotOf } from '@cdp360/redis';
import { type Cluster, Redis } from 'ioredis';
import { freePort } from './redis-server';
import { loadStackEnv, STACK_UP_HINT } from './services';

const run = promisify(execFile);

/**
 * The stack's shared Redis Cluster (`CDP_TEST_REDIS_CLUSTER_NODES`, written by stack.sh up) as a
 * REDIS_CLUSTER_NODES value. Throws with the reason when there is none: a cluster test never skips.
 */
export function stackClusterNodes(): string {
  loadStackEnv();
  const nodes = process.env.CDP_TEST_REDIS_CLUSTER_NODES;
  if (nodes) return nodes;
  throw new Error(
    `no Redis Cluster for the cluster tests: ${process.env.CDP_TEST_REDIS_CLUSTER_UNAVAILABLE ?? `CDP_TEST_REDIS_CLUSTER_NODES is not set; ${STACK_UP_HINT}`}`,
  );
}

/** A cluster client for a REDIS_CLUSTER_NODES value (scripts defined, fail-fast settings). */
export function clusterClient(nodes: string, connectionName = 'cdp-test'): Cluster {
  return createRedisCluster(parseRedisClusterNodes(nodes)!, { connectionName });
}

export interface PrivateRedisCluster {
  /** host:port of each master, comma-separated (a REDIS_CLUSTER_NODES value). */
  nodes: string;
  ports: number[];
  /** The node (index into `ports`) serving a key's slot. */
  nodeOfKey(key: string): number;
  /** The slot ranges of each node, as assigned at creation. */
  ranges: [number, number][][];
  /** A direct connection to one node (not a cluster client). */
  node(i: number): Redis;
  /** SIGKILLs a node and starts it again on the same port with its cluster config: it serves the same slots, empty. */
  restartEmpty(i: number): Promise<void>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/**
 * A 3-master Redis Cluster of our own (redis-server --cluster-enabled, no persistence, no replicas),
 * for tests that flush or restart a master without disturbing the stack's shared cluster.
 */
export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort();
    // The cluster bus listens on port + 10000.
    if (p + 10000 < 65536 && !ports.includes(p) && (await portIsFree(p + 10000))) ports.push(p);
  }
  const dir = path.join(os.tmpdir(), `cdp-test-cluster-${ports[0]}`);
  rmSync(dir, { recursive: true, force: true });
  const procs: (ChildProcess | null)[] = ports.map(() => null);
  const start = async (i: number) => {
    const port = ports[i]!;
    const d = path.join(dir, String(port));
    mkdirSync(d, { recursive: true });
    procs[i] = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(d, 'nodes.conf'),
        '--cluster-node-timeout',
        '5000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        d,
        '--logfile',
        path.join(d, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
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
    throw new Error(`redis-server --cluster-enabled did not start on port ${port}; see ${d}/redis.log`);
  };
  const kill = async (i: number) => {
    const p = procs[i];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  const direct = (i: number) => new Redis({ port: ports[i]!, host: '127.0.0.1' });
  const waitHealthy = async () => {
    for (let attempt = 0; attempt < 300; attempt++) {
      const states = await Promise.all(
        ports.map(async (_, i) => {
          const c = direct(i);
          try {
            return await c.cluster('INFO');
          } catch {
            return '';
          } finally {
            c.disconnect();
          }
        }),
      );
      if (states.every((s) => /cluster_state:ok/.test(s) && /cluster_size:3/.test(s))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the private Redis Cluster on ${ports.join(', ')} did not reach cluster_state:ok`);
  };
  const stop = async () => {
    await Promise.all(ports.map((_, i) => kill(i)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((_, i) => start(i)));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    );
    await waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  // Read the slot ranges once from a node.
  const c = direct(0);
  const slots = await c.cluster('SLOTS');
  c.disconnect();
  const ranges: [number, number][][] = ports.map(() => []);
  for (const [from, to, master] of slots) ranges[ports.indexOf(Number(master![1]))]!.push([from, to]);
  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    ranges,
    nodeOfKey: (key) => {
      const s = slotOf(key);
      return ranges.findIndex((rs) => rs.some(([a, b]) => s >= a && s <= b));
    },
    node: direct,
    restartEmpty: async (i) => {
      await kill(i);
      await start(i);
      await waitHealthy();
    },
    stop,
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
