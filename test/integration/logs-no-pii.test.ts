// Every process of the product at LOG_LEVEL=trace over generated customers, with a Postgres password,
// a Redis password, Kafka SASL credentials and an API key configured: no name, email, phone or birth
// date of the input, and no secret, may appear in any line they write (stdout or stderr).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateEvents, type WireMessage } from '@cdp360/generator';
import { createApiKey } from '@cdp360/serve';
import { type CdpProcess, runCdp, spawnCdp } from '../helpers/cdp-process';
import { freePort, type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { saslKafkaEnv } from '../helpers/services';
import { createScenario, produceWire, type Scenario } from '../helpers/updater';

interface Needle {
  what: string;
  value: string;
  /** Names are matched as whole words (a name inside another word is not that name). */
  word?: boolean;
}

/** The forms a text can take in a log line: as is, JSON-escaped, with non-ASCII as \u escapes. */
function formsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const encoded = encodeURIComponent(value);
  return [...new Set([value, json, ascii, encoded])];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The needles found in `text`, each with the line it is on. */
function leaks(text: string, needles: readonly Needle[]): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  for (const n of needles) {
    const patterns = formsOf(n.value).map((f) =>
      n.word ? new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(f)}(?![\\p{L}\\p{N}])`, 'u') : null,
    );
    const forms = formsOf(n.value);
    for (const line of lines) {
      const hit = n.word ? patterns.some((p) => p!.test(line)) : forms.some((f) => line.includes(f));
      if (hit) {
        found.push(`${n.what} ${JSON.stringify(n.value)} in: ${line.slice(0, 300)}`);
        break;
      }
    }
  }
  return found;
}

/** The personal data of the generated customer records. */
function personalData(messages: readonly WireMessage[]): Needle[] {
  const out = new Map<string, Needle>();
  for (const m of messages) {
    if (m.kind !== 'customer' || typeof m.value !== 'string') continue;
    let data: Record<string, unknown>;
    try {
      data = (JSON.parse(m.value) as { data: Record<string, unknown> }).data;
    } catch {
      continue;
    }
    if (!data || typeof data !== 'object') continue;
    const add = (what: string, v: unknown, word = false) => {
      if (typeof v === 'string' && v.length >= 3) out.set(`${what}:${v}`, { what, value: v, word });
    };
    add('first name', data.first_name, true);
    add('last name', data.last_name, true);
    add('email', data.email);
    add('phone', data.phone_number);
    // A phone also as its digits alone (as a normalizer would write it), and an email in lower case.
    if (typeof data.phone_number === 'string') add('phone digits', data.phone_number.replace(/\D/g, ''));
    if (typeof data.email === 'string') add('email', data.email.toLowerCase());
    add('birth date', data.date_of_birth);
  }
  return [...out.values()];
}

describe('logs at trace level carry no personal data and no secrets', () => {
  let s: Scenario;
  let redis: PrivateRedis;
  const redisPassword = `redis-pw-${Math.random().toString(36).slice(2)}`;
  const pgPassword = `pg-pw-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    redis = await startPrivateRedis({ password: redisPassword });
    s = await createScenario({ partitions: 2, env: { ...saslKafkaEnv(), REDIS_URL: redis.url, LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    await s?.close();
    await redis?.kill();
  });

  it('updater, scorer, replay, rebuild and the API', async () => {
    const gen = generateEvents({
      customers: 120,
      eventsPerCustomer: 4,
      duplicateRate: 0.05,
      invalidRate: 0.03,
      seed: 21,
    });
    const messages = [...gen].flat();
    await produceWire(s, messages);
    // A record the database refuses with its personal data in the error (message and detail): the
    // updater dead-letters it and logs why, which must not repeat them.
    const refused = personalData(messages).find((n) => n.what === 'email')!.value;
    await s.db.pool.query(`
      CREATE FUNCTION refuse_customer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email = '${refused}' THEN
          RAISE EXCEPTION 'refused % %', NEW.last_name, NEW.email USING DETAIL = NEW.first_name || ' ' || NEW.phone_number;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_customer BEFORE INSERT OR UPDATE ON customer_info
        FOR EACH ROW EXECUTE FUNCTION refuse_customer();`);

    const api = createApiKey('crm', ['profiles:read', 'profiles:read-pii']);
    const dir = mkdtempSync(path.join(tmpdir(), 'cdp-logs-'));
    const keysFile = path.join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify([api.entry]));
    const port = await freePort();
    // The shared Postgres trusts local connections: the password is configured (and must stay out of
    // the logs) though the server does not ask for it.
    const pgUrl = new URL(s.env.DATABASE_URL!);
    pgUrl.password = pgPassword;
    const env = {
      ...s.env,
      DATABASE_URL: pgUrl.toString(),
      CDP_API_KEYS_FILE: keysFile,
      CDP_HTTP_PORT: String(port),
    };
    const ns = ['--redis-namespace', s.redisNamespace];

    const outputs: string[] = [];
    const run = async (args: string[]) => outputs.push(await runCdp(args, env));
    await run(['updater', '--until-idle', '--stats-interval', '1', ...ns]);
    await run(['score', '--once']);
    await run(['rebuild', ...ns]);
    await run(['replay', '--to', 'earliest']);
    await run(['updater', '--until-idle', ...ns]);

    const serve: CdpProcess = spawnCdp(['serve', '--host', '127.0.0.1'], env);
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      while (!serve.output().includes('cdp serve: dashboard') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const auth = { authorization: `Bearer ${api.key}` };
      const withPii = messages.findLast(
        (m) => m.kind === 'customer' && m.key !== null && typeof m.value === 'string' && !m.value.includes(refused),
      )!;
      const pii = await fetch(`${base}/v1/profiles/${withPii.key}`, { headers: auth });
      expect(pii.status).toBe(200);
      const body = (await pii.json()) as { email?: string };
      expect(body.email).toContain('@'); // the PII read did return personal data
      expect((await fetch(`${base}/v1/profiles/99999999`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/v1/profiles/not-a-number`, { headers: auth })).status).toBe(400);
      const search = await fetch(`${base}/v1/profiles?email=${encodeURIComponent(body.email!)}`, { headers: auth });
      expect(search.status).toBe(200);
      expect((await fetch(`${base}/v1/profiles/1`, { headers: { authorization: 'Bearer cdp_wrong' } })).status).toBe(
        401,
      );
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    outputs.push(serve.output());

    const all = outputs.join('\n');
    expect(all).toContain('the database refused some messages');

    // The matcher finds the forms a value takes in a JSON line, and names only as whole words.
    const probe = (line: string, n: Needle) => leaks(line, [n]).length;
    expect(probe('{"msg":"Chlo\\u00e9 x"}', { what: 'n', value: 'Chloé', word: true })).toBe(1);
    expect(probe('{"msg":"Chloé"}', { what: 'n', value: 'Chloé', word: true })).toBe(1);
    expect(probe('{"msg":"Kimberly"}', { what: 'n', value: 'Kim', word: true })).toBe(0);
    expect(probe('{"url":"/v1?email=a.b%2B1%40x.io"}', { what: 'e', value: 'a.b+1@x.io' })).toBe(1);
    expect(probe('{"msg":"say \\"hi\\""}', { what: 'p', value: 'say "hi"' })).toBe(1);
    // The processes did log below info (kafkajs's debug entries, per-unit lines; nothing of ours logs
    // at trace, which is the most there is), so silence cannot pass this test.
    expect(all).toContain('"level":20');
    expect(all).toContain('"name":"cdp-serve"');
    expect(all.split('\n').length).toBeGreaterThan(200);

    const secrets: Needle[] = [
      { what: 'Postgres password', value: pgPassword },
      { what: 'Redis password', value: redisPassword },
      { what: 'Kafka SASL password', value: saslKafkaEnv().KAFKA_SASL_PASSWORD! },
      { what: 'API key', value: api.key },
    ];
    for (const n of secrets) expect(n.value.length).toBeGreaterThanOrEqual(6);
    const needles = [...personalData(messages), ...secrets];
    expect(needles.filter((n) => n.what === 'email').length).toBeGreaterThan(100);
    expect(leaks(all, needles)).toEqual([]);
  }, 240_000);
});
