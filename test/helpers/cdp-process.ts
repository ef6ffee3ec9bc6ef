import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const CDP_BIN = path.join(REPO_ROOT, 'services/cli/bin/cdp.js');

// test/run-integration.sh builds once before its lanes and says so: a build in one lane would rewrite
// dist/ under the cdp processes of the other.
let built = process.env.CDP_TEST_BUILT === '1';
/** Child processes run the compiled `cdp`: build once per test file so they run this tree's code. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'ignore' });
  built = true;
}

export interface CdpProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `cdp <args>` as a child process with `env`, collecting its stdout and stderr. */
export function spawnCdp(args: readonly string[], env: NodeJS.ProcessEnv): CdpProcess {
  ensureBuilt();
  const child = spawn(process.execPath, [CDP_BIN, ...args], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => Buffer.concat(chunks).toString('utf8'), exited };
}

/** Runs `cdp <args>` to the end; rejects with its output when it exits non-zero. */
export async function runCdp(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const p = spawnCdp(args, env);
  const { code, signal } = await p.exited;
  if (code !== 0) throw new Error(`cdp ${args.join(' ')} exited ${code ?? signal}:\n${p.output()}`);
  return p.output();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
