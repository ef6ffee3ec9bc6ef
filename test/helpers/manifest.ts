import { INPUT_TOPICS } from '@cdp360/domain';
import type { Manifest } from '@cdp360/generator';
import type { Counters } from '@cdp360/updater';

/** Fact tables and the manifest topic whose valid first copies each holds. */
export const FACT_TABLES: readonly (readonly [string, string])[] = [
  ['purchase_transactions', 'cdp.purchases.v1'],
  ['customer_service', 'cdp.service-interactions.v1'],
  ['campaign_responses', 'cdp.campaign-responses.v1'],
  ['website_behavior', 'cdp.web-sessions.v1'],
];

/**
 * Nothing lost, nothing counted twice: per input topic, the updater's applied / duplicate /
 * dead-lettered counts are exactly the generator manifest's valid-first / duplicates / invalid.
 */
export function expectCountsMatchManifest(counters: Counters, manifest: Manifest, prefix: string): void {
  const byTopic = counters.toJSON();
  for (const t of INPUT_TOPICS) {
    const expected = manifest.topics[t.topic]!;
    const c = byTopic[prefix + t.topic];
    const got = { applied: c?.applied ?? 0, duplicate: c?.duplicate ?? 0, deadLettered: c?.deadLettered ?? 0 };
    expect({ topic: t.topic, ...got }).toEqual({
      topic: t.topic,
      applied: expected.validFirst,
      duplicate: expected.duplicates,
      deadLettered: expected.invalid,
    });
  }
}
