import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** bench/results at the repository's bench package, the same from src/ and dist/. */
export const RESULTS_DIR = path.resolve(__dirname, '../results');

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the scenario started and ended (other work on the machine). */
  loadAverage: { start: number; end: number };
}

export function machineInfo(loadAtStart: number): MachineInfo {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: { start: round(loadAtStart, 2), end: round(os.loadavg()[0]!, 2) },
  };
}

export interface ScenarioResult {
  scenario: string;
  /** ISO time the scenario started. */
  startedAt: string;
  machine: MachineInfo;
  /** Options the scenario ran with. */
  options: Record<string, unknown>;
  /** Everything measured (numbers in the units their names say). */
  results: Record<string, unknown>;
  /** How it was measured, in words: what is included, what is not. */
  method: string[];
  /** The readable table (also printed). */
  table: [string, string][];
}

/** The median (of an even count: the mean of the middle two). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Renders two-column rows as an aligned table. */
export function formatTable(title: string, rows: readonly [string, string][]): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return `${title}\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}

/**
 * Prints the result as one JSON line (stdout) and a readable table (stderr), and writes it to
 * results/<date>-<scenario>.json, or <date>-<scenario>-<n>.json when a run of the same day is there
 * already (results are committed: a second run must not replace the first). Returns the file written.
 */
export function publish(result: ScenarioResult, options: { write?: boolean } = {}): string | null {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stderr.write(`\n${formatTable(`${result.scenario} (${result.startedAt})`, result.table)}`);
  if (options.write === false) return null;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = freeResultPath(RESULTS_DIR, `${result.startedAt.slice(0, 10)}-${result.scenario}`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { flag: 'wx' });
  process.stderr.write(`  written to ${path.relative(process.cwd(), file)}\n`);
  return file;
}

/** `<dir>/<stem>.json`, or the first `<dir>/<stem>-<n>.json` (n = 2, 3, ...) that does not exist. */
export function freeResultPath(dir: string, stem: string): string {
  let file = path.join(dir, `${stem}.json`);
  for (let n = 2; existsSync(file); n++) file = path.join(dir, `${stem}-${n}.json`);
  return file;
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  rate: (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`,
  s: (ms: number) => `${(ms / 1000).toFixed(2)} s`,
  ms: (ms: number) => `${ms.toFixed(0)} ms`,
  pct: (x: number) => `${(x * 100).toFixed(0)} %`,
  n2: (x: number) => x.toFixed(2),
};
