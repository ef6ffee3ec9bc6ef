import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { type InputKind, inputTopic } from '@cdp360/domain';
import { readNdjsonDir } from '@cdp360/generator';
import type { ProfilePipeline } from './pipeline';
import type { DeadLetterSink, Rejected, SourceMessage } from './source';
import { Counters } from './stats';

/**
 * Dead letters of a file load, one NDJSON line each: the original key and value (base64 when not
 * UTF-8), headers, where it came from and why. Written before the load goes on to the next unit.
 */
export class NdjsonDeadLetterSink implements DeadLetterSink {
  private readonly out;

  constructor(readonly file: string) {
    this.out = createWriteStream(file, { flags: 'a' });
  }

  async send(rejected: readonly Rejected[]): Promise<void> {
    const lines = rejected.map((r) => {
      const m = r.message;
      const value = m.value === null ? null : m.value;
      const utf8 = value?.toString('utf8');
      const text =
        value && Buffer.from(utf8!, 'utf8').equals(value)
          ? { value: utf8 }
          : { valueBase64: value?.toString('base64') ?? null };
      return `${JSON.stringify({
        key: m.key?.toString('utf8') ?? null,
        ...text,
        headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)])),
        source: { topic: m.topic, stream: m.stream, seq: m.seq },
        code: r.code,
        reason: r.reason,
      })}\n`;
    });
    if (!this.out.write(lines.join(''))) await once(this.out, 'drain');
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/**
 * Feeds the pipeline from an NDJSON directory written by `cdp generate --to files` (reference topics
 * first). A message's position is its line in its topic's file under the directory's absolute path,
 * so loading the same directory again changes nothing.
 */
export async function loadNdjsonDir(
  pipeline: ProfilePipeline,
  dir: string,
  options: { unitSize?: number; onUnit?: (done: number) => void } = {},
): Promise<Counters> {
  const counters = new Counters();
  const root = path.resolve(dir);
  const seqByKind = new Map<InputKind, number>();
  let done = 0;
  for await (const batch of readNdjsonDir(root, { batchSize: options.unitSize ?? 5000 })) {
    const messages: SourceMessage[] = batch.map((w) => {
      const seq = (seqByKind.get(w.kind) ?? 0) + 1;
      seqByKind.set(w.kind, seq);
      const topic = inputTopic(w.kind).topic;
      return {
        kind: w.kind,
        topic,
        key: w.key === null ? null : Buffer.from(w.key, 'utf8'),
        value: typeof w.value === 'string' ? Buffer.from(w.value, 'utf8') : w.value,
        headers: w.headers ?? {},
        stream: `file:${root}/${topic}`,
        seq,
        position: { kind: 'file', line: seq },
      };
    });
    const result = await pipeline.processUnit(messages);
    counters.merge(result.counters);
    done += messages.length;
    options.onUnit?.(done);
  }
  return counters;
}
