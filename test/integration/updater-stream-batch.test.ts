import { INPUT_TOPICS } from '@cdp360/domain';
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

  it('drains a generated data set and matches the batch recompute in every column', async () => {
    const manifest = await produceGenerated(s, {
      customers: 300,
      eventsPerCustomer: 6,
      duplicateRate: 0.05,
      invalidRate: 0.02,
      seed: 7,
    });
    // Small fetches make many small units, so late catalog entries meet purchases in earlier units.
    const summary = await updaterInProcess(s, { maxBytesPerPartition: 16 * 1024 });
    expect(summary.reason).toBe('idle');
    expect(summary.units).toBeGreaterThan(10);

    // Nothing lost: every produced message is applied, a duplicate, or dead-lettered.
    const counters = summary.counters.toJSON();
    for (const t of INPUT_TOPICS) {
      const expected = manifest.topics[t.topic]!;
      const got = counters[s.prefix + t.topic] ?? { applied: 0, duplicate: 0, deadLettered: 0 };
      expect({ topic: t.topic, ...got }).toEqual({
        topic: t.topic,
        applied: expected.validFirst,
        duplicate: expected.duplicates,
        deadLettered: expected.invalid,
      });
    }

    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(250);
  });
});
