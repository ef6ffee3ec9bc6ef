import { INPUT_TOPICS, topicNames } from '@cdp360/domain';
import { EXPECT_INVALID_HEADER, generateEvents, type WireMessage } from '@cdp360/generator';
import { DEAD_LETTER_HEADERS } from '@cdp360/kafka';
import { DEAD_LETTER_ATTRIBUTES } from '@cdp360/pubsub';
import type pg from 'pg';
import { consumeTopics, headerText } from '../helpers/kafka';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishWire,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';
import { createScenario, produceWire, type Scenario, streamVersusBatch, updaterInProcess } from '../helpers/updater';

/** The CloudEvent's data of a valid generated message (null for the deliberately invalid ones). */
function dataOf(m: WireMessage): Record<string, unknown> | null {
  if (m.headers?.[EXPECT_INVALID_HEADER] !== undefined || typeof m.value !== 'string') return null;
  try {
    return (JSON.parse(m.value) as { data: Record<string, unknown> }).data;
  } catch {
    return null;
  }
}

/** The one message whose `field` has a value no other message of that kind has. */
function singleBy(messages: readonly WireMessage[], kind: WireMessage['kind'], field: string): WireMessage {
  const seen = new Map<unknown, WireMessage[]>();
  for (const m of messages) {
    const v = m.kind === kind ? dataOf(m)?.[field] : undefined;
    if (v !== undefined) seen.set(v, [...(seen.get(v) ?? []), m]);
  }
  const once = [...seen.values()].filter((l) => l.length === 1);
  return once[Math.floor(once.length / 2)]![0]!;
}

/** A trigger that refuses one purchase id, as a blocklist would. */
async function blockPurchase(pool: pg.Pool, transactionId: string): Promise<void> {
  await pool.query(`
    CREATE FUNCTION refuse_blocked_purchase() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.transaction_id = '${transactionId}' THEN
        RAISE EXCEPTION 'transaction % is on the blocklist', NEW.transaction_id;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_blocked_purchase BEFORE INSERT ON purchase_transactions
      FOR EACH ROW EXECUTE FUNCTION refuse_blocked_purchase();`);
}

describe('updater on Kafka: rows the database refuses (poison messages)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('dead-letters only the refused messages with the database reason, applies the rest, and moves on', async () => {
    const gen = generateEvents({
      customers: 400,
      eventsPerCustomer: 6,
      duplicateRate: 0.04,
      invalidRate: 0.01,
      seed: 14,
    });
    const messages = [...gen].flat();
    const manifest = gen.manifest;
    const poisonPurchase = singleBy(messages, 'purchase', 'transaction_id');
    const poisonCustomer = singleBy(messages, 'customer', 'customer_id');
    const blockedId = dataOf(poisonPurchase)!.transaction_id as string;
    const blockedEmail = dataOf(poisonCustomer)!.email as string;
    const blockedName = dataOf(poisonCustomer)!.last_name as string;

    // A blocklist trigger on one purchase id, and one that refuses a customer record and puts the
    // record's personal data in its message and detail (which must not reach the dead letter).
    await blockPurchase(s.db.pool, blockedId);
    await s.db.pool.query(`
      CREATE FUNCTION refuse_blocked_customer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email = '${blockedEmail}' THEN
          RAISE EXCEPTION 'customer % (%) is refused', NEW.last_name, NEW.email
            USING DETAIL = 'row: ' || NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.email;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_blocked_customer BEFORE INSERT OR UPDATE ON customer_info
        FOR EACH ROW EXECUTE FUNCTION refuse_blocked_customer();`);

    await produceWire(s, messages);
    // Small fetches: many units, the poison ones among hundreds of good messages each.
    const summary = await updaterInProcess(s, { maxBytesPerPartition: 64 * 1024 });
    // Idle = every input partition committed to its end: the group got past the poison units.
    expect(summary.reason).toBe('idle');

    // Nothing lost: per topic, applied + duplicate + dead-lettered = produced, the two refused
    // messages counted dead-lettered instead of applied.
    const byTopic = summary.counters.toJSON();
    for (const t of INPUT_TOPICS) {
      const expected = manifest.topics[t.topic]!;
      const refused = t.kind === 'purchase' || t.kind === 'customer' ? 1 : 0;
      const c = byTopic[s.prefix + t.topic];
      expect({
        topic: t.topic,
        applied: c?.applied ?? 0,
        duplicate: c?.duplicate ?? 0,
        dead: c?.deadLettered ?? 0,
      }).toEqual({
        topic: t.topic,
        applied: expected.validFirst - refused,
        duplicate: expected.duplicates,
        dead: expected.invalid + refused,
      });
    }

    const names = topicNames(s.prefix);
    const dead = await consumeTopics(s.kafka, [names.deadLetter], manifest.totals.invalid + 2);
    expect(dead).toHaveLength(manifest.totals.invalid + 2);
    const refusedLetters = dead.filter((d) => headerText(d.headers, DEAD_LETTER_HEADERS.code) === 'database_rejected');
    expect(refusedLetters.map((d) => d.value?.toString()).sort()).toEqual(
      [poisonPurchase.value as string, poisonCustomer.value as string].sort(),
    );
    const reasonOf = (m: WireMessage) =>
      headerText(refusedLetters.find((d) => d.value?.toString() === m.value)!.headers, DEAD_LETTER_HEADERS.reason)!;
    expect(reasonOf(poisonPurchase)).toBe(
      `the database rejected it: SQLSTATE P0001 (raise_exception): transaction ${blockedId} is on the blocklist`,
    );
    const customerReason = reasonOf(poisonCustomer);
    expect(customerReason).toMatch(
      /^the database rejected it: SQLSTATE P0001 \(raise_exception\): customer … \(…\) is refused$/,
    );
    expect(customerReason).not.toContain(blockedEmail);
    expect(customerReason).not.toContain(blockedName);

    // The refused facts are nowhere; every other one is stored once.
    const stored = await s.db.pool.query<{ n: string; blocked: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE transaction_id = $1) AS blocked FROM purchase_transactions`,
      [blockedId],
    );
    expect(stored.rows[0]).toEqual({ n: String(manifest.topics['cdp.purchases.v1']!.validFirst - 1), blocked: '0' });

    // The Redis aggregates (streamed rows) agree with the facts (the batch recompute).
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(390);
  }, 180_000);
});

describePubSub('updater on Pub/Sub: rows the database refuses (poison messages)', () => {
  let s: PubSubScenario;
  beforeAll(async () => {
    s = await createPubSubScenario();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('dead-letters the refused purchase with the database reason and applies the rest', async () => {
    const gen = generateEvents({ customers: 150, eventsPerCustomer: 5, duplicateRate: 0, invalidRate: 0, seed: 15 });
    const messages = [...gen].flat();
    const manifest = gen.manifest;
    const poison = singleBy(messages, 'purchase', 'transaction_id');
    const blockedId = dataOf(poison)!.transaction_id as string;
    await blockPurchase(s.db.pool, blockedId);
    await publishWire(s, messages);

    const summary = await pubsubUpdaterInProcess(s, { maxUnitMessages: 200 });
    expect(summary.reason).toBe('idle');
    expect(summary.counters.totals()).toMatchObject({
      applied: manifest.totals.validFirst - 1,
      duplicate: 0,
      deadLettered: 1,
    });

    const dead = await readSubscription(s.pubsub, s.deadLetterReader, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data.toString()).toBe(poison.value);
    expect(dead[0]!.attributes[DEAD_LETTER_ATTRIBUTES.code]).toBe('database_rejected');
    expect(dead[0]!.attributes[DEAD_LETTER_ATTRIBUTES.reason]).toBe(
      `the database rejected it: SQLSTATE P0001 (raise_exception): transaction ${blockedId} is on the blocklist`,
    );
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(140);
  }, 180_000);
});
