import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/** Lua scripts live in ../lua, one per file; `--@include NAME` pulls in a shared fragment. */
const LUA_DIR = path.resolve(__dirname, '../lua');

/** `keys`: how many keys a call takes; undefined when the call gives the count first (several per customer). */
export const SCRIPTS = {
  cdpApplyCustomers: { file: 'apply-customers.lua', keys: undefined },
  cdpReadProfile: { file: 'read-profile-3.lua', keys: 3 },
  cdpLoadProfiles: { file: 'load-profiles.lua', keys: undefined },
  cdpPublishEpoch: { file: 'publish-epoch-2.lua', keys: 2 },
} as const satisfies Record<string, { file: string; keys: number | undefined }>;

export type ScriptName = keyof typeof SCRIPTS;

export function loadLua(file: string): string {
  const text = readFileSync(path.join(LUA_DIR, file), 'utf8');
  return text.replace(/^--@include (\S+)$/gm, (_m, name: string) => loadLua(name));
}

const defined = new WeakSet<Redis | Cluster>();

/** Registers the scripts on a client once (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT). */
export function defineScripts(redis: Redis | Cluster): void {
  if (defined.has(redis)) return;
  for (const [name, spec] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: spec.keys, lua: loadLua(spec.file) });
  }
  defined.add(redis);
}

type Arg = string | number | Buffer;
/** ioredis flattens array arguments into the command's arguments. */
export type ScriptCall = (...args: (Arg | readonly Arg[])[]) => unknown;
/** A pipeline with the scripts' commands on it. */
export type ScriptPipeline = { [K in ScriptName]: ScriptCall } & { exec(): Promise<[Error | null, unknown][] | null> };
