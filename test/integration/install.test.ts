// The published form of cdp360: `npm pack` of the bundled package (deploy/package/build.js), installed
// with `npm install <tarball>` into an empty folder outside the repository, then run there against the
// real Kafka, Postgres and Redis. Nothing in the installed tree may point back into the checkout.

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { topicNames } from '@cdp360/domain';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from '../helpers/cdp-process';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/redis-server';
import { serviceUrls } from '../helpers/services';

const run = promisify(execFile);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command in `cwd`; rejects with its output when it exits non-zero. */
async function sh(cwd: string, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(
      `${file} ${args.join(' ')} exited ${String(e.code)} in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}

describe('npm package: pack, install into an empty folder, run there', () => {
  const id = Math.random().toString(36).slice(2, 10);
  const prefix = `tinst${id}.`;
  const redisNamespace = `tinst${id}:`;
  let work: string;
  let app: string;
  let tarball: string;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  // `npx cdp` as a user types it, and the installed bin directly (npx costs seconds per call).
  const npxCdp = (args: string[]) => sh(app, 'npx', ['--no', '--', 'cdp', ...args], env);
  const cdp = (args: string[]) => sh(app, path.join(app, 'node_modules/.bin/cdp'), args, env);

  beforeAll(async () => {
    work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cdp360-install-')));
    expect(path.relative(REPO_ROOT, work).startsWith('..')).toBe(true);
    // The tarball's path is the last line on stdout (npm may warn on stderr).
    const { stdout } = await run(process.execPath, ['deploy/package/build.js', '--out', path.join(work, 'pack')], {
      cwd: REPO_ROOT,
    });
    tarball = stdout.trim().split('\n').at(-1)!;
    expect(tarball).toMatch(/cdp360-\d+\.\d+\.\d+\.tgz$/);
    app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), '{ "private": true }\n');
    // The shrinkwrap pins the versions of package-lock.json, which `npm ci` already put in the cache.
    await sh(app, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], process.env);
    db = await createTestDatabase({ migrate: false });
    const urls = serviceUrls();
    // Only what a user would set: no path into the repository, no NODE_PATH.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: urls.kafkaBrokers.join(','),
      DATABASE_URL: db.url,
      REDIS_URL: urls.redisUrl,
      CDP_TOPIC_PREFIX: prefix,
      CDP_GROUP_ID: `cdp-install-${id}`,
      CDP_AS_OF: '2026-07-01',
      LOG_LEVEL: 'warn',
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    };
  }, 180_000);

  afterAll(async () => {
    const admin = new Kafka({ brokers: serviceUrls().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
    await admin.deleteGroups([`cdp-install-${id}`]).catch(() => {});
    await admin.disconnect();
    await db?.drop();
    const redis = new Redis(serviceUrls().redisUrl, { lazyConnect: true });
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${redisNamespace}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
    }
    redis.disconnect();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is one package whose tree holds no link into the checkout', () => {
    const installed = path.join(app, 'node_modules/cdp360');
    expect(realpathSync(installed)).toBe(installed);
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.engines).toEqual({ node: '>=20.19' });
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(Object.keys(manifest.dependencies).some((d) => d.startsWith('@cdp360/'))).toBe(false);
    const bundle = readFileSync(path.join(installed, 'dist/cdp.js'), 'utf8');
    expect(bundle).not.toContain(REPO_ROOT);
  });

  it('prints the version of its package.json', async () => {
    const manifest = JSON.parse(readFileSync(path.join(app, 'node_modules/cdp360/package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(manifest.version).toBe(root.version);
    expect((await npxCdp(['--version'])).trim()).toBe(manifest.version);
  });

  it('migrates, creates topics, streams a generated history, scores and reconciles with the batch', async () => {
    expect(await npxCdp(['migrate'])).toMatch(/applied +1 source-tables[\s\S]*database now at version [1-9]/);
    expect(await cdp(['topics', 'create', '--partitions', '2'])).toContain(topicNames(prefix).deadLetter);
    await cdp(['generate', '--customers', '150', '--events-per-customer', '5', '--to', 'kafka', '--seed', '3']);
    const updater = await cdp([
      'updater',
      '--until-idle',
      '--redis-namespace',
      redisNamespace,
      '--stats-interval',
      '0',
    ]);
    expect(updater).toMatch(/updater stopped \(idle\)/);
    await cdp(['score', '--once']);
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM customer_360');
    expect(Number(rows[0]!.n)).toBeGreaterThan(100);
    // Exit 0 only when every column of every row equals the batch recompute (from the packaged SQL).
    await cdp(['reconcile']);
  }, 180_000);

  it('cdp serve: probes, dashboard, its Plotly asset and the API from the package', async () => {
    const key = randomBytes(16).toString('hex');
    const keysFile = path.join(work, 'keys.json');
    const sha256 = createHash('sha256').update(key, 'utf8').digest('hex');
    writeFileSync(keysFile, JSON.stringify([{ name: 'install-test', sha256, scopes: ['profiles:read'] }]));
    const [http, metrics] = [await freePort(), await freePort()];
    const serveEnv = {
      ...env,
      CDP_API_KEYS_FILE: keysFile,
      CDP_HTTP_PORT: String(http),
      CDP_METRICS_PORT: String(metrics),
    };
    const child = spawn(path.join(app, 'node_modules/.bin/cdp'), ['serve', '--host', '127.0.0.1'], {
      cwd: app,
      env: serveEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      let ready = false;
      while (!ready && Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${metrics}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await sleep(250);
      }
      expect({ ready, output }).toMatchObject({ ready: true });
      expect((await fetch(`http://127.0.0.1:${metrics}/healthz`)).status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${http}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const plotly = await fetch(`http://127.0.0.1:${http}/assets/plotly.min.js`);
      expect(plotly.status).toBe(200);
      expect((await plotly.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
      const stats = await fetch(`http://127.0.0.1:${http}/v1/stats`, { headers: { authorization: `Bearer ${key}` } });
      expect(stats.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
