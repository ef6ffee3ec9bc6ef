// Records produced by the official Java client, in every codec and in transactions (one aborted),
// drain through the updater: every message is counted once, aborted records never, and the streamed
// table equals the batch recompute. The updater itself produces its dead letters with zstd.

import { loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { generateEvents, type WireMessage } from '@cdp360/generator';
import { runUpdater } from '@cdp360/updater';
import { type JavaCodec, type JavaMode, type JavaSession, produceWithJava } from '../helpers/java-producer';
import { consumeTopics } from '../helpers/kafka';
import { expectCountsMatchManifest } from '../helpers/manifest';
import { createScenario, quietLogger, type Scenario, streamVersusBatch } from '../helpers/updater';

const PLAN: Array<[JavaCodec, JavaMode]> = [
  ['gzip', 'plain'],
  ['snappy', 'plain'],
  ['lz4', 'commit'],
  ['zstd', 'plain'],
  ['snappy', 'abort'], // an aborted transaction between committed data
  ['lz4', 'plain'],
  ['zstd', 'commit'],
  ['gzip', 'commit'],
  ['lz4', 'abort'], // and one as the last thing in the partitions
];

/** Valid purchases turned into new ones (a business id never seen) for the aborted transactions. */
function abortedCopies(messages: readonly WireMessage[], tag: string): WireMessage[] {
  const out: WireMessage[] = [];
  for (const m of messages) {
    if (m.kind !== 'purchase' || m.headers?.['x-cdp-expect-invalid'] || typeof m.value !== 'string') continue;
    const event = JSON.parse(m.value);
    if (!event?.data?.transaction_id) continue;
    event.id = `${event.id}-${tag}`;
    event.data.transaction_id = `aborted-${tag}-${event.data.transaction_id}`;
    out.push({ ...m, value: JSON.stringify(event) });
    if (out.length >= 40) break;
  }
  return out;
}

describe('Kafka interop: the Java client in every codec, transactional, aborted', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('counts every committed record once, never an aborted one, and matches the batch', async () => {
    const gen = generateEvents({
      customers: 300,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.02,
      seed: 23,
    });
    const all: WireMessage[] = [];
    for (const batch of gen) all.push(...batch);
    const manifest = gen.manifest;
    const names = topicNames(s.prefix).inputs;
    const committedSessions = PLAN.filter(([, mode]) => mode !== 'abort').length;
    const per = Math.ceil(all.length / committedSessions);
    const sessions: JavaSession[] = [];
    let next = 0;
    PLAN.forEach(([codec, mode], i) => {
      let messages: WireMessage[];
      if (mode === 'abort') {
        messages = abortedCopies(all, String(i));
      } else {
        messages = all.slice(next, next + per);
        next += per;
      }
      sessions.push({ codec, mode, messages: messages.map((m) => ({ ...m, topic: names[m.kind] })) });
    });
    const aborted = sessions.filter((x) => x.mode === 'abort').flatMap((x) => x.messages);
    expect(aborted.length).toBeGreaterThan(40);
    const out = await produceWithJava(s.config.kafka.brokers, sessions);
    expect(out.trim().split('\n')).toHaveLength(PLAN.length);

    // The updater produces its dead letters with zstd (KAFKA_COMPRESSION).
    const config = loadConfig({ ...s.env, KAFKA_COMPRESSION: 'zstd' });
    const summary = await runUpdater({
      config,
      logger: quietLogger(),
      untilIdle: true,
      redisNamespace: s.redisNamespace,
      statsIntervalMs: 0,
    });
    expect(summary.reason).toBe('idle');
    expectCountsMatchManifest(summary.counters, manifest, s.prefix);

    const { rows } = await s.db.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM purchase_transactions WHERE transaction_id LIKE 'aborted-%'",
    );
    expect(Number(rows[0]!.n)).toBe(0);

    const dead = await consumeTopics(s.kafka, [topicNames(s.prefix).deadLetter], manifest.totals.invalid);
    expect(dead).toHaveLength(manifest.totals.invalid);

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(250);
  }, 180_000);
});
