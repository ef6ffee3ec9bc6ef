import { createLogger, loadConfig } from '@cdp360/config';
import { decodeMessage, topicNames } from '@cdp360/domain';
import { cdpTopicSpecs, createKafka, ensureTopics } from '@cdp360/kafka';
import { type ApiKeyEntry, buildServer, createApiKey, type ErasureRequests, openErasureRequests } from '@cdp360/serve';
import type { FastifyInstance } from 'fastify';
import { withDatabase } from '../helpers/database';
import { consumeTopics } from '../helpers/kafka';
import { randomName, serviceUrls } from '../helpers/services';

// DELETE /v1/profiles/{id} sends the same erasure request as `cdp erase`, on the real broker; the
// updater's handling of it is what test/integration/erasure.test.ts covers.
const db = withDatabase();
const prefix = `${randomName('serve-erase')}.`;
const logger = createLogger({ level: 'silent' });
const config = loadConfig({
  ...process.env,
  KAFKA_BROKERS: serviceUrls().kafkaBrokers.join(','),
  CDP_TOPIC_PREFIX: prefix,
});
const kafka = createKafka({ ...config.kafka, clientId: 'serve-erase-test', logger });
const reader = createApiKey('bi', ['profiles:read']);
const privacy = createApiKey('privacy-desk', ['profiles:erase']);
let app: FastifyInstance;
let erasure: ErasureRequests;
let url: string;

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { topics: cdpTopicSpecs(prefix), partitions: 1 });
  } finally {
    await admin.disconnect();
  }
  erasure = openErasureRequests(config, logger, { clientId: 'serve-erase-test' });
  const keys: ApiKeyEntry[] = [reader.entry, privacy.entry];
  app = await buildServer({ db: db.pool, keys, logger, rateLimitPerSecond: 1000, erasure });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await erasure?.close();
});

const del = (path: string, key: string) =>
  fetch(`${url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });

describe('DELETE /v1/profiles/{id}', () => {
  it('needs the profiles:erase scope, and refuses a bad id or reason with problem+json naming the field', async () => {
    const forbidden = await del('/v1/profiles/42', reader.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    const badId = await del('/v1/profiles/042', privacy.key);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { detail: string }).detail).toContain('path.customer_id');
    const badReason = await del(`/v1/profiles/42?reason=${'x'.repeat(257)}`, privacy.key);
    expect(badReason.status).toBe(400);
    expect(((await badReason.json()) as { detail: string }).detail).toContain('query.reason');
  });

  it('sends one erasure request per call to the erasure-requests topic, as cdp erase does', async () => {
    const res = await del('/v1/profiles/42?reason=ticket-981', privacy.key);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { customer_id: number; request_id: string; status: string };
    expect(body).toMatchObject({ customer_id: 42, status: 'accepted' });
    expect(body.request_id).toMatch(/:42$/);

    // Only the accepted call reached the topic (the refused ones of the test above did not).
    const topic = topicNames(prefix).inputs.erasure_request;
    const got = await consumeTopics(kafka, [topic], 2, 5_000);
    expect(got).toHaveLength(1);
    expect(got[0]!.key?.toString()).toBe('42');
    const decoded = decodeMessage('erasure_request', got[0]!.key, got[0]!.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.event.meta.eventId).toBe(body.request_id);
    expect(decoded.event.data).toMatchObject({ customerId: 42, reason: 'ticket-981', requestedBy: 'privacy-desk' });
  });
});
