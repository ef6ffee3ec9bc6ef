import { topicNames } from '@cdp360/domain';
import { runCdp } from '../helpers/cdp-process';
import {
  createPubSubScenario,
  describePubSub,
  type PubSubScenario,
  publishGenerated,
  publishWire,
  pubsubUpdaterInProcess,
  readSubscription,
} from '../helpers/pubsub';

/**
 * The erasure-requests topic on Pub/Sub: `cdp erase` publishes there, the updater erases once, a
 * re-send with the same request id is a duplicate, later events of the customer are suppressed, and a
 * malformed request is dead-lettered.
 */
describePubSub('erasure on Pub/Sub', () => {
  let s: PubSubScenario;
  beforeAll(async () => {
    s = await createPubSubScenario();
  });
  afterAll(async () => {
    await s?.close();
  });
  const q = async (sql: string, params: unknown[] = []) => (await s.db.pool.query(sql, params)).rows;

  it('erases once, suppresses what follows, dead-letters a malformed request', async () => {
    const names = topicNames(s.prefix);
    await publishGenerated(s, { customers: 60, eventsPerCustomer: 4, duplicateRate: 0, invalidRate: 0, seed: 5 });
    expect((await pubsubUpdaterInProcess(s)).reason).toBe('idle');
    const ids = (await q('SELECT customer_id FROM customer_360 ORDER BY customer_id LIMIT 3')).map(
      (r) => r.customer_id as number,
    );
    const args = ['erase', ...ids.map(String), '--request-id', 'ps1'];
    await runCdp(args, s.env);
    await runCdp(args, s.env);
    const malformedKey = '777777';
    await publishWire(s, [
      { kind: 'erasure_request', key: malformedKey, value: '{"specversion":"1.0","data":{}}' },
      {
        kind: 'web_session',
        key: String(ids[0]),
        value: JSON.stringify({
          specversion: '1.0',
          id: 'late-ps',
          source: 'test',
          type: 'cdp.web_session.v1',
          time: '2026-06-01T12:00:00Z',
          data: {
            session_id: 'late-ps',
            customer_id: ids[0],
            visit_date: '2026-06-01',
            pages_viewed: 1,
            time_spent: 2,
          },
        }),
      },
    ]);
    const run = await pubsubUpdaterInProcess(s);
    const c = run.counters.toJSON();
    expect(c[names.inputs.erasure_request]).toEqual({ applied: 3, duplicate: 3, deadLettered: 1, suppressed: 0 });
    expect(c[names.inputs.web_session]).toMatchObject({ applied: 0, suppressed: 1 });

    expect((await q('SELECT count(*)::int AS n FROM erasure_requests'))[0].n).toBe(3);
    expect((await q('SELECT count(*)::int AS n FROM customer_360 WHERE customer_id = ANY($1)', [ids]))[0].n).toBe(0);
    expect((await q('SELECT count(*)::int AS n FROM website_behavior WHERE customer_id = ANY($1)', [ids]))[0].n).toBe(
      0,
    );
    const dead = await readSubscription(s.pubsub, s.deadLetterReader, 1, 5_000);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.orderingKey).toBe(malformedKey);
    expect(dead[0]!.attributes['cdp-dlq-code']).toBe('invalid_envelope');
  }, 180_000);
});
