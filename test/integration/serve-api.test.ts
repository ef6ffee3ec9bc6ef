import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@cdp360/config';
import { refreshProductPopularity, runBatch } from '@cdp360/postgres';
import { type ApiKeyEntry, buildServer, createApiKey } from '@cdp360/serve';
import type { FastifyInstance } from 'fastify';
import { withDatabase } from '../helpers/database';
import {
  makeCampaign,
  makeCustomer,
  makeInteraction,
  makeProduct,
  makePurchase,
  makeResponse,
  makeSession,
} from '../helpers/facts';

// The API over a real Postgres: rows from the batch recompute of a few scripted customers.
const db = withDatabase();
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

const pii = createApiKey('crm', ['profiles:read', 'profiles:read-pii']);
const plain = createApiKey('bi', ['profiles:read']);
const noScope = { key: 'cdp_no_scope_key', entry: { name: 'other', sha256: '', scopes: ['profiles:read-pii'] } };
let app: FastifyInstance;
const AS_OF = '2026-11-30';

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  const p = db.pool;
  await makeCustomer(p, {
    customer_id: 1,
    email: 'Ada.Lovelace@Example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
  });
  await makeCustomer(p, { customer_id: 2, email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper' });
  await makeCustomer(p, { customer_id: 3, email: 'alan@example.com' });
  await makeProduct(p, { product_id: 10, category: 'Books', brand: 'Acme', name: 'Notebook' });
  await makeProduct(p, { product_id: 11, category: 'Books', brand: 'Acme', name: 'Pen' });
  await makeProduct(p, { product_id: 12, category: 'Books', brand: 'Other', name: 'Atlas' });
  await makeProduct(p, { product_id: 13, category: 'Toys', brand: 'Zeta', name: 'Kite' });
  await makeCampaign(p, { campaign_id: 5, campaign_name: 'Autumn' });
  // Customer 1: session, purchase of 10, service, campaign response, then another purchase.
  await makeSession(p, {
    customer_id: 1,
    session_id: 's-1',
    visit_date: '2026-10-01',
    pages_viewed: 4,
    time_spent: 120,
  });
  await makePurchase(p, {
    customer_id: 1,
    transaction_id: 't-1',
    purchase_date: '2026-10-01',
    total_amount: '25.50',
    items: [{ product_id: 10, quantity: 1, amount: '25.50' }],
  });
  await makeInteraction(p, { customer_id: 1, interaction_id: 'c-1', interaction_date: '2026-10-05' });
  await makeResponse(p, { customer_id: 1, response_id: 'r-1', campaign_id: 5, response_date: '2026-10-07' });
  await makePurchase(p, {
    customer_id: 1,
    transaction_id: 't-2',
    purchase_date: '2026-11-02',
    total_amount: '0.10',
    items: [{ product_id: 10, quantity: 1, amount: '0.10' }],
  });
  // Others buy 11 (twice: customers 2 and 3), 12 (once) and 13 (once): popularity 11 > 12.
  await makePurchase(p, { customer_id: 2, transaction_id: 't-3', items: [{ product_id: 11 }, { product_id: 12 }] });
  await makePurchase(p, { customer_id: 3, transaction_id: 't-4', items: [{ product_id: 11 }, { product_id: 13 }] });
  await runBatch(p, { asOf: AS_OF });
  await refreshProductPopularity(p);
  const keys: ApiKeyEntry[] = [pii.entry, plain.entry, { ...noScope.entry, sha256: sha(noScope.key) } as ApiKeyEntry];
  app = await buildServer({
    db: p,
    keys,
    logger: createLogger({ level: 'debug', destination: logSink }),
    rateLimitPerSecond: 1000,
  });
});

afterAll(async () => {
  await app?.close();
});

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read whatever the body holds
  json(): any;
}

/** One request over a real socket (fastify listens on a free loopback port). */
async function call(
  server: FastifyInstance,
  req: { url: string; method?: string; headers?: Record<string, string>; payload?: unknown },
): Promise<Answer> {
  if (!server.server.listening) await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as AddressInfo;
  const headers = { ...req.headers };
  let body: string | undefined;
  if (req.payload !== undefined) {
    body = typeof req.payload === 'string' ? req.payload : JSON.stringify(req.payload);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`http://127.0.0.1:${port}${req.url}`, { method: req.method ?? 'GET', headers, body });
  const text = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers),
    body: text,
    json: () => JSON.parse(text),
  };
}

function sha(key: string): string {
  return require('node:crypto').createHash('sha256').update(key).digest('hex');
}

describe('GET /v1/profiles/{id}', () => {
  it('returns the row with money as decimal strings, dates as YYYY-MM-DD, nulls kept, and an ETag', async () => {
    const res = await call(app, { url: '/v1/profiles/1', headers: auth(pii.key) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const stored = (await db.pool.query('SELECT * FROM customer_360 WHERE customer_id = 1')).rows[0];
    expect(body).toEqual(stored);
    expect(body.total_lifetime_value).toBe('25.60');
    expect(body.last_purchase_date).toBe('2026-11-02');
    expect(body.email).toBe('Ada.Lovelace@Example.com');
    expect(Object.keys(body)).toHaveLength(29);
    expect(res.headers.etag).toMatch(/^"/);

    const again = await call(app, {
      url: '/v1/profiles/1',
      headers: { ...auth(pii.key), 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('leaves out names, email, phone and birth date without profiles:read-pii (and the ETag differs)', async () => {
    const full = await call(app, { url: '/v1/profiles/1', headers: auth(pii.key) });
    const res = await call(app, { url: '/v1/profiles/1', headers: auth(plain.key) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    for (const c of ['first_name', 'last_name', 'email', 'phone_number', 'date_of_birth'])
      expect(body).not.toHaveProperty(c);
    expect(Object.keys(body)).toHaveLength(24);
    expect(res.headers.etag).not.toBe(full.headers.etag);
  });

  it('sends doubles and money exactly as the row read through pg gives them (the JSON is built by Postgres)', async () => {
    const original = (await db.pool.query('SELECT * FROM customer_360 WHERE customer_id = 3')).rows[0];
    const awkward = [
      [1 / 3, 2 / 3, 0.1 + 0.2, '0.01'],
      [1e-7, 123456789.123456, 5e-324, '999999999999.99'],
      [1.7976931348623157e308, 4.35, 100, '0.00'],
    ] as const;
    try {
      for (const [sat, pages, time, ltv] of awkward) {
        await db.pool.query(
          `UPDATE customer_360 SET avg_satisfaction_score = $1, avg_pages_per_session = $2,
             avg_time_per_session = $3, total_lifetime_value = $4 WHERE customer_id = 3`,
          [sat, pages, time, ltv],
        );
        const stored = (await db.pool.query('SELECT * FROM customer_360 WHERE customer_id = 3')).rows[0];
        const one = await call(app, { url: '/v1/profiles/3', headers: auth(pii.key) });
        expect(one.json()).toEqual(stored);
        expect(one.json().avg_pages_per_session).toBe(pages);
        const batch = await call(app, {
          method: 'POST',
          url: '/v1/profiles:batchGet',
          headers: auth(pii.key),
          payload: { ids: [3] },
        });
        expect(batch.json().profiles).toEqual([stored]);
      }
    } finally {
      const cols = ['avg_satisfaction_score', 'avg_pages_per_session', 'avg_time_per_session', 'total_lifetime_value'];
      await db.pool.query(
        `UPDATE customer_360 SET ${cols.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE customer_id = 3`,
        cols.map((c) => original[c]),
      );
    }
  });

  it('changes the ETag when a scoring-like update changes the row without a new version', async () => {
    const before = await call(app, { url: '/v1/profiles/2', headers: auth(plain.key) });
    await db.pool.query('UPDATE customer_360 SET customer_lifetime_value_score = 5 WHERE customer_id = 2');
    const after = await call(app, {
      url: '/v1/profiles/2',
      headers: { ...auth(plain.key), 'if-none-match': String(before.headers.etag) },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json().customer_lifetime_value_score).toBe(5);
  });

  it.each([
    ['abc', 'path.customer_id'],
    ['0', 'path.customer_id'],
    ['2147483648', 'path.customer_id'],
    ['-1', 'path.customer_id'],
  ])('refuses the id %p with 400 problem+json naming the field', async (id, field) => {
    const res = await call(app, { url: `/v1/profiles/${id}`, headers: auth(plain.key) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, field });
    expect(res.body).not.toMatch(/at .*\.ts|stack/i);
  });

  it('answers 404 problem+json for an unknown customer and an unknown route', async () => {
    const res = await call(app, { url: '/v1/profiles/999', headers: auth(plain.key) });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await call(app, { url: '/v1/nothing', headers: auth(plain.key) })).statusCode).toBe(404);
  });
});

describe('auth', () => {
  it('401 without a key or with an unknown one, 403 without the scope, all problem+json', async () => {
    const none = await call(app, { url: '/v1/profiles/1' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    const unknown = await call(app, { url: '/v1/profiles/1', headers: auth('cdp_nope') });
    expect(unknown.statusCode).toBe(401);
    const basic = await call(app, { url: '/v1/profiles/1', headers: { authorization: 'Basic eDp5' } });
    expect(basic.statusCode).toBe(401);
    const forbidden = await call(app, { url: '/v1/profiles/1', headers: auth(noScope.key) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ status: 403, type: 'urn:cdp360:problem:forbidden' });
  });

  it('rate-limits per key with 429 problem+json', async () => {
    const limited = await buildServer({
      db: db.pool,
      keys: [plain.entry, pii.entry],
      logger: createLogger({ level: 'silent' }),
      rateLimitPerSecond: 3,
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await call(limited, { url: '/v1/profiles/1', headers: auth(plain.key) })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      // Another key has its own budget.
      expect((await call(limited, { url: '/v1/profiles/1', headers: auth(pii.key) })).statusCode).toBe(200);
      const res = await call(limited, { url: '/v1/profiles/1', headers: auth(plain.key) });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await limited.close();
    }
  });
});

describe('lookups', () => {
  it('finds profiles by email ignoring case, through the lower(email) index', async () => {
    const res = await call(app, { url: '/v1/profiles?email=ada.lovelace%40example.COM', headers: auth(plain.key) });
    expect(res.statusCode).toBe(200);
    expect(res.json().profiles.map((p: { customer_id: number }) => p.customer_id)).toEqual([1]);
    expect(res.json().profiles[0]).not.toHaveProperty('email');
    // On three rows the planner would scan; with scans off it must still find an index for lower(email).
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(
        "EXPLAIN (FORMAT JSON) SELECT * FROM customer_360 WHERE lower(email) = lower('x@y')",
      );
      expect(JSON.stringify(plan.rows[0])).toContain('customer_360_email_lower_idx');
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
    expect((await call(app, { url: '/v1/profiles?email=x', headers: auth(plain.key) })).json().field).toBe(
      'query.email',
    );
    expect((await call(app, { url: '/v1/profiles', headers: auth(plain.key) })).json().field).toBe('query.email');
  });

  it('batchGet returns the rows found and the ids missing; refuses over 100 ids naming body.ids', async () => {
    const res = await call(app, {
      method: 'POST',
      url: '/v1/profiles:batchGet',
      headers: auth(plain.key),
      payload: { ids: [3, 1, 404, 1] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().profiles.map((p: { customer_id: number }) => p.customer_id)).toEqual([1, 3]);
    expect(res.json().missing).toEqual([404]);
    const big = await call(app, {
      method: 'POST',
      url: '/v1/profiles:batchGet',
      headers: auth(plain.key),
      payload: { ids: Array.from({ length: 101 }, (_, i) => i + 1) },
    });
    expect(big.statusCode).toBe(400);
    expect(big.json().field).toBe('body.ids');
    const bad = await call(app, {
      method: 'POST',
      url: '/v1/profiles:batchGet',
      headers: auth(plain.key),
      payload: { ids: [1, 'x'] },
    });
    expect(bad.json().field).toBe('body.ids.1');
    const notJson = await call(app, {
      method: 'POST',
      url: '/v1/profiles:batchGet',
      headers: { ...auth(plain.key), 'content-type': 'application/json' },
      payload: '{"ids": [1,',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('touchpoints, journey, recommendations, stats', () => {
  it('pages the events newest first with an opaque cursor; a bad cursor is a 400 naming query.before', async () => {
    const first = await call(app, { url: '/v1/profiles/1/events?limit=2', headers: auth(plain.key) });
    expect(first.statusCode).toBe(200);
    const p1 = first.json();
    expect(p1.events.map((e: { id: string }) => e.id)).toEqual(['t-2', 'r-1']);
    expect(p1.events[0]).toMatchObject({ kind: 'purchase', date: '2026-11-02', amount: '0.10' });
    expect(p1.events[0].items[0]).toMatchObject({ product_id: 10, category: 'Books', brand: 'Acme', amount: '0.10' });
    const p2 = (
      await call(app, { url: `/v1/profiles/1/events?limit=2&before=${p1.next_cursor}`, headers: auth(plain.key) })
    ).json();
    expect(p2.events.map((e: { id: string }) => e.id)).toEqual(['c-1', 't-1']);
    const p3 = (
      await call(app, { url: `/v1/profiles/1/events?limit=2&before=${p2.next_cursor}`, headers: auth(plain.key) })
    ).json();
    expect(p3).toEqual({ events: [expect.objectContaining({ id: 's-1', kind: 'session' })], next_cursor: null });
    const bad = await call(app, { url: '/v1/profiles/1/events?before=zzz', headers: auth(plain.key) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('query.before');
    expect((await call(app, { url: '/v1/profiles/1/events?limit=0', headers: auth(plain.key) })).json().field).toBe(
      'query.limit',
    );
  });

  it('gives the journey in time order as JSON and as Mermaid text', async () => {
    const j = (await call(app, { url: '/v1/profiles/1/journey', headers: auth(plain.key) })).json();
    expect(j.stages.map((s: { kind: string }) => s.kind)).toEqual([
      'session',
      'purchase',
      'service',
      'campaign_response',
      'purchase',
    ]);
    expect(j.stages[1]).toMatchObject({ first_date: '2026-10-01', amount: '25.50' });
    const m = await call(app, { url: '/v1/profiles/1/journey?format=mermaid', headers: auth(plain.key) });
    expect(m.headers['content-type']).toMatch(/^text\/vnd\.mermaid/);
    expect(m.body.split('\n')[0]).toBe('flowchart LR');
    expect(m.body).toContain('s1["Purchase<br/>2026-10-01<br/>25.50"]:::purchase');
    expect(m.body).toContain('s3 --> s4');
    expect((await call(app, { url: '/v1/profiles/1/journey?format=svg', headers: auth(plain.key) })).json().field).toBe(
      'query.format',
    );
  });

  it('recommends unbought products of the favourite category and brand, most buyers first', async () => {
    const res = await call(app, { url: '/v1/profiles/1/recommendations', headers: auth(plain.key) });
    expect(res.statusCode).toBe(200);
    // Favourites of customer 1: Books / Acme. 10 is bought already; 11 matches both; 12 only the category.
    expect(res.json().recommendations).toEqual([
      { product_id: 11, name: 'Pen', category: 'Books', brand: 'Acme', buyers: 2, matches: 'category_and_brand' },
      { product_id: 12, name: 'Atlas', category: 'Books', brand: 'Other', buyers: 1, matches: 'category' },
    ]);
    const one = await call(app, { url: '/v1/profiles/1/recommendations?limit=1', headers: auth(plain.key) });
    expect(one.json().recommendations).toHaveLength(1);
    expect((await call(app, { url: '/v1/profiles/999/recommendations', headers: auth(plain.key) })).statusCode).toBe(
      404,
    );
  });

  it('counts by segment, churn risk and CLV quintile as the table does', async () => {
    const s = (await call(app, { url: '/v1/stats', headers: auth(plain.key) })).json();
    expect(s.customers).toBe(3);
    const seg = await db.pool.query(
      'SELECT customer_segment AS key, count(*)::int AS count FROM customer_360 GROUP BY 1 ORDER BY 1',
    );
    expect(s.segments).toEqual(seg.rows);
    expect(s.ltv_histogram.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(3);
    expect(s.engagement_by_recency.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(3);
  });
});

describe('OpenAPI and logs', () => {
  it('serves an OpenAPI 3 document of every route from the zod schemas', async () => {
    const doc = (await call(app, { url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/pipeline',
      '/v1/profiles',
      '/v1/profiles/{customer_id}',
      '/v1/profiles/{customer_id}/events',
      '/v1/profiles/{customer_id}/journey',
      '/v1/profiles/{customer_id}/recommendations',
      '/v1/profiles:batchGet',
      '/v1/stats',
    ]);
    expect(
      doc.paths['/v1/profiles:batchGet'].post.requestBody.content['application/json'].schema.properties.ids.maxItems,
    ).toBe(100);
  });

  it('never logs emails, names or keys', () => {
    const text = logLines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ['ada.lovelace', 'Ada.Lovelace', 'Lovelace', 'grace@', pii.key, plain.key])
      expect(text).not.toContain(secret);
  });
});

describe('over a real socket', () => {
  it('answers on a listening port with keys from a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cdp-serve-'));
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify([plain.entry]));
    const { startServe } = await import('@cdp360/serve');
    const { loadConfig } = await import('@cdp360/config');
    const serve = await startServe({
      config: loadConfig({
        DATABASE_URL: db.url,
        CDP_HTTP_PORT: '0',
        CDP_METRICS_PORT: '0',
        CDP_API_KEYS_FILE: path.join(dir, 'keys.json'),
      }),
      logger: createLogger({ level: 'silent' }),
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`${serve.url}/v1/profiles/3`, { headers: auth(plain.key) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { customer_id: number }).customer_id).toBe(3);
      const denied = await fetch(`${serve.url}/v1/profiles/3`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // Request durations by route pattern (never the URL) on the metrics port, and the probes.
      const metrics = await (await fetch(`http://127.0.0.1:${serve.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(
        /cdp_http_request_duration_seconds_count\{service="serve",method="GET",route="\/v1\/profiles\/:customer_id",status="200"\} 1/,
      );
      expect(metrics).toContain('status="401"');
      expect((await fetch(`http://127.0.0.1:${serve.metricsPort}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${serve.metricsPort}/healthz`)).status).toBe(200);
    } finally {
      await serve.close();
    }
  });
});
