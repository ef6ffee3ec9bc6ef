import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INPUT_TOPICS, type InputKind } from '@cdp360/domain';
import type { Manifest } from './manifest';
import type { WireMessage } from './wire';

/**
 * One NDJSON line per message: `{"key":…,"value":…,"headers":{…}}`, or `"valueBase64"` instead of
 * `"value"` when the bytes are not valid UTF-8 (so they survive the text file byte for byte).
 */
export function ndjsonLine(m: WireMessage): string {
  const key = m.key === null ? 'null' : JSON.stringify(m.key);
  const value =
    typeof m.value === 'string'
      ? `"value":${JSON.stringify(m.value)}`
      : `"valueBase64":${JSON.stringify(m.value.toString('base64'))}`;
  const headers = m.headers ? `,"headers":${JSON.stringify(m.headers)}` : '';
  return `{"key":${key},${value}${headers}}\n`;
}

export function parseNdjsonLine(kind: InputKind, line: string): WireMessage {
  const o = JSON.parse(line) as {
    key?: string | null;
    value?: string;
    valueBase64?: string;
    headers?: Record<string, string>;
  };
  const value = o.valueBase64 !== undefined ? Buffer.from(o.valueBase64, 'base64') : o.value;
  if (value === undefined) throw new Error(`NDJSON line without value or valueBase64: ${line.slice(0, 80)}`);
  const m: WireMessage = { kind, key: o.key ?? null, value };
  if (o.headers) m.headers = o.headers;
  return m;
}

export const MANIFEST_FILE = 'manifest.json';

/** File name of a topic's messages: `<default topic name>.ndjson`. */
export function ndjsonFileName(kind: InputKind): string {
  return `${INPUT_TOPICS.find((t) => t.kind === kind)!.topic}.ndjson`;
}

/**
 * Writes batches into `dir` (created if needed): one NDJSON file per input topic, in log order, then
 * `manifest.json` from `manifest()` (called after the last batch, when the generator has filled it).
 */
export async function writeNdjsonDir(
  dir: string,
  batches: Iterable<WireMessage[]> | AsyncIterable<WireMessage[]>,
  manifest: () => Manifest,
  onBatch?: (batch: WireMessage[]) => void,
): Promise<Manifest> {
  await mkdir(dir, { recursive: true });
  const streams = new Map<InputKind, WriteStream>();
  for (const t of INPUT_TOPICS) streams.set(t.kind, createWriteStream(join(dir, ndjsonFileName(t.kind))));
  try {
    const parts = new Map<InputKind, string[]>();
    for await (const batch of batches) {
      for (const m of batch) {
        let list = parts.get(m.kind);
        if (!list) {
          list = [];
          parts.set(m.kind, list);
        }
        list.push(ndjsonLine(m));
      }
      for (const [kind, lines] of parts) {
        if (lines.length === 0) continue;
        const s = streams.get(kind)!;
        if (!s.write(lines.join(''))) await once(s, 'drain');
        lines.length = 0;
      }
      onBatch?.(batch);
    }
  } finally {
    await Promise.all(
      [...streams.values()].map(
        (s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve()))),
      ),
    );
  }
  const m = manifest();
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

/**
 * Reads a directory written by writeNdjsonDir back as the same messages, topic by topic (reference
 * topics first, so a loader publishes the catalog before the facts), in batches of `batchSize`.
 * Files that are missing are skipped.
 */
export async function* readNdjsonDir(
  dir: string,
  options: { batchSize?: number } = {},
): AsyncGenerator<WireMessage[], void, undefined> {
  const batchSize = options.batchSize ?? 10_000;
  for (const t of INPUT_TOPICS) {
    const path = join(dir, ndjsonFileName(t.kind));
    if (!(await exists(path))) continue;
    const stream = createReadStream(path, { encoding: 'utf8' });
    let batch: WireMessage[] = [];
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.length === 0) continue;
      batch.push(parseNdjsonLine(t.kind, line));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
}
