import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from './config-error';
import { redisTlsFiles } from './redis-tls';

let dir: string;
const file = (name: string) => path.join(dir, name);
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cdp-redis-tls-'));
  writeFileSync(file('ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(file('client.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(file('client.key'), '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function variableRefused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return `${err.variable}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('redisTlsFiles', () => {
  it('is empty when no file is given, whatever the scheme', () => {
    expect(redisTlsFiles('redis://127.0.0.1:6379', {})).toEqual({});
    expect(redisTlsFiles('rediss://cache:6380', {})).toEqual({});
  });

  it('keeps readable CA, certificate and key files for a rediss:// URL', () => {
    const files = { caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client.key') };
    expect(redisTlsFiles('rediss://cache:6380', files)).toEqual(files);
  });

  it('refuses TLS files for a plaintext redis:// URL', () => {
    expect(variableRefused(() => redisTlsFiles('redis://cache:6379', { caFile: file('ca.pem') }))).toBe(
      'REDIS_TLS_CA_FILE: REDIS_TLS_CA_FILE is set but REDIS_URL is not a rediss:// URL: use rediss:// for TLS',
    );
  });

  it('wants the client certificate and key together', () => {
    expect(variableRefused(() => redisTlsFiles('rediss://cache:6380', { certFile: file('client.pem') }))).toMatch(
      /^REDIS_TLS_KEY_FILE: REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together/,
    );
  });

  it('names the variable of a file it cannot read, or that holds the wrong PEM', () => {
    expect(variableRefused(() => redisTlsFiles('rediss://cache:6380', { caFile: file('missing.pem') }))).toMatch(
      /^REDIS_TLS_CA_FILE: REDIS_TLS_CA_FILE=".*missing\.pem" cannot be read \(ENOENT\)/,
    );
    expect(
      variableRefused(() =>
        redisTlsFiles('rediss://cache:6380', { certFile: file('client.pem'), keyFile: file('ca.pem') }),
      ),
    ).toMatch(/^REDIS_TLS_KEY_FILE: .* holds no PEM private key/);
  });
});
