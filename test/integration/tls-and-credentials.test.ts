import { spawnCdp } from '../helpers/cdp-process';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/postgres-server';
import { type PrivateRedis, startPrivateRedis } from '../helpers/redis-server';
import { serviceUrls } from '../helpers/services';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs';

// Real TLS and real password checks, on servers of our own (the shared Postgres trusts local
// connections and has no TLS; the shared Redis has no password): a CA and server certificate made
// with openssl now, a private Postgres that accepts only TLS and SCRAM passwords, a private Redis
// with requirepass and a TLS port that wants a client certificate.

let certs: TestCertificates;
let pg: PrivatePostgres;
let redis: PrivateRedis;
let db: TestDatabase;
const REDIS_PASSWORD = 'redis-secret-not-for-logs';

// Started on first use, not in beforeAll: the tests run concurrently (each mostly waits on a child
// process), and concurrent tests start before beforeAll hooks have finished (jestjs/jest#7997).
let starting: Promise<void> | undefined;
const servers = () =>
  (starting ??= (async () => {
    certs = makeTestCertificates();
    [pg, redis, db] = await Promise.all([
      startPrivatePostgres({ tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } }),
      startPrivateRedis({
        password: REDIS_PASSWORD,
        tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile },
      }),
      createTestDatabase(),
    ]);
  })());

afterAll(async () => {
  await Promise.allSettled([pg?.stop(), redis?.kill(), db?.drop()]);
  certs?.remove();
});

async function cdp(
  args: readonly string[],
  extra: () => NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  await servers();
  const urls = serviceUrls();
  const p = spawnCdp(args, {
    ...process.env,
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    KAFKA_BROKERS: urls.kafkaBrokers.join(','),
    LOG_LEVEL: 'warn',
    CDP_STARTUP_TIMEOUT_MS: '2000',
    ...extra(),
  });
  const { code } = await p.exited;
  return { code, out: p.output() };
}

const noStack = (out: string) => expect(out).not.toMatch(/^\s+at /m);

describe('Postgres: TLS with a CA file, and credentials the server refuses', () => {
  it.concurrent('cdp migrate works through TLS with DATABASE_SSL_CA_FILE (the server refuses plaintext)', async () => {
    const { code, out } = await cdp(['migrate'], () => ({
      DATABASE_URL: pg.url({ host: 'localhost' }),
      DATABASE_SSL_CA_FILE: certs.caFile,
    }));
    expect({ code, out }).toEqual({
      code: 0,
      out: expect.stringMatching(/database (now|is current) at version \d+\n$/),
    });
    noStack(out);
  });

  it.concurrent('sslmode=verify-full without the CA: one line naming DATABASE_SSL_CA_FILE, exit 2', async () => {
    const { code, out } = await cdp(['migrate'], () => ({
      DATABASE_URL: `${pg.url({ host: 'localhost' })}?sslmode=verify-full`,
    }));
    expect(out).toBe(
      `cdp: configuration error: Postgres at postgres://localhost:${pg.port}/postgres?sslmode=verify-full presented a certificate we do not trust (TLS: unable to verify the first certificate); set DATABASE_SSL_CA_FILE to the CA that signed it, and connect by a host name the certificate names\n`,
    );
    expect(code).toBe(2);
  });

  it.concurrent('a CA that did not sign the server certificate is refused the same way', async () => {
    const { code, out } = await cdp(['migrate'], () => ({
      DATABASE_URL: pg.url({ host: 'localhost' }),
      DATABASE_SSL_CA_FILE: certs.otherCaFile,
    }));
    expect(out).toMatch(
      /^cdp: configuration error: Postgres at postgres:\/\/localhost:\d+\/postgres\?sslmode=verify-full presented a certificate we do not trust \(TLS: [^)]+\); point DATABASE_SSL_CA_FILE at the CA that signed it, and connect by a host name the certificate names\n$/,
    );
    expect(code).toBe(2);
  });

  it.concurrent('a wrong password: one line naming DATABASE_URL, exit 2, the password never shown', async () => {
    const { code, out } = await cdp(['migrate'], () => ({
      DATABASE_URL: `${pg.url({ password: 'wrong-password-123' })}?sslmode=require`,
    }));
    expect(out).toBe(
      `cdp: configuration error: Postgres at postgres://127.0.0.1:${pg.port}/postgres?sslmode=require refused the login (password authentication failed for user "postgres"); fix the user name or password in DATABASE_URL\n`,
    );
    expect(code).toBe(2);
    expect(out).not.toContain(pg.password);
  });

  it.concurrent('plaintext to a server that accepts only TLS: one line pointing at sslmode and pg_hba.conf, exit 2', async () => {
    const { code, out } = await cdp(['batch'], () => ({ DATABASE_URL: pg.url() }));
    expect(out).toBe(
      `cdp: configuration error: Postgres at postgres://127.0.0.1:${pg.port}/postgres refused the login (pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption); check the user name and sslmode in DATABASE_URL against the server's pg_hba.conf\n`,
    );
    expect(code).toBe(2);
  });

  it.concurrent('TLS asked of a server without it: one line, exit 2', async () => {
    const { code, out } = await cdp(['summary'], () => ({
      DATABASE_URL: `${serviceUrls().databaseUrl}?sslmode=require`,
    }));
    expect(out).toMatch(
      /^cdp: configuration error: Postgres at postgres:\/\/[^ ]+\?sslmode=require does not accept TLS connections; turn on ssl on the server, or drop DATABASE_URL's sslmode\n$/,
    );
    expect(code).toBe(2);
  });

  it.concurrent('an unreadable CA file is a configuration error naming the variable, before any connection', async () => {
    const { code, out } = await cdp(['migrate'], () => ({
      DATABASE_URL: pg.url({ host: 'localhost' }),
      DATABASE_SSL_CA_FILE: `${certs.dir}/no-such-ca.crt`,
    }));
    expect(out).toBe(
      `cdp: configuration error: DATABASE_SSL_CA_FILE="${certs.dir}/no-such-ca.crt" cannot be read (ENOENT): expected the path of a readable PEM file with the certificate\n`,
    );
    expect(code).toBe(2);
  });
});

describe('Redis: rediss:// with a CA and a client certificate, and a password the server refuses', () => {
  const tls = () => ({
    REDIS_URL: redis.tlsUrl!,
    REDIS_TLS_CA_FILE: certs.caFile,
    REDIS_TLS_CERT_FILE: certs.clientCertFile,
    REDIS_TLS_KEY_FILE: certs.clientKeyFile,
  });

  it.concurrent('cdp rebuild works through TLS with the CA and client certificate', async () => {
    const { code, out } = await cdp(['rebuild', '--redis-namespace', 'tls-test:'], () => ({
      DATABASE_URL: db.url,
      ...tls(),
    }));
    expect({ code, out }).toEqual({
      code: 0,
      out: expect.stringMatching(/^rebuilt 0 customers' aggregates \(epoch \d+\)/),
    });
    const plain = redis.client();
    try {
      expect(await plain.exists('tls-test:{meta}:epoch')).toBe(1); // it really wrote there
    } finally {
      plain.disconnect();
    }
  });

  it.concurrent('without the CA: one line naming REDIS_TLS_CA_FILE, exit 2', async () => {
    const { code, out } = await cdp(['rebuild'], () => ({ DATABASE_URL: db.url, ...tls(), REDIS_TLS_CA_FILE: '' }));
    expect(out).toBe(
      `cdp: configuration error: Redis at rediss://localhost:${redis.tlsPort} presented a certificate we do not trust (TLS: self-signed certificate in certificate chain); set REDIS_TLS_CA_FILE to the CA that signed it, and connect by a host name the certificate names\n`,
    );
    expect(code).toBe(2);
  });

  it.concurrent('a wrong password: one line naming REDIS_URL, exit 2, the password never shown', async () => {
    const { code, out } = await cdp(['load', '--from', 'no-such-dir'], () => ({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url.replace(encodeURIComponent(REDIS_PASSWORD), 'wrong-password-456'),
    }));
    expect(out).toBe(
      `cdp: configuration error: Redis at redis://127.0.0.1:${redis.port} refused the login (WRONGPASS invalid username-password pair or user is disabled.); set the user name and password in REDIS_URL (redis://user:password@host:port)\n`,
    );
    expect(code).toBe(2);
    expect(out).not.toContain('wrong-password-456');
  });

  it.concurrent('no password where one is required: one line, exit 2, no ioredis noise', async () => {
    const { code, out } = await cdp(['updater', '--until-idle'], () => ({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    }));
    expect(out).toBe(
      `cdp: configuration error: Redis at redis://127.0.0.1:${redis.port} asks for a password and REDIS_URL has none; set the user name and password in REDIS_URL (redis://user:password@host:port)\n`,
    );
    expect(code).toBe(2);
    noStack(out);
  });
});
