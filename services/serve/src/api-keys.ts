import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const SCOPES = ['profiles:read', 'profiles:read-pii', 'profiles:erase'] as const;
export type Scope = (typeof SCOPES)[number];

const entrySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a name of 1-64 characters from [A-Za-z0-9._-]'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the lowercase hex SHA-256 digest of the key'),
  scopes: z.array(z.enum(SCOPES)).min(1),
});
export type ApiKeyEntry = z.infer<typeof entrySchema>;
const fileSchema = z.array(entrySchema);

/** A bad API keys file: names the file and what is wrong, never a key. */
export class ApiKeysFileError extends Error {
  readonly code = 'CDP_API_KEYS_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeysFileError';
  }
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Parses the keys file's text (a JSON array of entries with unique names). */
export function parseApiKeys(text: string, source = 'CDP_API_KEYS_FILE'): ApiKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiKeysFileError(`${source} is not JSON: expected [{"name","sha256","scopes"}]`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new ApiKeysFileError(`${source}: entry ${where || '(root)'} is not valid: ${issue?.message ?? 'bad shape'}`);
  }
  const names = new Set<string>();
  for (const e of parsed.data) {
    if (names.has(e.name)) throw new ApiKeysFileError(`${source}: the name ${e.name} appears twice`);
    names.add(e.name);
  }
  return parsed.data;
}

export function readApiKeysFile(path: string): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiKeysFileError(`CDP_API_KEYS_FILE=${path} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  return parseApiKeys(text, `CDP_API_KEYS_FILE=${path}`);
}

/**
 * Finds the entry whose digest matches the presented key. Every entry is compared, each in
 * constant time, so the time taken does not tell which digest (or how much of one) matched.
 */
export function findApiKey(entries: readonly ApiKeyEntry[], presented: string): ApiKeyEntry | undefined {
  const digest = Buffer.from(sha256Hex(presented), 'hex');
  let found: ApiKeyEntry | undefined;
  for (const e of entries) {
    if (timingSafeEqual(digest, Buffer.from(e.sha256, 'hex')) && found === undefined) found = e;
  }
  return found;
}

/**
 * The keys of a keys file, looked up per request. The first time a key is presented its digest is
 * compared with every entry's, as findApiKey does (constant time, every entry); a key that matched is
 * then remembered, so later requests with it skip the digest. Only keys that matched are kept: each
 * entry has one key (its digest's preimage), so the memo never holds more than the file's entries,
 * whatever unknown keys are tried, and an unknown key is digested each time. The memo is a Map keyed
 * by the key text: its lookup compares the presented text only with a remembered key of the same
 * (per-process randomly seeded) hash, so its timing tells nothing an attacker can steer.
 */
export class ApiKeyIndex {
  private readonly digests: readonly { entry: ApiKeyEntry; digest: Buffer }[];
  private readonly known = new Map<string, ApiKeyEntry>();

  constructor(entries: readonly ApiKeyEntry[]) {
    this.digests = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  }

  find(presented: string): ApiKeyEntry | undefined {
    const hit = this.known.get(presented);
    if (hit) return hit;
    const digest = hash('sha256', presented, 'buffer');
    let found: ApiKeyEntry | undefined;
    for (const d of this.digests) {
      if (timingSafeEqual(digest, d.digest) && found === undefined) found = d.entry;
    }
    if (found) this.known.set(presented, found);
    return found;
  }
}

/** A new random key (shown once) and the entry to add to the keys file. */
export function createApiKey(name: string, scopes: readonly Scope[]): { key: string; entry: ApiKeyEntry } {
  const key = `cdp_${randomBytes(24).toString('base64url')}`;
  const entry = entrySchema.parse({ name, sha256: sha256Hex(key), scopes: [...new Set(scopes)] });
  return { key, entry };
}
