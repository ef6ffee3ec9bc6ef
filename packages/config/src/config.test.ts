import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseRedisClusterNodes } from './config';

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default: a single Redis at REDIS_URL', () => {
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).redisCluster).toBeUndefined();
  });

  it('takes host:port entries', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7001, redis-2.internal:7002' }).redisCluster).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: 'redis-2.internal', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
  });

  it('takes URLs for a user, a password and TLS', () => {
    expect(parseRedisClusterNodes('rediss://app:s%40cret@10.0.0.1:6379,rediss://app:s%40cret@10.0.0.2:6379')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '10.0.0.2', port: 6379 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(parseRedisClusterNodes('redis://:pw@[::1]:7001,10.0.0.2:7002')).toMatchObject({
      nodes: [
        { host: '::1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
      ],
      password: 'pw',
      tls: false,
    });
  });

  it.each([
    ['127.0.0.1'],
    ['127.0.0.1:7001,'],
    ['127.0.0.1:0'],
    ['127.0.0.1:70000'],
    ['http://127.0.0.1:7001'],
    ['redis://127.0.0.1'],
    ['redis://127.0.0.1:7001/2'],
    ['redis://:a@h1:1,redis://:b@h2:2'],
    ['redis://h1:1,rediss://h2:2'],
  ])('refuses %s naming the variable and the form', (value) => {
    try {
      loadConfig({ REDIS_CLUSTER_NODES: value });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('REDIS_CLUSTER_NODES');
      expect((err as Error).message).toMatch(/REDIS_CLUSTER_NODES=.* is not valid: expected .*host:port/);
    }
  });

  it('never shows a password in the error', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://u:hunter2@h1:1,redis://u:other@h2:2' })).toThrow(
      /^(?!.*hunter2)(?!.*other).*REDIS_CLUSTER_NODES="redis:\/\/\*\*\*@h1:1,redis:\/\/\*\*\*@h2:2"/,
    );
  });
});

function refused(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const dir = mkdtempSync(join(tmpdir(), 'cdp-config-test-'));
const pemFile = join(dir, 'ca.pem');
writeFileSync(pemFile, PEM);
const keyFile = join(dir, 'client.key');
writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n-----END PRIVATE KEY-----\n');

describe('Kafka settings', () => {
  it('defaults: plaintext, no SASL, no compression, a bounded publish, no topic creation', () => {
    const { kafka } = loadConfig({});
    expect(kafka).toMatchObject({
      ssl: false,
      sasl: undefined,
      compression: 'none',
      codecs: undefined,
      publishTimeoutMs: 15_000,
      createTopics: false,
    });
  });

  it('KAFKA_COMPRESSION takes the five codecs and names itself otherwise', () => {
    for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      expect(loadConfig({ KAFKA_COMPRESSION: c }).kafka.compression).toBe(c);
    }
    const err = refused({ KAFKA_COMPRESSION: 'brotli' });
    expect(err.variable).toBe('KAFKA_COMPRESSION');
    expect(err.message).toMatch(/KAFKA_COMPRESSION="brotli" is not valid: expected none, gzip, snappy, lz4 or zstd/);
  });

  it('KAFKA_CODECS, KAFKA_PUBLISH_TIMEOUT_MS and CDP_CREATE_TOPICS are checked', () => {
    expect(loadConfig({ KAFKA_CODECS: 'snappy, zstd' }).kafka.codecs).toEqual(['snappy', 'zstd']);
    expect(refused({ KAFKA_CODECS: 'lz4,gzip' }).variable).toBe('KAFKA_CODECS');
    expect(loadConfig({ KAFKA_PUBLISH_TIMEOUT_MS: '3000' }).kafka.publishTimeoutMs).toBe(3000);
    expect(refused({ KAFKA_PUBLISH_TIMEOUT_MS: '10' }).variable).toBe('KAFKA_PUBLISH_TIMEOUT_MS');
    expect(loadConfig({ CDP_CREATE_TOPICS: 'true' }).kafka.createTopics).toBe(true);
    expect(refused({ CDP_CREATE_TOPICS: 'yes' }).variable).toBe('CDP_CREATE_TOPICS');
  });

  it('TLS reads the PEM files and names an unreadable one with its variable', () => {
    const { kafka } = loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: pemFile });
    expect(kafka.ssl).toEqual({ ca: PEM });
    expect(loadConfig({ KAFKA_SSL: 'true' }).kafka.ssl).toEqual({});
    const missing = refused({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'absent.pem') });
    expect(missing.variable).toBe('KAFKA_SSL_CA_FILE');
    expect(missing.message).toMatch(/KAFKA_SSL_CA_FILE=".*absent.pem" cannot be read \(ENOENT\)/);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(refused({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem }).message).toMatch(/is not a PEM file/);
    expect(refused({ KAFKA_SSL_CA_FILE: pemFile }).message).toMatch(/KAFKA_SSL is not true/);
    expect(refused({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pemFile }).variable).toBe('KAFKA_SSL_KEY_FILE');
    expect(refused({ KAFKA_SSL: 'yes' }).variable).toBe('KAFKA_SSL');
  });

  it('the client key is read but never serialized', () => {
    const { kafka } = loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: pemFile, KAFKA_SSL_KEY_FILE: keyFile });
    expect(kafka.ssl ? kafka.ssl.key : undefined).toContain('secret-key-bytes');
    expect(JSON.stringify(kafka)).not.toContain('secret-key-bytes');
  });

  it('SASL needs a mechanism, a user and a password; the password is never serialized', () => {
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p4ss-w0rd' };
    const { kafka } = loadConfig(env);
    expect(kafka.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'u' });
    expect(kafka.sasl?.password).toBe('p4ss-w0rd');
    expect(JSON.stringify(loadConfig(env))).not.toContain('p4ss-w0rd');
    expect({ ...kafka.sasl }).not.toHaveProperty('password');
    expect(refused({ ...env, KAFKA_SASL_PASSWORD: '' }).variable).toBe('KAFKA_SASL_PASSWORD');
    expect(refused({ ...env, KAFKA_SASL_USERNAME: undefined }).variable).toBe('KAFKA_SASL_USERNAME');
    expect(refused({ KAFKA_SASL_USERNAME: 'u' }).variable).toBe('KAFKA_SASL_MECHANISM');
    const bad = refused({ ...env, KAFKA_SASL_MECHANISM: 'gssapi' });
    expect(bad.message).toMatch(/expected plain, scram-sha-256 or scram-sha-512/);
    for (const m of ['plain', 'scram-sha-256']) {
      expect(loadConfig({ ...env, KAFKA_SASL_MECHANISM: m }).kafka.sasl?.mechanism).toBe(m);
    }
  });
});

describe('loadConfig: start-up and TLS settings', () => {
  it('waits 10 s for each service by default, CDP_STARTUP_TIMEOUT_MS otherwise', () => {
    expect(loadConfig({}).startupTimeoutMs).toBe(10_000);
    expect(loadConfig({ CDP_STARTUP_TIMEOUT_MS: '0' }).startupTimeoutMs).toBe(0);
    expect(loadConfig({ CDP_STARTUP_TIMEOUT_MS: '2500' }).startupTimeoutMs).toBe(2500);
    for (const bad of ['-1', '1.5', '10s', '600001']) {
      expect(refused({ CDP_STARTUP_TIMEOUT_MS: bad }).variable).toBe('CDP_STARTUP_TIMEOUT_MS');
    }
  });

  it('leaves plaintext URLs and no TLS files as they are', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(config.redisTls).toEqual({});
  });

  it('stops on TLS settings that cannot work, naming the variable', () => {
    expect(refused({ REDIS_TLS_CA_FILE: '/ca.pem' }).variable).toBe('REDIS_TLS_CA_FILE');
    expect(refused({ DATABASE_URL: 'postgres://db/x?sslmode=verify-ca' }).variable).toBe('DATABASE_SSL_CA_FILE');
    expect(refused({ DATABASE_URL: 'postgres://db/x?sslmode=bogus' }).message).toMatch(/^DATABASE_URL has sslmode=/);
  });
});
