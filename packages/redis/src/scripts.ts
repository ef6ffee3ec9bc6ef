import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';

/** Lua scripts live in ../lua, one per file; `--@include NAME` pulls in a shared fragment. */
const LUA_DIR = path.resolve(__dirname, '../lua');

export const SCRIPTS = {
  cdpApplyPurchase: { file: 'apply-purchase-2.lua', keys: 2 },
  cdpApplyInteraction: { file: 'apply-interaction-1.lua', keys: 1 },
  cdpApplyResponse: { file: 'apply-response-2.lua', keys: 2 },
  cdpApplySession: { file: 'apply-session-1.lua', keys: 1 },
  cdpApplyCustomer: { file: 'apply-customer-1.lua', keys: 1 },
  // The same applies guarded per message id instead of per-stream watermark (Pub/Sub).
  cdpApplyPurchaseMarked: { file: 'apply-purchase-marked-3.lua', keys: 3 },
  cdpApplyInteractionMarked: { file: 'apply-interaction-marked-2.lua', keys: 2 },
  cdpApplyResponseMarked: { file: 'apply-response-marked-3.lua', keys: 3 },
  cdpApplySessionMarked: { file: 'apply-session-marked-2.lua', keys: 2 },
  cdpApplyCustomerMarked: { file: 'apply-customer-marked-2.lua', keys: 2 },
  cdpReadProfile: { file: 'read-profile-3.lua', keys: 3 },
  cdpReadState: { file: 'read-state-3.lua', keys: 3 },
  cdpLoadProfile: { file: 'load-profile-3.lua', keys: 3 },
  cdpPublishEpoch: { file: 'publish-epoch-2.lua', keys: 2 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export function loadLua(file: string): string {
  const text = readFileSync(path.join(LUA_DIR, file), 'utf8');
  return text.replace(/^--@include (\S+)$/gm, (_m, name: string) => loadLua(name));
}

const defined = new WeakSet<Redis>();

/** Registers the scripts on a client once (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT). */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const [name, spec] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: spec.keys, lua: loadLua(spec.file) });
  }
  defined.add(redis);
}

type Arg = string | number | Buffer;
export type ScriptCall = (...args: Arg[]) => unknown;
/** A pipeline with the scripts' commands on it. */
export type ScriptPipeline = { [K in ScriptName]: ScriptCall } & { exec(): Promise<[Error | null, unknown][] | null> };
