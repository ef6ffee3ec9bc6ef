import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WireMessage } from '@cdp360/generator';
import { REPO_ROOT } from './cdp-process';

const run = promisify(execFile);

export type JavaCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** plain sends; commit and abort send in one transaction that is committed or aborted. */
export type JavaMode = 'plain' | 'commit' | 'abort';

export interface JavaSession {
  codec: JavaCodec;
  mode: JavaMode;
  /** Each with the topic it goes to. */
  messages: ReadonlyArray<WireMessage & { topic: string }>;
}

/** The jars stack.sh fetched for the pinned Kafka version (kafka-clients and its codec jars). */
export function kafkaLibs(): string {
  const pom = readFileSync(path.join(REPO_ROOT, 'deploy/local/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  const libs = path.join(REPO_ROOT, '.cache/kafka', version ?? '?', 'libs');
  if (!existsSync(path.join(libs, '.complete'))) {
    throw new Error(`no Kafka ${version} jars at ${libs}: run \`bash deploy/local/stack.sh up\` (it fetches them)`);
  }
  return libs;
}

const b64 = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64');

/**
 * Sends the sessions, in order, with the official Java producer (test/java/InteropProducer.java, run
 * as a single source file by the JDK: nothing is compiled to disk). Resolves with its output.
 */
export async function produceWithJava(brokers: readonly string[], sessions: readonly JavaSession[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cdp-java-'));
  try {
    const plan = path.join(dir, 'plan.tsv');
    const lines: string[] = [];
    for (const s of sessions) {
      for (const m of s.messages) {
        const headers = m.headers ? Object.entries(m.headers).map(([k, v]) => `${k}=${b64(v)}`) : [];
        lines.push(
          [s.codec, s.mode, m.topic, m.key === null ? '-' : b64(m.key), b64(m.value), headers.join(',') || '-'].join(
            '\t',
          ),
        );
      }
    }
    writeFileSync(plan, `${lines.join('\n')}\n`);
    const source = path.join(REPO_ROOT, 'test/java/InteropProducer.java');
    const { stdout } = await run('java', ['-Xmx256m', '-cp', `${kafkaLibs()}/*`, source, brokers.join(','), plan], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
