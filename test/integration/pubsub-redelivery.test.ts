import type { SourceMessage } from '@cdp360/updater';
import { runCdp, sleep } from '../helpers/cdp-process';
import { countRows, killUpdaterRepeatedly, seededRandom, updaterArgs } from '../helpers/crash';
import { FACT_TABLES } from '../helpers/manifest';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishGenerated,
  pubsubUpdaterInProcess,
  TEST_ACK_DEADLINE_S,
} from '../helpers/pubsub';
import { streamVersusBatch } from '../helpers/updater';

const count = async (s: PubSubScenario, table: string) =>
  Number((await s.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

/** Tables holding fewer facts than the manifest's valid messages of their topic, with how many. */
async function factsShort(s: PubSubScenario, manifest: Awaited<ReturnType<typeof publishGenerated>>) {
  const short: Record<string, number> = {};
  for (const [table, topic] of FACT_TABLES) {
    const missing = manifest.topics[topic]!.validFirst - (await count(s, table));
    if (missing !== 0) short[table] = missing;
  }
  return short;
}

/** Every fact of the manifest is in the source tables exactly once, and the table equals the batch. */
async function expectExact(s: PubSubScenario, manifest: Awaited<ReturnType<typeof publishGenerated>>, minRows: number) {
  for (const [table, topic] of FACT_TABLES) expect(await count(s, table)).toBe(manifest.topics[topic]!.validFirst);
  const diff = await streamVersusBatch(s.db.pool, s.asOf);
  expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
  expect(diff.rowsCompared).toBeGreaterThan(minRows);
}

describePubSub('updater on Pub/Sub: forced redelivery', () => {
  let s: PubSubScenario;
  afterEach(async () => {
    await s?.close();
  });

  it('counts nothing twice when a slow unit outlives its ack deadline and its messages come again', async () => {
    s = await createPubSubScenario();
    const manifest = await publishGenerated(s, {
      customers: 300,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 5,
    });
    let seen = 0;
    let held = false;
    const summary = await pubsubUpdaterInProcess(s, {
      maxUnitMessages: 500,
      pubsub: {
        // Leases are not extended past 1 s, so the deadline (10 s) passes while the first unit sleeps.
        maxExtensionSeconds: 1,
        beforeUnit: async (messages: readonly SourceMessage[]) => {
          seen += messages.length;
          if (!held) {
            held = true;
            await sleep((TEST_ACK_DEADLINE_S + 8) * 1000);
          }
        },
      },
    });
    expect(summary.reason).toBe('idle');
    // The held unit's messages were delivered again while it slept.
    expect(seen).toBeGreaterThan(manifest.totals.messages);
    expect(summary.counters.totals().messages).toBe(seen);
    await expectExact(s, manifest, 290);
  }, 180_000);

  it('ends exact after SIGKILLs of the cdp updater process mid-unit', async () => {
    // Unordered subscriptions: the emulator (0.8.x) never redelivers some messages an ordered
    // subscription had leased to a consumer that died (about 1 in 10 in our probe, even with in-order
    // acks), while an unordered one redelivers all. The real service redelivers both; the updater does
    // not depend on delivery order (facts commute; records are latest-wins by time, then publish time).
    s = await createPubSubScenario({ messageOrdering: false });
    const manifest = await publishGenerated(s, {
      customers: 400,
      eventsPerCustomer: 8,
      duplicateRate: 0.04,
      invalidRate: 0.015,
      seed: 77,
    });
    const args = updaterArgs({
      redisNamespace: s.redisNamespace,
      kafkaFetchBytes: null,
      extra: ['--ack-deadline', String(TEST_ACK_DEADLINE_S), '--idle-quiet', String(TEST_ACK_DEADLINE_S + 5)],
    });
    const random = seededRandom(4242);
    const kills = await killUpdaterRepeatedly({
      args,
      env: s.env,
      count: () => countRows(s.db.pool, ['purchase_transactions', 'website_behavior']),
      nextStep: () => 1 + Math.floor(random() * 600),
      maxKills: 5,
    });
    expect(kills).toBeGreaterThanOrEqual(3);
    // The emulator hands a killed consumer's leased messages back well after their ack deadline
    // (observed: 15-25 s with a 10 s deadline), so the final run waits longer than that before idle.
    // On a loaded machine it has held messages past that too (2026-12-03: one customer's sessions
    // recorded by a killed unit, its row not yet rewritten when the run went idle; 2026-12-07: 98
    // campaign responses a killed consumer had leased, not yet handed back, while the table agreed
    // with the facts it had). Such messages reach the next run, so up to two more runs go, each only
    // while facts are missing or the table is not exact, and say so. A fact the updater acknowledged
    // without recording never comes back, and a row the stream left wrong with every message
    // delivered stays wrong: both still fail below.
    const finalRun = () => runCdp([...args.slice(0, -1), '45'], s.env);
    expect(await finalRun()).toContain('updater stopped (idle)');
    for (let extra = 1; extra <= 2; extra++) {
      const short = await factsShort(s, manifest);
      const diff = await streamVersusBatch(s.db.pool, s.asOf);
      if (diff.equal && Object.keys(short).length === 0) break;
      console.warn(
        `not exact after the final run (facts missing ${JSON.stringify(short)}, columns ${JSON.stringify(diff.columns.map((c) => c.column))}): run ${extra} more`,
      );
      expect(await finalRun()).toContain('updater stopped (idle)');
    }
    await expectExact(s, manifest, 380);
  }, 600_000);
});
