import { topicNames } from '@cdp360/domain';
import { EXPECT_INVALID_HEADER } from '@cdp360/generator';
import { DEAD_LETTER_HEADERS } from '@cdp360/kafka';
import { consumeTopics, headerText } from '../helpers/kafka';
import { expectCountsMatchManifest } from '../helpers/manifest';
import {
  createScenario,
  produceGenerated,
  type Scenario,
  streamVersusBatch,
  updaterInProcess,
} from '../helpers/updater';

describe('updater on Kafka: stream = batch', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('drains 5,000 customers with duplicates, rejects, stale records and late products, and matches the batch', async () => {
    const manifest = await produceGenerated(s, {
      customers: 5000,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 7,
    });
    // Small fetches make many small units, so late catalog entries meet purchases in earlier units.
    const summary = await updaterInProcess(s, { maxBytesPerPartition: 64 * 1024 });
    expect(summary.reason).toBe('idle');
    expect(summary.units).toBeGreaterThan(10);

    // Nothing lost: every produced message is applied, a duplicate, or dead-lettered.
    expectCountsMatchManifest(summary.counters, manifest, s.prefix);

    // Every reject is on the dead-letter topic: original key, value and headers byte for byte, plus
    // where it came from and why.
    const names = topicNames(s.prefix);
    const invalid = manifest.totals.invalid;
    const dead = await consumeTopics(s.kafka, [names.deadLetter], invalid);
    expect(dead).toHaveLength(invalid);
    const inputs = await consumeTopics(s.kafka, Object.values(names.inputs), manifest.totals.messages);
    const byPosition = new Map(inputs.map((m) => [`${m.topic}/${m.partition}/${m.offset}`, m]));
    for (const d of dead) {
      const from = `${headerText(d.headers, DEAD_LETTER_HEADERS.sourceTopic)}/${headerText(d.headers, DEAD_LETTER_HEADERS.sourcePartition)}/${headerText(d.headers, DEAD_LETTER_HEADERS.sourceOffset)}`;
      const original = byPosition.get(from);
      expect(original).toBeDefined();
      expect(d.key).toEqual(original!.key);
      expect(d.value).toEqual(original!.value);
      expect(headerText(d.headers, EXPECT_INVALID_HEADER)).toBe(headerText(original!.headers, EXPECT_INVALID_HEADER));
      expect(headerText(d.headers, EXPECT_INVALID_HEADER)).toBeDefined();
      expect(headerText(d.headers, DEAD_LETTER_HEADERS.reason)?.length).toBeGreaterThan(5);
      expect(headerText(d.headers, DEAD_LETTER_HEADERS.code)).toMatch(/^[a-z0-9_]+$/);
    }

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(4900);
    expect(manifest.customers.staleVersions).toBeGreaterThan(0);
    expect(manifest.products.late + manifest.products.unknown).toBeGreaterThan(0);
  }, 300_000);
});
