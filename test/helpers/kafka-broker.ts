import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@cdp360/config';
import { createKafka } from '@cdp360/kafka';
import { sleep } from './cdp-process';
import { freePort } from './redis-server';

const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * The Kafka jars `deploy/local/stack.sh up` fetched (`.cache/kafka/<version>/libs`, the version of
 * deploy/local/kafka/pom.xml), or CDP_TEST_KAFKA_LIBS.
 */
function kafkaLibs(): string {
  if (process.env.CDP_TEST_KAFKA_LIBS) return process.env.CDP_TEST_KAFKA_LIBS;
  const pom = readFileSync(path.join(REPO_ROOT, 'deploy/local/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  const libs = path.join(REPO_ROOT, '.cache/kafka', version ?? '?', 'libs');
  if (!version || !existsSync(libs) || !readdirSync(libs).some((f) => f.startsWith('kafka_'))) {
    throw new Error(
      `the Kafka jars are not in ${libs}: run \`bash deploy/local/stack.sh up\` first (it fetches them), or set CDP_TEST_KAFKA_LIBS`,
    );
  }
  return libs;
}

export interface PrivateKafka {
  /** `127.0.0.1:<port>`, the only broker (and what its metadata advertises). */
  brokers: string;
  port: number;
  logfile: string;
  /** SIGKILL: nothing is flushed or handed over, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers metadata requests. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A single-node KRaft broker of our own (broker and controller in one JVM) on free ports with a data
 * folder in /tmp, from the jars of the local stack: for tests that kill the broker. Never the shared
 * one. Settings as deploy/local/kafka/server.properties, minus the SASL_SSL listener.
 */
export async function startPrivateKafka(): Promise<PrivateKafka> {
  const libs = kafkaLibs();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-test-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const data = path.join(dir, 'data');
  const cfg = path.join(dir, 'server.properties');
  writeFileSync(
    cfg,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name=PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${data}`,
      'auto.create.topics.enable=false',
      'num.partitions=3',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=3',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=2',
      'num.recovery.threads.per.data.dir=1',
      '',
    ].join('\n'),
  );
  const logfile = path.join(dir, 'kafka.log');
  const java = [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(REPO_ROOT, 'deploy/local/kafka/log4j2.properties')}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    `${libs}/*`,
  ];
  const clusterId = randomBytes(16).toString('base64url');
  execFileSync(
    'java',
    [...java, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', cfg, '--ignore-formatted'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );

  let proc: ChildProcess | null = null;
  const brokers = `127.0.0.1:${port}`;
  const start = async () => {
    const { openSync } = await import('node:fs');
    const out = openSync(logfile, 'a');
    proc = spawn('java', [...java, 'kafka.Kafka', cfg], { stdio: ['ignore', out, out] });
    const kafka = createKafka({
      brokers: [brokers],
      clientId: 'cdp-test-broker-ready',
      logger: createLogger({ level: 'silent', name: 'test' }),
      retry: { retries: 0 },
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the private Kafka broker exited during start; see ${logfile}`);
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`the private Kafka broker did not answer within 90 s; see ${logfile}`);
        await sleep(250);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    brokers,
    port,
    logfile,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
