import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

/** The V8 CPU profile format (what `node --cpu-prof` writes and Chrome DevTools opens). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Samples this process with V8's CPU profiler (the one behind `node --cpu-prof`) between start() and
 * stop(), so a profile covers exactly the measured phase and not the setup around it.
 */
export class CpuProfiler {
  private readonly session = new Session();

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
    });
  }

  async start(intervalUs = 1000): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = await this.post<{ profile: CpuProfile }>('Profiler.stop');
    await this.post('Profiler.disable');
    this.session.disconnect();
    return profile;
  }
}

export interface CostLine {
  name: string;
  selfMs: number;
  share: number;
}

/** What a frame belongs to: a dependency, one of our packages' files, Node internals, or V8 itself. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
    return '(V8 builtins: JSON, Buffer, strings…)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg.startsWith('@cdp360/')) return `${pkg} ${rest[rest.length - 1]}`;
    return pkg;
  }
  const own = /\/(packages|services|bench)\/([^/]+)\/(?:dist|src)\/(.+)$/.exec(url);
  if (own) return `@cdp360/${own[2]} ${own[3]!.replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node internals';
  return path.basename(url);
}

/** Self time per function and per area, largest first. */
export function summarizeProfile(
  profile: CpuProfile,
  top = 20,
): { functions: CostLine[]; areas: CostLine[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to the sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue; // waiting on I/O is not a cost
    total += us;
    const a = areaOf(url, functionName);
    const name =
      url === '' ? `${functionName || '(anonymous)'}` : `${functionName || '(anonymous)'} ${a}:${lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), share: total === 0 ? 0 : us / total }));
  return { functions: lines(fn), areas: lines(area), totalMs: Math.round(total / 1000) };
}

export function writeProfile(profile: CpuProfile, file: string): void {
  writeFileSync(file, JSON.stringify(profile));
}
