import { randomBytes } from 'node:crypto';
import { INPUT_TOPICS, topicNames } from '@cdp360/domain';
import { type GeneratorOptions, generateEvents, type Manifest } from '@cdp360/generator';
import { EARLIEST_MARGIN_MS } from '@cdp360/pubsub';
import { createRedis } from '@cdp360/redis';
import type { Redis } from 'ioredis';
import { runCdp, spawnCdp } from '../helpers/cdp-process';
import { wireEvent } from '../helpers/events';
import { expectCountsMatchManifest } from '../helpers/manifest';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishWire,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';
import { copyCustomer360, redisSnapshot, rowsDifferingFrom } from '../helpers/snapshots';
import { streamVersusBatch } from '../helpers/updater';

/** Runs `cdp <args>` to the end, whatever its exit code. */
async function cdp(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const p = spawnCdp(args, env);
  const { code } = await p.exited;
  return { code, output: p.output() };
}

function manifestOf(options: GeneratorOptions): Manifest {
  const gen = generateEvents(options);
  let messages = 0;
  for (const batch of gen) messages += batch.length; // iterating fills the manifest
  expect(messages).toBe(gen.manifest.totals.messages);
  return gen.manifest;
}

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

describePubSub('cdp replay and cdp generate on Pub/Sub', () => {
  let s: PubSubScenario;
  let redis: Redis;
  let triggersReader: string;
  beforeAll(async () => {
    s = await createPubSubScenario();
    redis = createRedis(s.config.redisUrl);
    const topic = topicNames(s.prefix).profileTriggers;
    triggersReader = `${s.group}.${topic}.reader`;
    await s.pubsub.topic(topic).createSubscription(triggersReader);
  });
  afterAll(async () => {
    await redis?.quit();
    await s?.close();
  });

  it('generate → snapshot → run → seek to the snapshot with the CLI → run again: every message read again, nothing changes', async () => {
    // 300 customers: the emulator keeps a thread per ordering key and stream (see pubsub-stream-batch).
    const options = { customers: 300, eventsPerCustomer: 6, duplicateRate: 0.04, invalidRate: 0.02, seed: 21 };
    const generated = await runCdp(
      [
        'generate',
        '--to',
        'pubsub',
        '--customers',
        String(options.customers),
        '--events-per-customer',
        String(options.eventsPerCustomer),
        '--duplicate-rate',
        String(options.duplicateRate),
        '--invalid-rate',
        String(options.invalidRate),
        '--seed',
        String(options.seed),
      ],
      s.env,
    );
    // The same options in-process give the same data set: its manifest is what the topics must hold.
    const manifest = manifestOf(options);
    expect(generated).toContain(`${manifest.totals.messages} messages to Pub/Sub topics ${s.prefix}cdp.*.v1`);

    const snap = await runCdp(['replay', '--snapshot', 'before'], s.env);
    expect(snap).toMatch(/took 8 snapshots; replay to this point with `cdp replay --to snapshot:before`/);

    const first = await pubsubUpdaterInProcess(s, { maxUnitMessages: 500 });
    expect(first.reason).toBe('idle');
    // Everything cdp generate published arrived once, keyed right: applied, duplicate or dead-lettered
    // exactly as the generator's manifest says.
    expectCountsMatchManifest(first.counters, manifest, s.prefix);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(280);

    await copyCustomer360(s.db.pool, 'before_replay');
    const redisBefore = await redisSnapshot(redis, s.redisNamespace);
    const triggersBefore = await readSubscription(s.pubsub, triggersReader, 1_000_000, 3_000);
    expect(triggersBefore.length).toBeGreaterThan(50);

    const dry = await runCdp(['replay', '--to', 'snapshot:before', '--dry-run'], s.env);
    expect(dry).toMatch(/subscription\s+keeps acked\s+seek to/);
    for (const t of INPUT_TOPICS) {
      const sub = `${s.group}.${s.prefix}${t.topic}`;
      expect(dry).toMatch(
        new RegExp(`${sub.replace(/\./g, '\\.')}\\s+no\\s+snapshot before\\.${sub.replace(/\./g, '\\.')}`),
      );
    }
    expect(dry).toMatch(/dry run: nothing sought/);

    const sought = await runCdp(['replay', '--to', 'snapshot:before'], s.env);
    expect(sought).toMatch(/sought 8 subscriptions; start the updater to replay/);

    const again = await pubsubUpdaterInProcess(s, { maxUnitMessages: 1000 });
    expect(again.reason).toBe('idle');
    expect(again.counters.totals().messages).toBe(manifest.totals.messages); // everything read again...
    expect(await rowsDifferingFrom(s.db.pool, 'before_replay')).toEqual([]); // ...and nothing changed
    expect(await redisSnapshot(redis, s.redisNamespace)).toEqual(redisBefore);
    expect(await readSubscription(s.pubsub, triggersReader, 1, 3_000)).toEqual([]);

    const deleted = await runCdp(['replay', '--delete-snapshot', 'before'], s.env);
    expect(deleted).toMatch(/deleted 8 snapshots/);
    const gone = await cdp(['replay', '--to', 'snapshot:before'], s.env);
    expect(gone.code).toBe(1);
    expect(gone.output).toMatch(
      /snapshot before\.\S+ does not exist \(take the group's snapshots with `cdp replay --snapshot before`/,
    );
  }, 300_000);

  it('seeking to a time: done where the service can, else a plain message naming snapshots', async () => {
    // Three new messages wait; a seek to a time after them acknowledges them (real Pub/Sub). The
    // emulator 0.8.20 answers UNIMPLEMENTED for ordered subscriptions (ours): then nothing moved.
    const web = (id: string) =>
      wireEvent('web_session', {
        session_id: id,
        customer_id: 7,
        visit_date: '2026-06-20',
        pages_viewed: 1,
        time_spent: 5,
      });
    await publishWire(s, [web(`T1-${randomBytes(2).toString('hex')}`), web('T2'), web('T3')]);
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date().toISOString();
    const r = await cdp(['replay', '--to', at], s.env);
    expect(r.output).toMatch(/subscription\s+keeps acked\s+seek to/);
    const after = await pubsubUpdaterInProcess(s);
    expect(after.reason).toBe('idle');
    if (r.code === 0) {
      expect(r.output).toMatch(/sought 8 subscriptions/);
      expect(after.counters.totals().messages).toBe(0);
    } else {
      expect(r.code).toBe(1);
      expect(r.output).toContain('UNIMPLEMENTED');
      expect(r.output).toContain('`cdp replay --snapshot NAME`');
      expect(r.output).toContain('`cdp replay --to snapshot:NAME`');
      expect(r.output).toContain('(CDP_PUBSUB_SEEK_UNSUPPORTED)');
      expect(r.output).not.toMatch(STACK_TRACE);
      expect(after.counters.totals().messages).toBe(3);
    }
  }, 120_000);

  it('explains what Pub/Sub cannot do: offsets, earliest without retained acks; earliest is now minus the retention', async () => {
    const offsets = await cdp(['replay', '--to', `${s.prefix}cdp.purchases.v1:0:5`], s.env);
    expect(offsets.code).toBe(2);
    expect(offsets.output).toMatch(
      /'--to <target>'.*Pub\/Sub has no offsets: use earliest, latest, an RFC 3339 time or snapshot:NAME/,
    );

    // The scenario's subscriptions keep no acknowledged messages.
    const noRetention = await cdp(['replay', '--to', 'earliest'], s.env);
    expect(noRetention.code).toBe(1);
    expect(noRetention.output).toMatch(/--to earliest: subscription \S+ keeps no acknowledged messages/);
    expect(noRetention.output).not.toMatch(STACK_TRACE);

    // `cdp topics create` makes subscriptions that keep them 7 days: earliest is 7 days back.
    const group = `${s.group}-retained`;
    await runCdp(['topics', 'create', '--group', group], s.env);
    const before = Date.now();
    const plan = await runCdp(['replay', '--group', group, '--to', 'earliest', '--dry-run'], s.env);
    const times = [...plan.matchAll(/\s7 d\s+time (\S+)/g)].map((m) => Date.parse(m[1]!));
    expect(times).toHaveLength(8); // the seven event topics and the erasure requests
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(before - 7 * 86_400_000 + EARLIEST_MARGIN_MS - 1);
      expect(t).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000 + EARLIEST_MARGIN_MS);
    }
    expect(plan).toMatch(/dry run: nothing sought/);

    const kafkaOnly = await cdp(['replay', '--transport', 'kafka', '--to', 'snapshot:x'], s.env);
    expect(kafkaOnly.code).toBe(2);
    expect(kafkaOnly.output).toMatch(/snapshots .* are Pub\/Sub only \(CDP_TRANSPORT=pubsub or --transport pubsub\)/);
  }, 120_000);
});
